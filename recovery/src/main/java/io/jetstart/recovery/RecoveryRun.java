package io.jetstart.recovery;

import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.LineChoice;
import io.jetstart.core.lines.ServerLineDetector;
import io.jetstart.core.store.Problem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * What one run of {@link StoreRecovery} shares with all its tasks, and the steps both of its
 * starts take (the plain one, and {@link NamedFirstStart}): choose the store's line, fork a group
 * of stream tasks and tell every stream's end exactly once, build the report.
 *
 * <p>Design note: everything here is built before the first fork and is thread-safe. nats-server
 * #7503 crashed at startup because a shared clock service was started lazily by whichever parallel
 * stream open came first.
 */
final class RecoveryRun {
    /**
     * Up to this many consumers of a stream load one after another on the stream's own task when
     * the store has more streams than workers; a stream with more keeps a task group for them.
     */
    static final int INLINE_CONSUMERS = 16;
    final RecoveryOptions options;
    final TaskRunner runner;
    final CountingDiskGate gate;
    /** The shared gate as the stream tasks use it (through the test's probe). */
    final DiskGate io;
    final BlockBuffers buffers;
    final EventPump events;
    final StreamTask streams;
    private final UnaryOperator<DiskGate> gateProbe;
    private final BooleanSupplier closed;
    private final boolean sequential;
    private final Instant deadline;
    private final long start;

    RecoveryRun(RecoveryOptions options, UnaryOperator<DiskGate> gateProbe, StreamHandOver handOver, BooleanSupplier closed,
                EventPump events, long start) {
        this.options = options;
        this.gateProbe = gateProbe;
        this.closed = closed;
        this.events = events;
        this.start = start;
        this.sequential = options.mode() == RecoveryOptions.Mode.SEQUENTIAL;
        this.runner = sequential ? TaskRunners.sequential() : TaskRunners.parallel(options.preview());
        this.gate = new CountingDiskGate(options.dios());
        this.io = gateProbe.apply(gate);
        this.buffers = new BlockBuffers(sequential ? 1 : options.workers());
        this.deadline = options.deadline() == null ? null : Instant.now().plus(options.deadline());
        this.streams = new StreamTask(options, handOver, closed, runner, buffers, events, sequential);
    }

    boolean sequential() {
        return sequential;
    }

    /** The run's deadline, or null for none. */
    java.time.Instant deadline() {
        return deadline;
    }

    /** Whether the run was closed (cancelled by its owner's close()). */
    boolean closed() {
        return closed.getAsBoolean();
    }

    /** The gate of streams that go first: their disk operations pass every other waiter (same permits). */
    DiskGate ahead() {
        return gateProbe.apply(gate.ahead());
    }

    /**
     * The store's line as detected from {@code plan}'s files, or the one asked for (keeping what the
     * files said). With the run's key, an encrypted stream's {@code index.db} is opened for its version
     * (one, the smallest, when it opens), as a plain one's is read.
     */
    LineChoice lineChoice(List<StreamDir> plan) throws InterruptedException {
        LineChoice detected = ServerLineDetector.detect(plan, io, options.key());
        return options.serverLine() == null ? detected : detected.askedFor(options.serverLine());
    }

    /**
     * The store's line from the streams discovered so far, when no stream discovered later can change
     * it ({@code ServerLineDetector.settledBy}; a line asked for always is), without a key; else null.
     * The evidence counts {@code found} alone: {@link #lineChoice} over the whole plan gives the report's.
     */
    LineChoice settledLineChoice(List<StreamDir> found) throws InterruptedException {
        if (options.serverLine() != null) {
            return ServerLineDetector.detect(found, io).askedFor(options.serverLine());
        }
        return ServerLineDetector.settledBy(found, io);
    }

    /** The event a run's listener hears first. */
    RecoveryEvent.RecoveryStarted started(int streamCount, long totalBytes) {
        return new RecoveryEvent.RecoveryStarted(streamCount, totalBytes, runner.kind(), gate.permits(), buffers.count(),
                GateView.of(gate));
    }

    /** What became of a group of stream tasks: every stream's report, in plan order. */
    record Forked(List<StreamReport> reports, boolean interrupted) {
    }

    /**
     * One task per stream of {@code plan}, in its order, run to the end (or cancelled:
     * {@code cancelled}, a close, an interrupt of this thread); every stream of the plan gets its
     * report and its hand-over.
     */
    Forked fork(List<StreamDir> plan, FirstStreams first, StreamLine line, RecordHashSource hashes, boolean cancelled) {
        DiskGate ioFirst = first.any() ? ahead() : io;
        StreamSlots slots = new StreamSlots(plan);
        List<TaskRunner.NamedTask<StreamReport>> tasks = new ArrayList<>(plan.size());
        // More streams than workers: the streams alone keep every worker busy, so a stream's few
        // consumers load on its own task rather than in a task group of their own (a scope and a
        // virtual thread per consumer, 3,000 of them for 1,000 streams, cost ~5 % of the CPU of a
        // fresh JVM and bought no parallelism; docs/benchmarks-passes.md, issue 13).
        TaskRunner inline = TaskRunners.sequential();
        boolean streamsFillWorkers = plan.size() > options.workers();
        for (int i = 0; i < plan.size(); i++) {
            StreamDir sd = plan.get(i);
            DiskGate streamIo = first.isFirst(sd) ? ioFirst : io;
            TaskRunner consumerRunner = streamsFillWorkers && sd.consumers().size() <= INLINE_CONSUMERS ? inline : runner;
            // A first stream checks its records with the checksum its own size calls for: a
            // small one with the scalar hash, rather than waiting for the Vector API's start-up
            // and running it uncompiled for a few records (a fresh-JVM profile of a 4.3 GB
            // store caught the small stream's fast path there).
            RecordHashSource streamHashes = first.isFirst(sd) ? RecordHashSource.forStore(sd.blockBytes()) : hashes;
            tasks.add(slots.task(i, line, consumerRunner, streamIo, streamHashes, first, new Finished(first, sd)));
        }
        Ran ran = runAll(tasks, cancelled);
        return new Forked(slots.reports(ran.results()), ran.interrupted());
    }

    /** Tells {@code first} that a stream's task has ended; a named class, made on the first stream's way (package-info). */
    private static final class Finished implements Runnable {
        private final FirstStreams first;
        private final StreamDir sd;

        Finished(FirstStreams first, StreamDir sd) {
            this.first = first;
            this.sd = sd;
        }

        @Override
        public void run() {
            first.finished(sd);
        }
    }

    /** A group's results, and whether the waiting thread was interrupted (every task has then stopped). */
    record Ran(List<TaskRunner.Result<StreamReport>> results, boolean interrupted) {
    }

    /** Runs the group until each task ends, or reports each cancelled unrun when the run is already cancelled or closed. */
    Ran runAll(List<TaskRunner.NamedTask<StreamReport>> tasks, boolean cancelled) {
        if (cancelled || closed.getAsBoolean()) {
            return new Ran(cancelledResults(tasks.size()), false);
        }
        try {
            return new Ran(runner.runAll(tasks, deadline), false);
        } catch (InterruptedException e) {
            return new Ran(cancelledResults(tasks.size()), true);
        }
    }

    private static <T> List<TaskRunner.Result<T>> cancelledResults(int n) {
        List<TaskRunner.Result<T>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new TaskRunner.Result.Cancelled<>());
        }
        return out;
    }

    /**
     * The tasks of a group of streams and the report each told the listener. A runner may lose a
     * task's value when the group is cancelled as the task returns (a StructuredTaskScope subtask
     * is then UNAVAILABLE, a cancelled Future has no result): the report must still say what the
     * listener was told, and each stream must finish exactly once.
     */
    final class StreamSlots {
        private final List<StreamDir> streams;
        private final AtomicReferenceArray<StreamReport> told;

        StreamSlots(List<StreamDir> streams) {
            this.streams = streams;
            this.told = new AtomicReferenceArray<>(streams.size());
        }

        /** The task of the {@code i}-th stream; {@code ended} runs when it ends, whatever its outcome. */
        TaskRunner.NamedTask<StreamReport> task(int i, StreamLine line, TaskRunner consumerRunner, DiskGate streamIo,
                                                RecordHashSource hashes, FirstStreams first, Runnable ended) {
            StreamDir sd = streams.get(i);
            return new TaskRunner.NamedTask<>(sd.account() + " > " + sd.name(),
                    new StreamBody(i, sd, line, consumerRunner, streamIo, hashes, first, ended));
        }

        /**
         * A stream's task and what it tells its slot: named classes, not lambdas, as the first
         * stream's task is made and run on its way, where a fresh JVM would spin a lambda's class at
         * run time (package-info).
         */
        private final class StreamBody implements java.util.concurrent.Callable<StreamReport>,
                java.util.function.Consumer<StreamReport> {
            private final int i;
            private final StreamDir sd;
            private final StreamLine line;
            private final TaskRunner consumerRunner;
            private final DiskGate streamIo;
            private final RecordHashSource hashes;
            private final FirstStreams first;
            private final Runnable ended;

            StreamBody(int i, StreamDir sd, StreamLine line, TaskRunner consumerRunner, DiskGate streamIo,
                       RecordHashSource hashes, FirstStreams first, Runnable ended) {
                this.i = i;
                this.sd = sd;
                this.line = line;
                this.consumerRunner = consumerRunner;
                this.streamIo = streamIo;
                this.hashes = hashes;
                this.first = first;
                this.ended = ended;
            }

            @Override
            public StreamReport call() throws InterruptedException {
                try {
                    return RecoveryRun.this.streams.recover(sd, line, consumerRunner, streamIo, hashes, first, this);
                } finally {
                    ended.run();
                }
            }

            /** The stream's report, told as it finishes. */
            @Override
            public void accept(StreamReport r) {
                told.set(i, r);
            }
        }

        /** Every stream's report, in order: what its task told, else what became of the task ({@code results}, task order). */
        List<StreamReport> reports(List<TaskRunner.Result<StreamReport>> results) {
            List<StreamReport> out = new ArrayList<>(streams.size());
            for (int i = 0; i < streams.size(); i++) {
                StreamReport r = told.get(i);
                out.add(r != null ? r : unfinished(streams.get(i), results.get(i)));
            }
            return out;
        }

        private StreamReport unfinished(StreamDir sd, TaskRunner.Result<StreamReport> r) {
            return switch (r) {
                case TaskRunner.Result.Done<StreamReport> d -> d.value();
                case TaskRunner.Result.Cancelled<StreamReport> c -> RecoveryRun.this.streams.unfinished(sd, Outcome.CANCELLED, List.of(),
                        x -> { });
                // A bug or an unexpected runtime error in one stream: reported, the others carry on.
                case TaskRunner.Result.Failed<StreamReport> f -> RecoveryRun.this.streams.unfinished(sd, Outcome.FAILED,
                        List.of(Problem.fatal(sd.dir(), -1, "unexpected error: " + f.error())), x -> { });
            };
        }
    }

    /** The streams' reports, sorted, in the run's report; {@code RecoveryFinished} emitted. */
    RecoveryReport finish(List<StreamReport> reports, List<String> skipped, RecordHashSource hashes, LineChoice lineChoice,
                          boolean interruptedByOther) throws InterruptedException {
        List<StreamReport> sorted = new ArrayList<>(reports);
        sorted.sort(ByAccountThenName.INSTANCE);
        // Named only when some stream was rebuilt: only a rebuild hashes every record.
        boolean rebuilt = false;
        for (StreamReport r : sorted) {
            rebuilt |= r.outcome() == Outcome.REBUILT;
        }
        String checksum = rebuilt ? hashes.describe() : null;
        RecoveryReport report = new RecoveryReport(List.copyOf(sorted), System.nanoTime() - start, runner.kind(),
                gate.permits(), buffers.count(), gate.peakInUse(), gate.totalWaitNanos(), skipped, checksum,
                lineChoice);
        events.emit(new RecoveryEvent.RecoveryFinished(report));
        if (interruptedByOther) {
            throw new InterruptedException("recovery interrupted");
        }
        return report;
    }

    /**
     * The report's order, by account, then name: a named class and a loop above rather than
     * {@code Comparator.comparing} and a stream, whose lambdas a fresh JVM spins at run time at the
     * end of every recovery, inside its timed wall (docs/benchmarks-passes.md, "./jetstart recover's own
     * start").
     */
    private static final class ByAccountThenName implements Comparator<StreamReport> {
        static final ByAccountThenName INSTANCE = new ByAccountThenName();

        @Override
        public int compare(StreamReport a, StreamReport b) {
            int c = a.account().compareTo(b.account());
            return c != 0 ? c : a.name().compareTo(b.name());
        }
    }
}
