package io.jetstart.recovery;

import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.Encryption;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.LineChoice;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.lines.ServerLineDetector;
import io.jetstart.core.meta.MetaException;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamMeta;
import io.jetstart.core.store.BlockWork;
import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.store.ConsumerLoader;
import io.jetstart.core.store.ConsumerSettlement;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.RestoredConsumer;
import io.jetstart.core.store.ServerAction;
import io.jetstart.core.store.Source;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Brings every stream and consumer of a store back: discover, plan (largest first), then one task
 * per stream under one task group that never cancels siblings; inside each stream task, its
 * consumers right after the stream opens, as a nested group (or one after another on the stream's
 * task, when the store has more streams than workers).
 *
 * <p>Read-only: nothing is written, truncated or deleted. A {@code StoreRecovery} runs once;
 * {@link #close()} from another thread cancels a run in progress, and {@link #run()} then returns
 * with the unfinished streams reported as cancelled and no recovery thread left alive (a close()
 * during discovery, one stat pass, takes effect as soon as discovery ends).
 *
 * <p>Design note: everything the stream tasks share (the gate, the block buffers, the event pump,
 * the runner) is built before the first fork and is thread-safe. nats-server #7503 crashed at
 * startup because a shared clock service was started lazily by whichever parallel stream open
 * came first.
 */
public final class StoreRecovery implements AutoCloseable {
    /**
     * Up to this many consumers of a stream load one after another on the stream's own task when
     * the store has more streams than workers; a stream with more keeps a task group for them.
     */
    static final int INLINE_CONSUMERS = 16;
    private final Path storeDir;
    private final RecoveryOptions options;
    private final UnaryOperator<DiskGate> gateProbe;
    private final StreamHandOver handOver;
    private volatile Thread owner;
    private volatile boolean closed;
    /** Set once discovery is over: only from then on does close() interrupt the owner. */
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
    }

    /** Convenience: run a recovery to completion on the calling thread. */
    public static RecoveryReport recover(Path storeDir, RecoveryOptions options) throws IOException, InterruptedException {
        try (StoreRecovery r = new StoreRecovery(storeDir, options)) {
            return r.run();
        }
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
        boolean sequential = options.mode() == RecoveryOptions.Mode.SEQUENTIAL;
        TaskRunner runner = sequential ? TaskRunners.sequential() : TaskRunners.parallel(options.preview());
        CountingDiskGate gate = new CountingDiskGate(options.dios());
        DiskGate io = gateProbe.apply(gate);
        BlockBuffers buffers = new BlockBuffers(sequential ? 1 : options.workers());
        Instant deadline = options.deadline() == null ? null : Instant.now().plus(options.deadline());
        try (EventPump events = new EventPump(options.listener())) {
            List<StoreLayout.Found> early = sequential || options.firstStreams().isEmpty() ? List.of() : findEarly(io);
            if (!early.isEmpty()) {
                return runEarlyFirst(early, start, runner, gate, io, buffers, deadline, events);
            }
            StoreLayout layout = StoreLayout.discover(storeDir, io);
            List<StreamDir> plan = new ArrayList<>(layout.streams());
            if (!options.onlyStreams().isEmpty()) {
                plan.removeIf(sd -> !options.onlyStreams().contains(sd.name()));
            }
            // The first streams (named, or small), then longest-processing-time first. Tasks are
            // forked in this order; the others wait for the first ones (FirstStreams).
            FirstStreams first = FirstStreams.choose(plan, options.firstStreams(), options.smallFirst(), !sequential);
            plan.sort(first.order());
            long totalBytes = plan.stream().mapToLong(StreamDir::blockBytes).sum();
            // One line for the whole store, chosen before the first fork (a few header reads).
            LineChoice lineChoice = lineChoice(plan, io);
            RecordHashSource hashes = RecordHashSource.forStore(totalBytes);
            events.emit(new RecoveryEvent.RecoveryStarted(plan.size(), totalBytes, runner.kind(), gate.permits(),
                    buffers.count(), GateView.of(gate)));
            // Discovery is not interrupted: an interrupt there surfaced as an IOException ("interrupted
            // while waiting for a disk permit") and the run failed as if the store were unreadable. It
            // is one stat pass, so close() takes effect when it ends: either close() sees
            // tasksStarting and interrupts, or this thread sees closed (both volatile).
            tasksStarting = true;
            Forked forked = forkStreams(plan, first, StreamLine.known(lineChoice.line()), runner, gate, io, buffers, hashes, events,
                    sequential, deadline, false);
            boolean interruptedByOther = forked.interrupted() && !closed;
            List<StreamReport> reports = new ArrayList<>(forked.reports());
            return finish(reports, start, runner, gate, buffers, layout.skipped(), hashes, lineChoice, events, interruptedByOther);
        } finally {
            // An interrupt sent by close() was for this run only; do not leak it to the caller.
            if (closed) {
                Thread.interrupted();
            }
            tasksStarting = false;
            owner = null;
        }
    }

    /** The store's line as detected from {@code plan}'s files, or the one asked for (keeping what the files said). */
    private LineChoice lineChoice(List<StreamDir> plan, DiskGate io) throws InterruptedException {
        LineChoice detected = ServerLineDetector.detect(plan, io);
        return options.serverLine() == null ? detected : detected.askedFor(options.serverLine());
    }

    /** The streams' reports, sorted, in the run's report; {@code RecoveryFinished} emitted. */
    private RecoveryReport finish(List<StreamReport> reports, long start, TaskRunner runner, CountingDiskGate gate, BlockBuffers buffers,
                                  List<String> skipped, RecordHashSource hashes, LineChoice lineChoice, EventPump events,
                                  boolean interruptedByOther) throws InterruptedException {
        reports.sort(Comparator.comparing(StreamReport::account).thenComparing(StreamReport::name));
        // Named only when some stream was rebuilt: only a rebuild hashes every record.
        String checksum = reports.stream().anyMatch(r -> r.outcome() == Outcome.REBUILT) ? hashes.describe() : null;
        RecoveryReport report = new RecoveryReport(List.copyOf(reports), System.nanoTime() - start, runner.kind(),
                gate.permits(), buffers.count(), gate.peakInUse(), gate.totalWaitNanos(), skipped, checksum,
                lineChoice);
        events.emit(new RecoveryEvent.RecoveryFinished(report));
        if (interruptedByOther) {
            throw new InterruptedException("recovery interrupted");
        }
        return report;
    }

    /** What became of a group of stream tasks: every stream's report, in plan order. */
    private record Forked(List<StreamReport> reports, boolean interrupted) {
    }

    /**
     * One task per stream of {@code plan}, run to the end (or cancelled: {@code cancelled}, a close,
     * an interrupt of this thread); every stream of the plan gets its report and its hand-over.
     */
    private Forked forkStreams(List<StreamDir> plan, FirstStreams first, StreamLine line, TaskRunner runner, CountingDiskGate gate,
                               DiskGate io, BlockBuffers buffers, RecordHashSource hashes, EventPump events, boolean sequential,
                               Instant deadline, boolean cancelled) {
        // What each stream task finished with and told the listener. A runner may lose a task's
        // value when the group is cancelled as the task returns (a StructuredTaskScope subtask
        // is then UNAVAILABLE, a cancelled Future has no result): the report must still say
        // what the listener was told, and each stream must finish exactly once.
        // The first streams' disk operations pass every other waiter at the gate (same permits).
        DiskGate ioFirst = first.any() ? gateProbe.apply(gate.ahead()) : io;
        AtomicReferenceArray<StreamReport> finished = new AtomicReferenceArray<>(plan.size());
        List<TaskRunner.NamedTask<StreamReport>> tasks = new ArrayList<>(plan.size());
        // More streams than workers: the streams alone keep every worker busy, so a stream's few
        // consumers load on its own task rather than in a task group of their own (a scope and a
        // virtual thread per consumer, 3,000 of them for 1,000 streams, cost ~5 % of the CPU of a
        // fresh JVM and bought no parallelism; docs/BENCHMARKS.md, issue 13).
        TaskRunner inline = TaskRunners.sequential();
        boolean streamsFillWorkers = plan.size() > options.workers();
        for (int i = 0; i < plan.size(); i++) {
            StreamDir sd = plan.get(i);
            int index = i;
            DiskGate streamIo = first.isFirst(sd) ? ioFirst : io;
            TaskRunner consumerRunner = streamsFillWorkers && sd.consumers().size() <= INLINE_CONSUMERS ? inline : runner;
            // A first stream checks its records with the checksum its own size calls for: a
            // small one with the scalar hash, rather than waiting for the Vector API's start-up
            // and running it uncompiled for a few records (a fresh-JVM profile of a 4.3 GB
            // store caught the small stream's fast path there).
            RecordHashSource streamHashes = first.isFirst(sd) ? RecordHashSource.forStore(sd.blockBytes()) : hashes;
            tasks.add(new TaskRunner.NamedTask<>(sd.account() + " > " + sd.name(), () -> {
                try {
                    return recoverStream(sd, line, runner, consumerRunner, streamIo, buffers, streamHashes, events, sequential,
                            first, r -> finished.set(index, r));
                } finally {
                    first.finished(sd);
                }
            }));
        }
        List<TaskRunner.Result<StreamReport>> results;
        boolean interrupted = false;
        try {
            results = cancelled || closed ? cancelledResults(tasks.size()) : runner.runAll(tasks, deadline);
        } catch (InterruptedException e) {
            interrupted = true;
            results = cancelledResults(tasks.size());
        }
        List<StreamReport> reports = new ArrayList<>(plan.size());
        for (int i = 0; i < plan.size(); i++) {
            StreamReport told = finished.get(i);
            reports.add(told != null ? told : toReport(plan.get(i), results.get(i), events));
        }
        return new Forked(reports, interrupted);
    }

    /**
     * The named first streams of the store ({@link RecoveryOptions#firstStreams}, within
     * {@link RecoveryOptions#onlyStreams}), found without discovering the rest; none when the
     * store cannot be looked into that way (discovery then says why, as without names).
     */
    private List<StoreLayout.Found> findEarly(DiskGate io) {
        try {
            List<StoreLayout.Found> found = new ArrayList<>(StoreLayout.findNamed(storeDir, io, options.firstStreams()));
            if (!options.onlyStreams().isEmpty()) {
                found.removeIf(f -> !options.onlyStreams().contains(f.stream().name()));
            }
            return found;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** What the discovery task of {@link #runEarlyFirst} found and did, read by the run's thread after the group ends. */
    private static final class Rest {
        volatile StoreLayout layout;
        volatile LineChoice lineChoice;
        volatile RecordHashSource hashes;
        volatile List<StreamReport> reports;
        volatile IOException failure;
    }

    /**
     * The named first streams start at once, each on its task, while a task of the same group
     * discovers the store, detects its line and then (once every early stream has ended, as the
     * others wait for the first ones) recovers the other streams as {@link #run} does without names.
     *
     * <p>Design note: a named stream's directory is known from its name, so it needs neither the
     * store's listing nor its block stats; and it needs the store's line only where its own files
     * do not decide what it recovers ({@link StreamLine}). Its events are held back until discovery's
     * {@code RecoveryStarted}. A close() interrupts the whole group, discovery included (which
     * then ends as cancelled rather than as an unreadable store).
     */
    private RecoveryReport runEarlyFirst(List<StoreLayout.Found> early, long start, TaskRunner runner, CountingDiskGate gate,
                                         DiskGate io, BlockBuffers buffers, Instant deadline, EventPump events)
            throws IOException, InterruptedException {
        events.holdUntilStarted();
        DiskGate ioFirst = gateProbe.apply(gate.ahead());
        CompletableFuture<ServerLine> storeLine = new CompletableFuture<>();
        CountDownLatch earlyDone = new CountDownLatch(early.size());
        // Discovery starts once every early stream has ended, or as soon as one waits for the store's line.
        CountDownLatch discoveryGo = new CountDownLatch(1);
        AtomicReferenceArray<StreamReport> finished = new AtomicReferenceArray<>(early.size());
        Rest rest = new Rest();
        List<TaskRunner.NamedTask<StreamReport>> tasks = new ArrayList<>(early.size() + 1);
        for (int i = 0; i < early.size(); i++) {
            StreamDir sd = early.get(i).stream();
            int listedBefore = early.get(i).listedBefore();
            int index = i;
            StreamLine line = options.serverLine() != null ? StreamLine.known(options.serverLine())
                    : StreamLine.early(() -> ServerLineDetector.lowestFor(sd, listedBefore, ioFirst), storeLine, discoveryGo::countDown,
                    sd.dir());
            tasks.add(new TaskRunner.NamedTask<>(sd.account() + " > " + sd.name(), () -> {
                try {
                    return recoverStream(sd, line, runner, runner, ioFirst, buffers, RecordHashSource.forStore(sd.blockBytes()), events,
                            false, FirstStreams.none(), r -> finished.set(index, r));
                } finally {
                    earlyDone.countDown();
                    if (earlyDone.getCount() == 0) {
                        discoveryGo.countDown();
                    }
                }
            }));
        }
        tasks.add(new TaskRunner.NamedTask<>("discovery", () -> {
            recoverRest(early, earlyDone, discoveryGo, storeLine, rest, runner, gate, io, buffers, deadline, events);
            return null;
        }));
        tasksStarting = true;
        List<TaskRunner.Result<StreamReport>> results;
        boolean interruptedByOther = false;
        try {
            results = closed ? cancelledResults(tasks.size()) : runner.runAll(tasks, deadline);
        } catch (InterruptedException e) {
            interruptedByOther = !closed;
            results = cancelledResults(tasks.size());
        }
        // Nobody waits for what never comes (a group cancelled before its discovery task ran).
        storeLine.completeExceptionally(new InterruptedException("recovery ended"));
        long earlyBytes = early.stream().mapToLong(f -> f.stream().blockBytes()).sum();
        events.releaseWith(new RecoveryEvent.RecoveryStarted(early.size(), earlyBytes, runner.kind(), gate.permits(), buffers.count(),
                GateView.of(gate)));
        List<StreamReport> reports = new ArrayList<>();
        for (int i = 0; i < early.size(); i++) {
            StreamReport told = finished.get(i);
            reports.add(told != null ? told : toReport(early.get(i).stream(), results.get(i), events));
        }
        if (rest.failure != null && !closed) {
            // The store itself could not be listed (as discovery fails without names).
            throw rest.failure;
        }
        if (rest.reports != null) {
            reports.addAll(rest.reports);
        }
        LineChoice lineChoice = rest.lineChoice != null ? rest.lineChoice : undetected();
        RecordHashSource hashes = rest.hashes != null ? rest.hashes : RecordHashSource.forStore(earlyBytes);
        List<String> skipped = rest.layout != null ? rest.layout.skipped() : List.of();
        return finish(reports, start, runner, gate, buffers, skipped, hashes, lineChoice, events, interruptedByOther);
    }

    /** The line of a report whose discovery never ended (cancelled): the one asked for, else the newest, saying so. */
    private LineChoice undetected() {
        LineChoice none = new LineChoice(ServerLine.NEWEST, false,
                List.of("not detected: the recovery was cancelled before the store was discovered"));
        return options.serverLine() == null ? none : none.askedFor(options.serverLine());
    }

    /** The discovery task of {@link #runEarlyFirst}: discovery, the line, then the streams not started early. */
    private void recoverRest(List<StoreLayout.Found> early, CountDownLatch earlyDone, CountDownLatch discoveryGo,
                             CompletableFuture<ServerLine> storeLine, Rest rest,
                             TaskRunner runner, CountingDiskGate gate, DiskGate io, BlockBuffers buffers, Instant deadline,
                             EventPump events) {
        // As without names, discovery and the line detection run to their end even when the group
        // is cancelled meanwhile (a stat pass and a few header reads): an interrupt there surfaced as
        // an unreadable store, and the report must still name every stream (cancelled).
        boolean cancelled = false;
        try {
            discoveryGo.await();
        } catch (InterruptedException e) {
            cancelled = true;
        }
        List<StreamDir> plan = null;
        for (int attempt = 0; plan == null; attempt++) {
            try {
                StoreLayout layout = StoreLayout.discover(storeDir, io);
                List<StreamDir> all = new ArrayList<>(layout.streams());
                if (!options.onlyStreams().isEmpty()) {
                    all.removeIf(sd -> !options.onlyStreams().contains(sd.name()));
                }
                // The same line as without names: detected over the whole plan, early streams included.
                LineChoice lineChoice = lineChoice(all, io);
                rest.layout = layout;
                rest.lineChoice = lineChoice;
                storeLine.complete(lineChoice.line());
                plan = all;
            } catch (IOException | InterruptedException e) {
                boolean interrupt = e instanceof InterruptedException || e instanceof java.io.InterruptedIOException
                        || e instanceof java.nio.channels.ClosedByInterruptException || Thread.currentThread().isInterrupted();
                Thread.interrupted();
                if (interrupt && attempt < 3) {
                    cancelled = true;
                    continue;
                }
                storeLine.completeExceptionally(interrupt ? new InterruptedException("cancelled during discovery") : e);
                if (!interrupt && e instanceof IOException io2) {
                    rest.failure = io2;
                }
                return;
            }
        }
        long totalBytes = plan.stream().mapToLong(StreamDir::blockBytes).sum();
        RecordHashSource hashes = RecordHashSource.forStore(totalBytes);
        rest.hashes = hashes;
        events.releaseWith(new RecoveryEvent.RecoveryStarted(plan.size(), totalBytes, runner.kind(), gate.permits(), buffers.count(),
                GateView.of(gate)));
        java.util.Set<String> started = new java.util.HashSet<>();
        for (StoreLayout.Found f : early) {
            started.add(f.stream().account() + "/" + f.stream().name());
        }
        // Not recovered twice: the streams started early are left out (same directories).
        List<StreamDir> others = new ArrayList<>(plan);
        others.removeIf(sd -> started.contains(sd.account() + "/" + sd.name()));
        FirstStreams first = FirstStreams.choose(others, java.util.Set.of(), options.smallFirst(), true);
        others.sort(first.order());
        try {
            // The others start once every early stream's task has ended (as they wait for first streams).
            if (!cancelled) {
                earlyDone.await();
            }
        } catch (InterruptedException e) {
            cancelled = true;
        }
        Forked forked = forkStreams(others, first, StreamLine.known(rest.lineChoice.line()), runner, gate, io, buffers, hashes, events,
                false, deadline, cancelled);
        // An interrupt here is the group's cancellation (a close or the deadline): the run's own thread
        // tells an interrupt of itself apart.
        rest.reports = forked.reports();
    }

    private static <T> List<TaskRunner.Result<T>> cancelledResults(int n) {
        List<TaskRunner.Result<T>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new TaskRunner.Result.Cancelled<>());
        }
        return out;
    }

    /** The report of a stream whose task did not finish by itself (cancelled before or while it ran, or crashed). */
    private StreamReport toReport(StreamDir sd, TaskRunner.Result<StreamReport> r, EventPump events) {
        return switch (r) {
            case TaskRunner.Result.Done<StreamReport> d -> d.value();
            case TaskRunner.Result.Cancelled<StreamReport> c -> {
                StreamReport rep = new StreamReport(sd.account(), sd.name(), Outcome.CANCELLED, null, null, List.of(),
                        List.of(), 0, 0, 0, 0, sd.blockBytes());
                handOver.streamFinished(rep, null);
                events.emit(new RecoveryEvent.StreamFinished(rep));
                yield rep;
            }
            case TaskRunner.Result.Failed<StreamReport> f -> {
                // A bug or an unexpected runtime error in one stream: reported, the others carry on.
                StreamReport rep = new StreamReport(sd.account(), sd.name(), Outcome.FAILED, null, null, List.of(),
                        List.of(Problem.fatal(sd.dir(), -1, "unexpected error: " + f.error())), 0, 0, 0, 0, sd.blockBytes());
                handOver.streamFinished(rep, null);
                events.emit(new RecoveryEvent.StreamFinished(rep));
                yield rep;
            }
        };
    }

    private StreamReport recoverStream(StreamDir sd, StreamLine line, TaskRunner runner, TaskRunner consumerRunner, DiskGate sharedGate,
                                       BlockBuffers buffers, RecordHashSource hashes, EventPump events, boolean sequential,
                                       FirstStreams first, Consumer<StreamReport> onFinished)
            throws InterruptedException {
        try {
            first.awaitTurn(sd);
        } catch (InterruptedException e) {
            // Cancelled before its turn came: reported as cancelled, as a task the runner never started.
            StreamReport report = new StreamReport(sd.account(), sd.name(), Outcome.CANCELLED, null, null, List.of(), List.of(),
                    0, 0, 0, 0, sd.blockBytes());
            onFinished.accept(report);
            handOver.streamFinished(report, null);
            events.emit(new RecoveryEvent.StreamFinished(report));
            Thread.currentThread().interrupt();
            return report;
        }
        long start = System.nanoTime();
        StreamGate gate = new StreamGate(sharedGate, () -> closed);
        events.emit(new RecoveryEvent.StreamStarted(sd.account(), sd.name(), sd.blockBytes()));
        StoreContext ctx = new StoreContext(gate, buffers,
                sequential ? BlockWork.sequential() : new RunnerBlockWork(runner, sd.account() + " > " + sd.name()), hashes,
                () -> System.currentTimeMillis() * 1_000_000L,
                (idx, bytes, records) -> events.emit(new RecoveryEvent.BlockScanned(sd.account(), sd.name(), idx, bytes, records)),
                options.key());
        StreamMeta meta = null;
        StreamStore store = null;
        StreamReport report;
        try {
            if (options.key() == null && sd.encryption() instanceof Encryption.Encrypted enc) {
                throw new StoreException(Problem.fatal(sd.dir(), -1, "encrypted stream (" + String.join(", ", enc.evidence())
                        + "); reading it needs the server's jetstream key, and none was given"));
            }
            StreamKeys keys;
            try {
                keys = streamKeys(sd, gate);
                meta = MetaFiles.readStream(sd.dir(), gate, keys);
            } catch (MetaException e) {
                // The server skips a stream whose meta files it refuses and leaves it alone (spec 7.1);
                // a sealed meta.inf is read by a server that has the key.
                ServerAction action = e.kind() == MetaException.Kind.ENCRYPTED ? ServerAction.NONE : ServerAction.SKIP_STREAM;
                throw new StoreException(Problem.fatal(e.file(), -1, e.getMessage()).with(action), e);
            } catch (InterruptedIOException e) {
                // Cancelled while waiting for a disk permit or reading: not damage.
                throw cancellation(e);
            }
            ServerLine openLine = line.forOpen(!options.verifyBlocks() && sd.hasIndexDb());
            store = open(sd, meta, ctx, openLine, keys);
            ServerLine again = line.reopenWith(openLine, store.source() != Source.INDEX);
            if (again != null) {
                // Rare: opened under 2.10 as the store's oldest possible line, rebuilt, and the store's
                // line starts tombstone-only blocks elsewhere. Its blocks were reported scanned once.
                openLine = again;
                store = open(sd, meta, new StoreContext(ctx.gate(), ctx.buffers(), ctx.blockWork(), ctx.hashes(), ctx.nowNanos(),
                        StoreContext.ScanProgress.NONE, ctx.key()), openLine, keys);
            }
            events.emit(new RecoveryEvent.StreamRestored(sd.account(), sd.name(), store.messages(), store.bytes(),
                    store.source().jsonName(), System.nanoTime() - start, store.problems()));
            // Without consumers, settling asks nothing of the line.
            ServerLine consumerLine = sd.consumers().isEmpty() ? openLine : line.forConsumers();
            ConsumerLoads loads = restoreConsumers(sd, store, consumerLine, consumerRunner, events);
            List<ConsumerInfo> infos = ConsumerSettlement.settle(store, loads.loaded(), consumerLine);
            List<ConsumerOutcome> outcomes = new ArrayList<>();
            for (ConsumerInfo info : infos) {
                outcomes.add(new ConsumerOutcome.Restored(info));
            }
            outcomes.addAll(loads.failed());
            outcomes.sort(Comparator.comparing(ConsumerOutcome::name));
            report = new StreamReport(sd.account(), sd.name(), store.source() == Source.INDEX ? Outcome.RECOVERED : Outcome.REBUILT,
                    meta.config(), store.state().withConsumerCount(infos.size()), List.copyOf(outcomes), store.problems(),
                    System.nanoTime() - start, gate.waitNanos(), store.bytesRead(), store.recordsVerified(), sd.blockBytes());
        } catch (StoreException e) {
            List<Problem> problems = new ArrayList<>(store == null ? List.of() : store.problems());
            problems.add(e.problem());
            report = new StreamReport(sd.account(), sd.name(), Outcome.FAILED, meta == null ? null : meta.config(), null,
                    List.of(), List.copyOf(problems), System.nanoTime() - start, gate.waitNanos(), 0, 0, sd.blockBytes());
        } catch (InterruptedException e) {
            report = new StreamReport(sd.account(), sd.name(), Outcome.CANCELLED, meta == null ? null : meta.config(), null,
                    List.of(), store == null ? List.of() : store.problems(), System.nanoTime() - start, gate.waitNanos(),
                    0, 0, sd.blockBytes());
            // The task returns normally, so keep the cancellation visible to the runner that called
            // it: the sequential runner runs every stream on this one thread, and with the interrupt
            // swallowed here it went on to recover all the remaining streams after close().
            Thread.currentThread().interrupt();
        }
        onFinished.accept(report);
        boolean back = report.outcome() == Outcome.RECOVERED || report.outcome() == Outcome.REBUILT;
        handOver.streamFinished(report, back ? store : null);
        events.emit(new RecoveryEvent.StreamFinished(report));
        return report;
    }

    private StreamStore open(StreamDir sd, StreamMeta meta, StoreContext ctx, ServerLine line, StreamKeys keys)
            throws StoreException, InterruptedException {
        return options.verifyBlocks()
                ? StreamOpener.openVerifyingBlocks(sd, meta.config(), ctx, line, keys)
                : StreamOpener.open(sd, meta.config(), ctx, line, keys);
    }

    /**
     * The stream's keys, for its meta.inf, index.db and blocks. Without a key and without key files
     * in the discovered layout the stream is plain, and meta.key is not opened (a missing file is
     * an exception per stream): one that appeared since discovery is still refused by
     * {@link MetaFiles#readStream}, which looks for it before it parses meta.inf.
     */
    private StreamKeys streamKeys(StreamDir sd, DiskGate gate) throws StoreException, InterruptedIOException {
        if (options.key() == null && sd.encryption() instanceof Encryption.None) {
            return StreamKeys.PLAIN;
        }
        Path keyFile = sd.dir().resolve("meta.key");
        try {
            return StreamKeys.load(options.key(), sd.account(), sd.dir(), gate);
        } catch (DecryptionException e) {
            throw new StoreException(Problem.fatal(e.file(), -1, e.reason()), e);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (java.nio.channels.ClosedByInterruptException e) {
            InterruptedIOException iie = new InterruptedIOException("interrupted while reading " + keyFile);
            iie.initCause(e);
            throw iie;
        } catch (IOException e) {
            throw new StoreException(Problem.fatal(keyFile, -1, "cannot read the stream key file: " + e.getMessage()), e);
        }
    }

    private static InterruptedException cancellation(InterruptedIOException e) {
        Thread.interrupted();
        InterruptedException ie = new InterruptedException("cancelled while reading meta files");
        ie.initCause(e);
        return ie;
    }

    /** A stream's consumers after loading: those to settle, and those that failed. */
    private record ConsumerLoads(List<RestoredConsumer> loaded, List<ConsumerOutcome.Failed> failed) {
    }

    private ConsumerLoads restoreConsumers(StreamDir sd, StreamStore store, ServerLine line, TaskRunner runner,
                                           EventPump events)
            throws InterruptedException {
        List<String> names = sd.consumers();
        events.emit(new RecoveryEvent.ConsumersStarting(sd.account(), sd.name(), names.size()));
        if (names.isEmpty()) {
            return new ConsumerLoads(List.of(), List.of());
        }
        List<TaskRunner.NamedTask<RestoredConsumer>> tasks = new ArrayList<>(names.size());
        for (String c : names) {
            tasks.add(new TaskRunner.NamedTask<>(sd.account() + " > " + sd.name() + " > " + c,
                    () -> ConsumerLoader.load(store, c, line)));
        }
        List<TaskRunner.Result<RestoredConsumer>> results = runner.runAll(tasks, null);
        List<RestoredConsumer> loaded = new ArrayList<>();
        List<ConsumerOutcome.Failed> failed = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String c = names.get(i);
            switch (results.get(i)) {
                case TaskRunner.Result.Done<RestoredConsumer> d -> {
                    events.emit(new RecoveryEvent.ConsumerRestored(sd.account(), sd.name(), c));
                    loaded.add(d.value());
                }
                case TaskRunner.Result.Failed<RestoredConsumer> f -> {
                    Problem p = f.error() instanceof StoreException se ? se.problem()
                            : Problem.fatal(sd.dir().resolve("obs").resolve(c), -1, "unexpected error: " + f.error());
                    events.emit(new RecoveryEvent.ConsumerFailed(sd.account(), sd.name(), c, p));
                    failed.add(new ConsumerOutcome.Failed(c, p));
                }
                case TaskRunner.Result.Cancelled<RestoredConsumer> x -> throw new InterruptedException("consumer restore cancelled");
            }
        }
        return new ConsumerLoads(loaded, failed);
    }

    @Override
    public void close() {
        closed = true;
        Thread t = owner;
        if (t != null && t != Thread.currentThread() && tasksStarting) {
            t.interrupt();
        }
    }
}
