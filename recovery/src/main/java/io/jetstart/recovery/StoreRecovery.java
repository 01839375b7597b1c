package io.jetstart.recovery;

import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.LineChoice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Brings every stream and consumer of a store back: discover, plan (largest first), then one task
 * per stream under one task group that never cancels siblings; inside each stream task, its
 * consumers right after the stream opens, as a nested group (or one after another on the stream's
 * task, when the store has more streams than workers). Streams named first
 * ({@link RecoveryOptions#firstStreams}) start before the store is discovered
 * ({@link NamedFirstStart}), and so do the small streams of a small-first run that a look before
 * discovery shows the plan surely takes ({@code StoreLayout.findSmall}); without either a parallel
 * run forks its streams' tasks while discovery goes on ({@link PipelinedStart}), with the same
 * plan, line and report.
 *
 * <p>Read-only: nothing is written, truncated or deleted. A {@code StoreRecovery} runs once;
 * {@link #close()} from another thread cancels a run in progress, and {@link #run()} then returns
 * with the unfinished streams reported as cancelled and no recovery thread left alive (a close()
 * during discovery, one stat pass, takes effect as soon as discovery ends; in a
 * {@link PipelinedStart} the streams forked early may have finished by then).
 *
 * <p>Design note: what the stream tasks share is built before the first fork ({@link RecoveryRun}).
 */
public final class StoreRecovery implements AutoCloseable {
    private final Path storeDir;
    private final RecoveryOptions options;
    private final UnaryOperator<DiskGate> gateProbe;
    private final StreamHandOver handOver;
    /** The run's events: made here so that another thread can start its reporter early ({@link #startEventReporter}). */
    private final EventPump events;
    private volatile Thread owner;
    private volatile boolean closed;
    /** Set once discovery is over (or handed to a task): only from then on does close() interrupt the owner. */
    private volatile boolean tasksStarting;

    public StoreRecovery(Path storeDir, RecoveryOptions options) {
        this(storeDir, options, UnaryOperator.identity(), StreamHandOver.NONE);
    }

    /** A recovery that gives each stream to {@code handOver} as soon as that stream is back (the runtime). */
    public StoreRecovery(Path storeDir, RecoveryOptions options, StreamHandOver handOver) {
        this(storeDir, options, UnaryOperator.identity(), handOver);
    }

    /**
     * For tests: {@code gateProbe} wraps the shared gate, so a test sees every disk operation of
     * the run (how many run at once, on which threads) without trusting the gate's own counters.
     */
    StoreRecovery(Path storeDir, RecoveryOptions options, UnaryOperator<DiskGate> gateProbe) {
        this(storeDir, options, gateProbe, StreamHandOver.NONE);
    }

    /** For tests: a gate probe and a hand-over. */
    StoreRecovery(Path storeDir, RecoveryOptions options, UnaryOperator<DiskGate> gateProbe, StreamHandOver handOver) {
        this.storeDir = storeDir;
        this.options = options;
        this.gateProbe = gateProbe;
        this.handOver = handOver;
        this.events = new EventPump(options.listener());
    }

    /** Convenience: run a recovery to completion on the calling thread. */
    public static RecoveryReport recover(Path storeDir, RecoveryOptions options) throws IOException, InterruptedException {
        try (StoreRecovery r = new StoreRecovery(storeDir, options)) {
            return r.run();
        }
    }

    /**
     * Recovers the one stream {@code account > name} of {@code storeDir} as {@link #run} recovers
     * each stream (read-only; its consumers after it), through {@code gate}, under {@code line}
     * (null: detected from that stream's own files), and gives it to {@code handOver} on the
     * calling thread's task before returning. No other stream's directory is looked into and no
     * listener is told. For the runtime, which resumes a stream whose writer a write error stopped.
     *
     * @return the stream's report (its outcome says whether it was handed over recovered), or null
     *         when the store has no such stream (nothing was handed over)
     * @throws IOException          when the store's folders cannot be listed
     * @throws InterruptedException when the calling thread was interrupted (the stream was handed
     *                              over as cancelled)
     */
    public static StreamReport recoverStream(Path storeDir, String account, String name, RecoveryOptions options,
                                             io.jetstart.core.io.DiskGate gate, io.jetstart.core.lines.ServerLine line,
                                             StreamHandOver handOver) throws IOException, InterruptedException {
        return OneStreamRecovery.run(storeDir, account, name, options, gate, line, handOver);
    }

    /**
     * @throws IOException          when the store directory itself cannot be listed
     * @throws InterruptedException when the calling thread was interrupted by someone other than
     *                              {@link #close()} (the report is then lost; streams are stopped)
     */
    public RecoveryReport run() throws IOException, InterruptedException {
        if (owner != null) {
            throw new IllegalStateException("a StoreRecovery runs once");
        }
        owner = Thread.currentThread();
        long start = System.nanoTime();
        try (EventPump events = this.events) {
            RecoveryRun run = new RecoveryRun(options, gateProbe, handOver, new Closed(), events, start);
            List<StoreLayout.Found> named = run.sequential() || options.firstStreams().isEmpty() ? List.of()
                    : NamedFirstStart.find(storeDir, run.io, options);
            if (!named.isEmpty()) {
                // Discovery is a task of the group there, which ends as cancelled when interrupted.
                tasksStarting = true;
                return NamedFirstStart.run(run, storeDir, named);
            }
            StoreLayout.Small small = NamedFirstStart.smallApplies(run) ? NamedFirstStart.findSmall(storeDir, run.io, options)
                    : StoreLayout.Small.NONE;
            if (!small.streams().isEmpty()) {
                tasksStarting = true;
                return NamedFirstStart.runSmall(run, storeDir, small);
            }
            if (PipelinedStart.applies(run)) {
                return PipelinedStart.run(run, storeDir, new TasksStarting());
            }
            return runPlain(run);
        } finally {
            // An interrupt sent by close() was for this run only; do not leak it to the caller.
            if (closed) {
                Thread.interrupted();
            }
            tasksStarting = false;
            owner = null;
        }
    }

    /**
     * For a caller that starts {@link #run} on another thread and is then free (the runtime's opening
     * thread): starts the thread that hands the run's events to the listener now, on the calling
     * thread. Without it the first event starts it, and without named first streams that is
     * discovery's {@code RecoveryStarted}, emitted by the run's thread just before it forks the
     * first stream's task: a platform thread's start waits until the new thread runs, 0.2-1.3 ms of
     * a warm open on the 2-core machine, on the first stream's way (docs/benchmarks-passes.md,
     * "Per-stream readiness", eighth pass). Nothing when streams are named first: their events are
     * held until discovery ends, after they are served, so the reporter is not on their way, and
     * its start would only take a core from their start. A small-first run that starts its small
     * streams before discovery ({@link NamedFirstStart#runSmall}) holds its events too, but whether
     * it will is known only once its look at the store is done: the reporter starts here all the
     * same (not starting it there made no measurable difference, docs/benchmarks-passes.md, "Per-stream
     * readiness", ninth pass). Call it after {@code run} has started or
     * will surely start: {@code run} closes the reporter it starts.
     */
    public void startEventReporter() {
        if (options.firstStreams().isEmpty()) {
            events.start();
        }
    }

    /** Discovery on this thread, the line, then every stream's task (the first ones ahead). */
    private RecoveryReport runPlain(RecoveryRun run) throws IOException, InterruptedException {
        StoreLayout layout = StoreLayout.discover(storeDir, run.io);
        List<StreamDir> plan = new ArrayList<>(layout.streams());
        if (!options.onlyStreams().isEmpty()) {
            plan.removeIf(sd -> !options.onlyStreams().contains(sd.name()));
        }
        // The first streams (named, or small), then longest-processing-time first. Tasks are
        // forked in this order; the others wait for the first ones (FirstStreams).
        FirstStreams first = FirstStreams.choose(plan, options.firstStreams(), options.smallFirst(), !run.sequential());
        plan.sort(first.order());
        long totalBytes = 0;
        for (StreamDir sd : plan) {
            totalBytes += sd.blockBytes();
        }
        // One line for the whole store, chosen before the first fork (a few header reads).
        LineChoice lineChoice = run.lineChoice(plan);
        RecordHashSource hashes = RecordHashSource.forStore(totalBytes);
        run.events.emit(run.started(plan.size(), totalBytes));
        // Discovery is not interrupted: an interrupt there surfaced as an IOException ("interrupted
        // while waiting for a disk permit") and the run failed as if the store were unreadable. It
        // is one stat pass, so close() takes effect when it ends: either close() sees
        // tasksStarting and interrupts, or this thread sees closed (both volatile).
        tasksStarting = true;
        RecoveryRun.Forked forked = run.fork(plan, first, StreamLine.known(lineChoice.line()), hashes, false);
        boolean interruptedByOther = forked.interrupted() && !closed;
        return run.finish(forked.reports(), layout.skipped(), hashes, lineChoice, interruptedByOther);
    }

    @Override
    public void close() {
        closed = true;
        Thread t = owner;
        if (t != null && t != Thread.currentThread() && tasksStarting) {
            t.interrupt();
        }
    }

    /** Discovery is over in a pipelined start: from now on close() interrupts the owner. */
    private final class TasksStarting implements Runnable {
        @Override
        public void run() {
            tasksStarting = true;
        }
    }

    /** Whether {@link #close} was called; a named class, made at each open (package-info). */
    private final class Closed implements java.util.function.BooleanSupplier {
        @Override
        public boolean getAsBoolean() {
            return closed;
        }
    }
}
