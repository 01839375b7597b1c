package io.jetstart.runtime;

import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.CompressionEnvelope;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.BlockCache;
import io.jetstart.core.store.BlockSource;
import io.jetstart.core.store.BlockWork;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamMutator;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamStore;
import io.jetstart.core.store.SubjectRules;
import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.recovery.StreamReport;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * An open store: returned by {@link JetStart#open} at once, while recovery runs behind it on its
 * own thread; each stream is served (its writer ready) on its recovery thread as soon as that
 * stream is back. Holds the store's exclusive lock until {@link #close}.
 */
public final class JetStartStore implements AutoCloseable {
    public static final String DEFAULT_ACCOUNT = "$G";
    /** Bytes of blocks kept for readers, across all streams of the store. */
    static final long BLOCK_CACHE_BYTES = 64L << 20;
    /** A last block up to this size is read at hand-over into an array of its own, not a pooled buffer ({@link #openTail}). */
    static final long SMALL_TAIL_BYTES = 256L << 10;

    /** The logger of the recovery's lines and the writers' ({@code WriterLoop}): one place to grep. */
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("jetstart");
    /** A null config named the field deep inside that it failed on; the caller is told what to pass. */
    private static final String STREAM_CONFIG_REQUIRED = "config is required: StreamConfig.builder(name)...build()";

    private final Path storeDir;
    private final RuntimeOptions options;
    private final StoreLock lock;
    private final Map<String, CompletableFuture<JetStartStream>> streams = new ConcurrentHashMap<>();
    private final CompletableFuture<RecoveryReport> recovered = new CompletableFuture<>();
    private final CompletableFuture<Void> discovered = new CompletableFuture<>();
    private final List<Problem> problems = new CopyOnWriteArrayList<>();
    private final ReentrantLock admin = new ReentrantLock();
    /** Recovered streams whose subjects overlap another's: their publishes are refused ({@link OverlapGuard}). */
    private final StreamOverlaps overlaps = new StreamOverlaps(new Restorable());
    /** Held for the whole of {@link #close}: a second close returns once the first has finished. */
    private final ReentrantLock closing = new ReentrantLock();
    private final CountingDiskGate gate;
    private final BlockBuffers buffers;
    private final RecordHashSource hashes;
    private final BlockCache cache;
    private final StoreContext ctx;
    /**
     * The {@code index.db} version of a stream that has none of its own ({@link IndexVersions#ofStore}),
     * as the store was at open: made on the warm-up's thread after its work, or by the first caller
     * that needs it first. Not on the open's way: it reads a stream's {@code index.db} header
     * (0.45 ms in a warm JVM, a few in a fresh one) and a stream with its own needs none. Nothing
     * changes the answer before it is made: a served stream writes its index.db in its own version
     * or in this one (made first), and a stream is deleted only after it is made.
     */
    private final java.util.concurrent.FutureTask<Integer> storeIndexVersion;
    private final StoreRecovery recovery;
    private final Thread recoveryThread;
    /**
     * The record checksum choice, made on its own thread once a stream that may hash many records
     * starts, or the first stream is served (see {@link HashChoice}).
     */
    private final HashChoice hashChoice = new HashChoice();
    /** The serve path's classes, loaded on the second core from open (see {@link ServePathWarmUp}). */
    private final ServePathWarmUp warmUp;
    private final ConsumerHousekeeper housekeeper;
    private final ConsumerCounters consumerTotals = new ConsumerCounters(null);
    private final List<CommitListener> commitListeners = new CopyOnWriteArrayList<>();
    /**
     * Held to add a commit listener and to set {@link #closed}: a listener is either added before
     * close looks at the list (and hears {@link CommitListener#storeClosing}) or refused. In memory only.
     */
    private final ReentrantLock listening = new ReentrantLock();
    private final List<StreamListener> streamListeners = new CopyOnWriteArrayList<>();
    /**
     * Whether this thread is calling one of the store's listeners (stream or commit): resumeStream,
     * deleteStream and close wait for the threads that call them (the recovery's, a stream's
     * writer), so there they would wait for themselves for ever; they are refused instead.
     */
    private final ThreadLocal<Boolean> inListener = new ThreadLocal<>();
    /** Keys of the streams listeners have been told of: real streams only, never a name someone merely asked for. */
    private final java.util.Set<String> known = ConcurrentHashMap.newKeySet();
    /**
     * The streams whose last {@link #resumeStream} failed (FAILED now, with why), each with the write
     * error that stopped it: a later resume may try again, unlike a stream the open's recovery
     * failed. Changed under {@link #admin}.
     */
    private final Map<String, String> resumeFailed = new ConcurrentHashMap<>();
    /**
     * Keys of the streams a {@link #resumeStream} is recovering: their incomplete future is the
     * resume's, not a name nobody has (see {@link #stream}). Added before that future is put, removed
     * once it is complete.
     */
    private final java.util.Set<String> resuming = ConcurrentHashMap.newKeySet();
    private volatile boolean recoveryDone;
    private volatile java.util.function.Consumer<JetStartStream> beforeConsumerRestore;
    /** Test seam ({@link #afterHandOverStep}); null in service. */
    private volatile Runnable afterHandOverStep;
    private volatile boolean closed;
    /**
     * {@link #close} ran to its end (lock released). Apart from {@link #closed}: a close that was
     * interrupted leaves this false, so the next close finishes its job.
     */
    private volatile boolean closeDone;

    JetStartStore(Path storeDir, RuntimeOptions options) throws IOException {
        if (!Files.isDirectory(storeDir)) {
            // A missing directory is not made: a mistyped path would otherwise become a new, empty store.
            throw new IOException(storeDir + (Files.exists(storeDir) ? " is not a directory"
                    : " does not exist (JetStart.open creates a store only in an existing directory: create it first)"));
        }
        this.storeDir = storeDir;
        this.options = options;
        this.lock = options.lockFile() ? StoreLock.acquire(storeDir) : null;
        try {
            createLayoutIfNew(storeDir);
        } catch (IOException e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
        this.storeIndexVersion = new java.util.concurrent.FutureTask<>(new StoreIndexVersion(options, storeDir));
        // The serve path's classes load beside the store-wide start (started in start()).
        this.warmUp = new ServePathWarmUp(storeIndexVersion);
        // Everything streams share is built before recovery forks its first task (nats-server #7503).
        this.gate = new CountingDiskGate(options.recovery().dios());
        this.buffers = new BlockBuffers(Math.max(2, options.recovery().workers()));
        this.hashes = hashChoice.source();
        this.cache = new BlockCache(BLOCK_CACHE_BYTES, gate, buffers);
        this.ctx = new StoreContext(gate, buffers, BlockWork.sequential(), hashes,
                WallClock.INSTANCE, StoreContext.ScanProgress.NONE).withKey(options.key());
        this.recovery = new StoreRecovery(storeDir, options.recovery().withListener(options.recovery().listener()
                .andThen(new StartListener())), new HandOver());
        this.recoveryThread = Thread.ofPlatform().name("jetstart-recovery").daemon().unstarted(new Recover());
        this.housekeeper = new ConsumerHousekeeper(new Served());
        // A committed publish wakes the fetches waiting on that stream's consumers.
        commitListeners.add(new WakeFetches());
    }

    // The classes below stand for lambdas and method references: each is made once per open, on the
    // first stream's way, where a lambda is spun at run time in a fresh JVM (the package note, package-info).

    /** The store's index.db version when a stream has none of its own (made on first use). */
    private static final class StoreIndexVersion implements java.util.concurrent.Callable<Integer> {
        private final RuntimeOptions options;
        private final Path storeDir;

        StoreIndexVersion(RuntimeOptions options, Path storeDir) {
            this.options = options;
            this.storeDir = storeDir;
        }

        @Override
        public Integer call() throws IOException {
            return options.indexVersion() != 0 ? options.indexVersion() : IndexVersions.ofStore(storeDir);
        }
    }

    /** The wall clock a stream's opening reads ({@link WriterLoop#wallNanos}). */
    private static final class WallClock implements java.util.function.LongSupplier {
        static final WallClock INSTANCE = new WallClock();

        @Override
        public long getAsLong() {
            return WriterLoop.wallNanos();
        }
    }

    /** A new, incomplete future for a stream's key (the {@link #streams} map's computeIfAbsent). */
    private static final class NewFuture implements java.util.function.Function<String, CompletableFuture<JetStartStream>> {
        static final NewFuture INSTANCE = new NewFuture();

        @Override
        public CompletableFuture<JetStartStream> apply(String key) {
            return new CompletableFuture<>();
        }
    }

    /** A handle's way to the stream's future now, after a resume replaced the one it was made with ({@link StreamHandle}). */
    private final class Current implements java.util.function.UnaryOperator<CompletableFuture<JetStartStream>> {
        private final String key;

        Current(String key) {
            this.key = key;
        }

        @Override
        public CompletableFuture<JetStartStream> apply(CompletableFuture<JetStartStream> replaced) {
            // Gone (deleted since): the handle keeps what it had, whose calls name the resume.
            return streams.getOrDefault(key, replaced);
        }
    }

    /** Hears the recovery's start and each stream's start (per-stream readiness). */
    private final class StartListener implements io.jetstart.recovery.RecoveryListener {
        @Override
        public void onEvent(RecoveryEvent e) {
            if (e instanceof RecoveryEvent.RecoveryStarted) {
                discovered.complete(null);
            } else if (e instanceof RecoveryEvent.StreamStarted st && !recoveryDone) {
                if (st.blockBytes() >= HashChoice.SCALAR_BELOW_BYTES) {
                    hashChoice.start();
                }
                // Known as recovering from the moment its recovery starts (per-stream readiness).
                streams.computeIfAbsent(key(st.account(), st.stream()), NewFuture.INSTANCE);
                tellKnown(st.account(), st.stream());
            }
        }
    }

    /** Serves each stream as soon as its recovery hands it over ({@link #handOver}). */
    private final class HandOver implements io.jetstart.recovery.StreamHandOver {
        @Override
        public void streamFinished(StreamReport report, StreamStore store) {
            handOver(report, store);
        }

        @Override
        public boolean toWriter() {
            return true;
        }
    }

    /** The recovery thread's body ({@link #recover}). */
    private final class Recover implements Runnable {
        @Override
        public void run() {
            recover();
        }
    }

    /** The served streams, for the consumers' housekeeper ({@link #served}). */
    private final class Served implements java.util.function.Supplier<Iterable<JetStartStream>> {
        @Override
        public Iterable<JetStartStream> get() {
            return served();
        }
    }

    /** A committed publish wakes the fetches waiting on that stream's consumers. */
    private final class WakeFetches implements CommitListener {
        @Override
        public void batchCommitted(CommitListener.CommittedBatch batch) {
            CompletableFuture<JetStartStream> f = streams.get(key(batch.account(), batch.stream()));
            if (f != null && f.isDone() && !f.isCompletedExceptionally()) {
                f.join().consumers().signalAll();
            }
        }
    }

    /**
     * A new store gets nats-server's layout for its default account ({@code jetstream/$G/streams}),
     * as the server creates it when JetStream starts; an existing one is left as it is.
     */
    private static void createLayoutIfNew(Path storeDir) throws IOException {
        if (Files.isDirectory(storeDir.resolve("jetstream"))) {
            return;
        }
        try (Stream<Path> children = Files.list(storeDir)) {
            if (children.anyMatch(c -> Files.isDirectory(c.resolve("streams")))) {
                return;
            }
        }
        Files.createDirectories(storeDir.resolve("jetstream").resolve(DEFAULT_ACCOUNT).resolve("streams"));
    }

    void start() {
        // The recovery thread first: a platform thread's start waits until the new thread runs, and
        // with the warm-up already running beside the opening thread on the 2-core machine that
        // wait took 1-2 ms of a warm open (docs/benchmarks-passes.md, "Per-stream readiness", fourth pass).
        recoveryThread.start();
        // The recovery's event reporter: its start is this thread's wait now, not the recovery
        // thread's at discovery's end on the first stream's way (StoreRecovery.startEventReporter).
        recovery.startEventReporter();
        warmUp.start();
        housekeeper.start();
    }

    private void recover() {
        try {
            RecoveryReport report = recovery.run();
            // Every buffer grew to the largest block the recovery read; the reads after it (the
            // block cache's misses, a tail read back) need one at a time. Before the report is
            // out: whoever waits for it finds the memory back.
            buffers.trim(1);
            recovered.complete(report);
        } catch (Throwable t) {
            buffers.trim(1);
            recovered.completeExceptionally(t);
        } finally {
            if (!closed) {
                // A store whose streams are all small (or failed) still gets the choice, for what is
                // written later; a close() does not start it only to wait for it.
                hashChoice.start();
            }
            recoveryDone = true;
            discovered.complete(null);
            for (CompletableFuture<JetStartStream> f : streams.values()) {
                f.completeExceptionally(JetStreamApiException.streamNotFound());
            }
        }
    }

    private static String key(String account, String name) {
        return account + "\u0000" + name;
    }

    /** Called on a stream's recovery thread when it is back (store non-null) or has failed. */
    private void handOver(StreamReport report, StreamStore store) {
        try {
            serveOrFail(report, store);
        } finally {
            // The first stream is served (or failed): the checksum choice no longer competes with
            // its start. Not on close(), which would only wait for it.
            if (!closed) {
                hashChoice.start();
            }
        }
    }

    private void serveOrFail(StreamReport report, StreamStore store) {
        CompletableFuture<JetStartStream> f = streams.computeIfAbsent(key(report.account(), report.name()), NewFuture.INSTANCE);
        tellKnown(report.account(), report.name());
        if (store == null) {
            String why = report.problems().isEmpty() ? report.outcome().toString()
                    : report.problems().get(report.problems().size() - 1).describe();
            f.completeExceptionally(new StreamUnavailableException(report.account() + " > " + report.name() + " did not recover ("
                    + report.outcome() + "): " + why));
            return;
        }
        if (closed) {
            f.completeExceptionally(new StreamUnavailableException("store closed"));
            return;
        }
        try {
            JetStartStream served = serve(store, report);
            if (!f.complete(served)) {
                // Failed meanwhile (a name nobody had, as far as stream() could tell): nobody can
                // reach this stream to stop it, so it is stopped here rather than left running.
                stopAfterFailedHandOver(served);
                return;
            }
            // Its restored consumers' timers (pending messages are checked 1 s after the open).
            served.consumerChanged();
            // After the handle: await() returns without waiting for the thread's start, and a
            // publish before this line starts it itself (WriterLoop.prepare).
            startWriter(served);
        } catch (Exception e) {
            f.completeExceptionally(new StreamUnavailableException(report.account() + " > " + report.name()
                    + " recovered but cannot be served: " + whyNotServed(e)));
        } catch (Error e) {
            // An OutOfMemoryError on a small heap (a writer's tail block, the consumers' state) passed
            // by: the future stayed open until recovery's end failed it with "stream not found"
            // (10059), a stream that exists and recovered. Named here; the error goes on to the task.
            f.completeExceptionally(new StreamUnavailableException(report.account() + " > " + report.name()
                    + " recovered but cannot be served: " + e));
            throw e;
        }
    }

    /**
     * Why a recovered stream's hand-over failed, never "null": an interrupt (the recovery's deadline
     * or a close reaching the stream's task after its recovery) says so, and is kept for the task.
     */
    private static String whyNotServed(Exception e) {
        if (e instanceof InterruptedException || e instanceof ClosedByInterruptException) {
            Thread.currentThread().interrupt();
            return "interrupted during its hand-over (the recovery's deadline passed or the store is closing)";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * Takes the recovered stream over: read-only when the runtime cannot write its config, else its
     * writer is made ready; its thread starts after the handle completes ({@link #startWriter}).
     */
    private JetStartStream serve(StreamStore store, StreamReport report) throws IOException, StoreException, InterruptedException {
        List<io.jetstart.core.store.ConsumerInfo> restored = new ArrayList<>();
        Map<String, String> unrestored = new HashMap<>();
        // instanceof, not a pattern switch: a switch spins a class at its first run, on the first stream's way.
        for (io.jetstart.recovery.ConsumerOutcome o : report.consumers()) {
            if (o instanceof io.jetstart.recovery.ConsumerOutcome.Restored r) {
                restored.add(r.info());
            } else if (o instanceof io.jetstart.recovery.ConsumerOutcome.Failed f && !f.unmade()) {
                // An unmade one (a create a kill cut short) is no consumer, as for nats-server: it
                // holds nothing, and a create of its name makes it anew.
                unrestored.put(f.name(), f.cause().describe());
            }
        }
        JetStartStream s = serve(store, true, StreamDefinitions.stoppedByConsumer(restored));
        try {
            java.util.function.Consumer<JetStartStream> hook = beforeConsumerRestore;
            if (hook != null) {
                hook.accept(s);
            }
            s.consumers().restore(restored, unrestored, s.readOnlyReason().orElse(null));
        } catch (RuntimeException | InterruptedException | Error e) {
            // NOTE: the writer was made ready above (a submit may have started its thread); the
            // stream's future fails, so neither a caller nor close() will ever stop it: stopped here
            // (its stop starts the thread if nothing did), or its thread leaked. Only this stream fails.
            stopAfterFailedHandOver(s);
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("its consumers could not be restored (" + e + ")", e);
        }
        return s;
    }

    /** Starts the thread of a served stream's writer ({@link #serve(StreamStore, boolean)} only prepares it); none when read-only. */
    private static void startWriter(JetStartStream s) {
        if (s.writer() != null) {
            s.writer().startThread();
        }
    }

    /** Stops the writer of a stream whose hand-over failed after it started; keeps an interrupt for the caller. */
    private static void stopAfterFailedHandOver(JetStartStream s) {
        // Cleared for the join (a stop of an interrupted thread would return at once); set again after.
        boolean interrupted = Thread.interrupted();
        try {
            s.stop();
        } catch (InterruptedException again) {
            // The Stop is queued: the writer ends on its own.
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link #storeIndexVersion}, made here when the warm-up has not made it yet. */
    private int storeIndexVersion() throws InterruptedException, IOException {
        storeIndexVersion.run();
        try {
            return storeIndexVersion.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("cannot tell the store's index.db version: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Test seam: {@code hook} runs on the opening thread after each {@code index.db} written and each
     * block's files removed while a writer makes the open's removals last ({@link
     * WriterLoop#tombstoneStartUpRemovals}): a kill -9 there leaves the files as they then are.
     */
    void afterHandOverStep(Runnable hook) {
        afterHandOverStep = hook;
    }

    /** Test seam: {@code hook} sees each served stream once its writer is ready, before its consumers are restored. */
    void beforeConsumerRestore(java.util.function.Consumer<JetStartStream> hook) {
        beforeConsumerRestore = hook;
    }

    private JetStartStream serve(StreamStore store, boolean recovered) throws IOException, StoreException, InterruptedException {
        return serve(store, recovered, null);
    }

    /** As {@link #serve(StreamStore, boolean)}; read-only for {@code consumerReason} too when not null. */
    private JetStartStream serve(StreamStore store, boolean recovered, String consumerReason)
            throws IOException, StoreException, InterruptedException {
        String name = store.name();
        StreamMutator state = store.handOver(ctx);
        BlockSource blocks = cache.source(store);
        // Acks and deletes find their record in the blocks the readers cached, not by a walk.
        state.findRecordsThrough(blocks);
        StreamReads reader = new StreamReads(new MessageReader(name, hashes, blocks));
        // A recovered config came from disk, so it is also checked as nats-server checks it at start:
        // one the server would not restore takes no publish that the server would then not load.
        String readOnly = (recovered ? StreamDefinitions.readOnlyReason(store.config(), name)
                : StreamDefinitions.readOnlyReason(store.config())).orElse(consumerReason);
        if (readOnly != null) {
            // No writer: what recovery kept of the open's removals for one is let go, not held for
            // the stream's life (nothing is written to a read-only stream).
            state.takeStartUpRemovals();
            return new JetStartStream(store.account(), name, store.config(), null, state.view(i -> -1), readOnly, reader, store.dir(), consumerTotals,
                    store.keys(), housekeeper);
        }
        // Looked at first: on an existing directory createDirectories fails its mkdir and builds an
        // exception inside the JDK, at every stream's hand-over.
        if (!Files.isDirectory(state.msgsDir())) {
            Files.createDirectories(state.msgsDir());
        }
        TailBlock tail = openTail(store, state);
        int own = IndexVersions.of(store.dir());
        int version = options.indexVersion() != 0 ? options.indexVersion() : own != 0 ? own : storeIndexVersion();
        // NOTE: a listener that throws despite its contract is skipped, not let through: out of the
        // writer's loop it ended the writer's thread, leaving that batch's acks and every later op
        // waiting for ever (a close joined the dead thread and returned, they stayed incomplete).
        WriterLoop w = new WriterLoop(name, store.dir(), state, options, version, tail, hashChoice, new CommitListener() {
            @Override
            public void batchCommitted(CommittedBatch batch) {
                boolean outer = enterListeners();
                try {
                    for (CommitListener l : commitListeners) {
                        try {
                            l.batchCommitted(batch);
                        } catch (RuntimeException ignored) {
                            // See the note above: the writer and the other listeners go on.
                        }
                    }
                } finally {
                    leaveListeners(outer);
                }
            }

            @Override
            public void synced(SyncPoint point) {
                boolean outer = enterListeners();
                try {
                    for (CommitListener l : commitListeners) {
                        try {
                            l.synced(point);
                        } catch (RuntimeException ignored) {
                            // See the note above.
                        }
                    }
                } finally {
                    leaveListeners(outer);
                }
            }
        });
        if (recovered) {
            w.guardOverlaps(new OverlapGuard(store.account(), name, overlaps));
        }
        w.rebuildDedupe(WriterLoop.wallNanos());
        w.tombstoneStartUpRemovals(state.takeStartUpRemovals(), afterHandOverStep);
        w.prepare();
        // Reads on a view whose block the writer removed meanwhile are done again on its newest view.
        StreamReads writable = new StreamReads(new MessageReader(name, hashes, blocks), w.newestView());
        return new JetStartStream(store.account(), name, store.config(), w, null, null, writable, store.dir(), consumerTotals, store.keys(),
                housekeeper);
    }

    /**
     * The block new records go to. Never one whose tail is torn or damaged (the server would cut
     * everything after the damage, new records included) and never a compressed one: those stay as
     * they are and a new block follows. A last sequence that no block holds any more (a lost tail,
     * kept from index.db) gets its tombstone first, as nats-server writes it, so it is never reused.
     */
    private TailBlock openTail(StreamStore store, StreamMutator state) throws IOException, InterruptedException, StoreException {
        String name = store.name();
        StreamSealing sealing = new StreamSealing(store.keys(), hashChoice);
        long last = state.lastBlockIndex();
        Path file = state.lastBlockFile();
        if (last == 0) {
            long first = TailBlock.nextIndex(state.msgsDir(), 0);
            state.startBlock(first);
            return sealing.newBlock(state.msgsDir(), name, first);
        }
        if (file == null) {
            long next = TailBlock.nextIndex(state.msgsDir(), last - 1);
            state.startBlock(next);
            TailBlock t = sealing.newBlock(state.msgsDir(), name, next);
            t.appendTombstone(state.lastSeq(), state.lastTs());
            return t;
        }
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        try {
            int len;
            byte[] buf = null;
            try {
                // A small tail (a small stream's) is read into an array of its own size: a pooled
                // buffer is at least 1 MiB, a new array on the store's first lease, and filled
                // through a memory mapping, both meant for 8 MiB blocks (docs/benchmarks-passes.md,
                // "Per-stream readiness", eighth pass).
                long size = gate.run(io.jetstart.core.io.FileChecks.size(file));
                if (size <= SMALL_TAIL_BYTES) {
                    buf = BlockFiles.readSmallFile(file, BlockBuffers.MAX_BLOCK_BYTES, gate);
                    len = buf.length;
                } else {
                    len = BlockFiles.readRaw(file, buffers, lease, gate);
                    buf = lease[0].array();
                }
            } catch (java.nio.file.NoSuchFileException e) {
                len = -1;
            }
            if (len < 0) {
                problems.add(Problem.warning(file, "last block is missing; new records go to block " + (last + 1)));
                return startAfter(state, sealing, name, last);
            }
            // Read as stored: an encrypted block is decrypted whole, as the server loads a block,
            // before its envelope and records are looked at.
            java.util.Optional<io.jetstart.core.crypto.BlockKeystream> keystream = state.blockKeystream(last);
            if (keystream.isPresent()) {
                keystream.get().xor(buf, 0, len, 0);
            }
            boolean compressed;
            try {
                compressed = CompressionEnvelope.originalSize(buf, len).isPresent();
            } catch (FormatException e) {
                compressed = true;
            }
            if (compressed) {
                problems.add(Problem.warning(file, "last block is compressed; new records go to block " + (last + 1)));
                return startAfter(state, sealing, name, last);
            }
            BlockScan scan = new BlockScanner(name, hashChoice.forCheckOf(len)).scan(last, buf, len);
            if (!scan.complete()) {
                problems.add(Problem.damage(file, scan.problem().offset(), "last block ends in damage (" + scan.problem().reason()
                        + "); left as it is, new records go to block " + TailBlock.nextIndex(state.msgsDir(), last)));
                state.lastBlockEndsInDamage();
                return startAfterDamage(state, sealing, name, file, last, buf, len, scan);
            }
            if (sealing.encrypted() != keystream.isPresent()) {
                // A plain block in an encrypted stream (or the reverse): appended to as it is, the
                // server would read half of it wrong. Leave it, start a block of the stream's kind.
                problems.add(Problem.warning(file, "last block is " + (keystream.isPresent() ? "" : "not ")
                        + "encrypted unlike its stream; new records go to block " + TailBlock.nextIndex(state.msgsDir(), last)));
                return startAfter(state, sealing, name, last);
            }
            if (gate.run(io.jetstart.core.io.FileChecks.exists(state.msgsDir().resolve(last + ".idx")))) {
                // nats-server 2.9 left the records an interest or work-queue stream removed in place
                // and kept their deletes in the block's .idx alone, which is used only while its
                // checksum is the block's last: an append makes it stale, and a rebuild without
                // index.db then brought every such message back (HostileStoreRuntimeTest).
                problems.add(Problem.warning(file, "last block has a nats-server 2.9 index (" + last
                        + ".idx) that an append would make stale; new records go to block " + TailBlock.nextIndex(state.msgsDir(), last)));
                return startAfterLegacyTail(state, sealing, name, file, last, scan);
            }
            TailBlock adopted = TailBlock.adopt(file, name, last, buf, len, keystream.orElse(null), hashChoice);
            state.appendingToLastBlock();
            return adopted;
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
    }

    /**
     * The new block after a last block that ends in damage. Its first sequence is above every one the
     * damaged block still holds: the state's last, or a higher one of a verified record past the
     * damage ({@link SequencesPastDamage}). When a rebuild without {@code index.db} would find a lower
     * last (it stops at the damage), a tombstone of that last is the new block's first record, as for
     * a lost tail: HostileStoreRuntimeTest found sequences reused, on a 2.9 store (its {@code .idx}
     * keeps no last a rebuild takes) and on a 2.10 one whose {@code index.db} the writer removes while
     * a block before the last ends in damage (the next open rebuilt to the damage and reused them).
     * No tombstone when the rebuild finds the last itself, or when the last is a live message: it
     * would delete that message.
     */
    private TailBlock startAfterDamage(StreamMutator state, StreamSealing sealing, String name, Path file, long last, byte[] buf, int len,
                                       BlockScan scan) throws IOException, InterruptedException {
        long records = SequencesPastDamage.highest(name, last, buf, len, scan, hashChoice.forCheckOf(len));
        long past = Math.max(records, SequencesPastDamage.fromLegacyIndex(state.msgsDir().resolve(last + ".idx"), scan, gate));
        List<StreamMutator.BlockSpan> spans = state.blocks();
        long before = spans.size() >= 2 ? spans.get(spans.size() - 2).lastSeq() : 0;
        long rebuilt = Math.max(before, scan.lastSeq());
        if (records > 0) {
            // Whole messages past the damage: the block must outlive the removal of those it counts.
            state.lastBlockHoldsRecordsPastDamage();
        }
        TailBlock t = startAfter(state, sealing, name, last);
        if (past > state.lastSeq()) {
            problems.add(Problem.warning(file, "sequence " + past
                    + " found past the damage of block " + last + " (its records or its .idx) is beyond the last sequence " + state.lastSeq()
                    + "; kept (a tombstone of it starts the new block)"));
            state.keepLastSeqPastDamage(past);
        }
        // Not over a live last: a 2.9 block with a bad record read through its .idx counts its last
        // message past the damage, a rebuild reads it through the .idx again, and the tombstone
        // deleted it at the next open (DamagedLegacyBlockServedTest).
        if (state.lastSeq() > rebuilt && !state.isLive(state.lastSeq())) {
            t.appendTombstone(state.lastSeq(), state.lastTs());
        }
        return t;
    }

    /**
     * The new block after a last block that has a 2.9 {@code .idx}. Its first sequence is above the
     * {@code .idx}'s last too: a block cut at a record boundary (its tail lost, nothing damaged) no
     * longer matches its {@code .idx} and rebuilds to a lower last, and the next publish reused a
     * sequence the store had used (HostileStoreRuntimeTest, seed 32: 2.9.10's INT1 cut after 691 of
     * 1,000; nats-server 2.9.10 rebuilds such a block and would reuse them). A tombstone of that last
     * starts the new block, as after damage.
     */
    private TailBlock startAfterLegacyTail(StreamMutator state, StreamSealing sealing, String name, Path file, long last,
                                           BlockScan scan) throws IOException, InterruptedException {
        long past = SequencesPastDamage.fromLegacyIndex(state.msgsDir().resolve(last + ".idx"), scan, gate);
        TailBlock t = startAfter(state, sealing, name, last);
        if (past > state.lastSeq()) {
            problems.add(Problem.warning(file, "sequence " + past + " named by " + last + ".idx is beyond the last sequence "
                    + state.lastSeq() + " of block " + last + "'s records (its tail was lost); kept (a tombstone of it starts the new block)"));
            state.keepLastSeqPastDamage(past);
            t.appendTombstone(state.lastSeq(), state.lastTs());
        }
        return t;
    }

    private static TailBlock startAfter(StreamMutator state, StreamSealing sealing, String name, long last) throws IOException {
        long next = TailBlock.nextIndex(state.msgsDir(), last);
        state.startBlock(next);
        return sealing.newBlock(state.msgsDir(), name, next);
    }

    /** A handle on a stream of account {@code $G}. */
    public StreamHandle stream(String name) {
        return stream(DEFAULT_ACCOUNT, name);
    }

    /**
     * A handle on a stream, whether it is still recovering, served, failed or absent.
     *
     * @throws IllegalArgumentException for an account name no store can hold ({@link JetStart#checkAccount}):
     *                                  an empty one was answered 10059 {@code stream not found}, which
     *                                  sent the user looking for a stream rather than at the account
     */
    public StreamHandle stream(String account, String name) {
        StreamNames.checkAccount(account);
        CompletableFuture<JetStartStream> f = streams.computeIfAbsent(key(account, name), NewFuture.INSTANCE);
        // NOTE: recover() sets recoveryDone and then fails every future still open; this thread puts
        // its future and then reads recoveryDone. Either that loop sees the future or this thread
        // sees recoveryDone, so an await never waits for a recovery that has ended (close() cancels
        // the recovery and joins it, which runs that loop too). A resume's future is put after its
        // key is in resuming, and completed before it leaves: failed here, its stream's writer ran
        // with no future to reach it by.
        if (recoveryDone && !f.isDone() && !resuming.contains(key(account, name))) {
            f.completeExceptionally(JetStreamApiException.streamNotFound());
        }
        return new StreamHandle(account, name, f, new Current(key(account, name)));
    }

    /** Completes with the recovery report once every stream has been recovered or has failed. */
    public CompletableFuture<RecoveryReport> recovery() {
        return recovered.copy();
    }

    /** What the runtime found while taking streams over (damaged or compressed last blocks). */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /**
     * Creates a stream from a config with nats-server's field names, writing its {@code meta.inf}
     * and {@code meta.sum} atomically; returns the existing stream when one with the same config is
     * there, and refuses a different one with the server's error.
     */
    public JetStartStream createStream(String account, StreamConfig config) throws IOException, InterruptedException {
        java.util.Objects.requireNonNull(config, STREAM_CONFIG_REQUIRED);
        StreamNames.checkAccount(account);
        StreamNames.check(config.name());
        StreamDefinitions.readOnlyReason(config).ifPresent(r -> {
            throw JetStreamApiException.invalidConfig("not supported by the runtime: " + r);
        });
        awaitDiscovery();
        admin.lockInterruptibly();
        try {
            requireOpen();
            Path dir = streamDir(account, config.name());
            if (Files.exists(dir)) {
                JetStartStream existing = awaitStream(account, config.name());
                if (sameConfig(existing.config(), config)) {
                    return existing;
                }
                throw JetStreamApiException.streamNameExists();
            }
            byte[] meta = StreamDefinitions.metaInf(config, WriterLoop.wallNanos());
            StreamConfig written = StreamDefinitions.parse(meta);
            requireNoOverlap(account, written);
            CompletableFuture<JetStartStream> f = new CompletableFuture<>();
            boolean made = false;
            try {
                Files.createDirectories(dir.resolve("msgs"));
                writeNewStreamMeta(account, dir, config.name(), meta);
                StreamStore store = StreamOpener.open(account, config.name(), dir, written, ctx);
                JetStartStream created = serve(store, false);
                startWriter(created);
                f.complete(created);
                made = true;
                overlaps.changed();
            } catch (StoreException e) {
                throw new IOException(e.getMessage(), e);
            } finally {
                if (!made) {
                    // NOTE: a create that failed half-way (a full disk at meta.inf) left the stream's
                    // directory: the name then answered "stream not found" to every later create,
                    // and the next open reported a failed stream that never was. The directory did
                    // not exist before this call and the store is locked: what is in it is this call's.
                    removeUnmadeStream(dir);
                }
            }
            streams.put(key(account, config.name()), f);
            known.remove(key(account, config.name()));
            tellKnown(account, config.name());
            return f.join();
        } finally {
            admin.unlock();
        }
    }

    /** {@link #resumeStream} for a stream of account {@code $G}. */
    public JetStartStream resumeStream(String name) throws IOException, InterruptedException {
        return resumeStream(DEFAULT_ACCOUNT, name);
    }

    /**
     * Brings back, without closing the store, a stream whose writer a write error stopped (a full
     * disk: its handle says {@code READ_ONLY} with a reason that starts "writes stopped after a write
     * error"), once the cause is gone: what is left of it is stopped as a close stops it (its
     * consumers' fetches and consume loops end and their {@code o.dat} is written, its queued writes
     * fail with the old error), its directory alone is recovered as the store's open recovers it
     * (read-only, its consumers after it; a record the full disk cut short is left and new records go
     * to a new block) and handed to a new writer. Other streams are served throughout.
     *
     * <p>The store's {@link #stream} handle and {@code await} give the new stream from then on (it
     * says {@code RECOVERING} meanwhile); every call on the old object fails naming the resume
     * ({@link JetStartStream#isReplaced}). A resume that fails (the stream's files cannot be read,
     * or something its hand-over must write still does not fit) leaves the stream {@code FAILED}
     * with why, and a later call may try again (or {@link #deleteStream} removes it). Waits for the
     * store's open recovery to end if it still runs (a resume's future must not be failed by its end
     * as a name nobody has), and holds the lock creates and deletes take while it recovers the stream.
     * So it is refused (IllegalStateException) when called from a {@link StreamListener} or a
     * {@link CommitListener}: their threads (the recovery's, the stream's writer) are the ones it
     * waits for, so it waited for itself for ever there. Call it from a thread of the application's own.
     *
     * @return the stream as served now
     * @throws JetStreamApiException     10059 when the store has no such stream
     * @throws IllegalStateException     naming why, for a stream that is writable, read-only by its
     *                                   config, still recovering, or failed at open; or a closed store
     * @throws StreamUnavailableException when the stream could not be recovered or served again: its
     *                                   state is then {@code FAILED} with this reason
     * @throws IOException               when the store's folders cannot be listed
     */
    public JetStartStream resumeStream(String account, String name) throws IOException, InterruptedException {
        refuseInListener("resumeStream");
        StreamNames.checkAccount(account);
        StreamNames.check(name);
        String key = key(account, name);
        // NOTE: the open's recovery fails every future still incomplete when it ends (a name never
        // found): a resume's future must not be one of them, or its writer would run unreachable.
        // It ends soon after its last stream was served; a stopped stream was served.
        recoveryThread.join();
        admin.lockInterruptibly();
        String oldError = null;
        try {
            requireOpen();
            CompletableFuture<JetStartStream> f = streams.get(key);
            if (f == null) {
                throw JetStreamApiException.streamNotFound();
            }
            if (!f.isDone()) {
                throw new IllegalStateException("stream '" + account + " > " + name + "' is still recovering: nothing to resume");
            }
            if (f.isCompletedExceptionally()) {
                if (!resumeFailed.containsKey(key)) {
                    throw new IllegalStateException("stream '" + account + " > " + name + "' did not recover at open ("
                            + causeOf(f) + "): resumeStream brings back a stream whose writer a write error stopped; "
                            + "reopen the store once its files are mended");
                }
                oldError = resumeFailed.get(key);
            } else {
                JetStartStream old = f.join();
                IOException stopped = old.writer() == null ? null : old.writer().failure();
                if (stopped == null) {
                    throw new IllegalStateException("stream '" + account + " > " + name + "' " + (old.writer() == null
                            ? "is read-only by its config (" + old.readOnlyReason().orElse("") + "): there is no writer to resume"
                            : "is writable: no write error stopped its writer"));
                }
                oldError = stopped.getMessage();
                recovering(account, name);
                // As a close: fetches and consume loops end, the o.dat is written (a tick under way
                // first), the failed writer refuses what is queued with its error and ends.
                // NOTE: the consumers first: marked replaced, the stream's reads throw, and a delivery
                // pass under way could throw half-way through its state, which the o.dat written here
                // would then carry into the new stream. A consumer marked deleted starts no more passes.
                old.consumers().closeAll();
                old.markReplaced();
                old.stop();
            }
            if (f.isCompletedExceptionally()) {
                recovering(account, name);
            }
            Path dir = streamDir(account, name);
            // The cached copies of its blocks are the old writer's (a tail the full disk cut short among them).
            cache.evictUnder(dir);
            return resume(account, name, oldError);
        } finally {
            if (resuming.remove(key)) {
                // An interrupt before the recovery (the old writer's stop): the stream fails with why
                // rather than staying RECOVERING, and a later call may try again.
                CompletableFuture<JetStartStream> now = streams.get(key);
                if (now != null && now.completeExceptionally(new StreamUnavailableException(account + " > " + name
                        + ": its resume was interrupted before the stream was recovered; resumeStream may try again"))) {
                    resumeFailed.put(key, oldError);
                }
            }
            admin.unlock();
        }
    }

    /**
     * A new, incomplete future for the stream, told to the stream listeners (the per-stream gauges
     * follow it): seen {@code RECOVERING} from here on, a caller of {@link #stream} waits for the
     * new stream, and the housekeeper and the commit listeners no longer find the old one.
     */
    private void recovering(String account, String name) {
        resuming.add(key(account, name));
        streams.put(key(account, name), new CompletableFuture<>());
        known.remove(key(account, name));
        tellKnown(account, name);
    }

    /** Recovers the stream of {@link #resumeStream} and serves it into its (new, incomplete) future. Under {@link #admin}. */
    private JetStartStream resume(String account, String name, String oldError) throws IOException, InterruptedException {
        String key = key(account, name);
        RecoveryReport atOpen = recovered.getNow(null);
        io.jetstart.core.lines.ServerLine line = atOpen == null ? null : atOpen.serverLine().line();
        StreamReport report;
        try {
            report = StoreRecovery.recoverStream(storeDir, account, name, options.recovery(), gate, line, new HandOver());
        } catch (IOException | RuntimeException | InterruptedException | Error e) {
            // Nothing was handed over: the stream fails with why, and a later call may try again.
            streams.get(key).completeExceptionally(new StreamUnavailableException(account + " > " + name + " could not be resumed: " + e));
            resumeFailed.put(key, oldError);
            throw e;
        }
        CompletableFuture<JetStartStream> f = streams.get(key);
        if (report == null) {
            // Its directory is gone (removed behind the store's back): nothing left to serve.
            f.completeExceptionally(JetStreamApiException.streamNotFound());
            streams.remove(key, f);
            resumeFailed.remove(key);
            throw JetStreamApiException.streamNotFound();
        }
        if (f.isCompletedExceptionally() || !f.isDone()) {
            f.completeExceptionally(new StreamUnavailableException(account + " > " + name + " could not be resumed"));
            resumeFailed.put(key, oldError);
            try {
                f.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw e;
            }
        }
        resumeFailed.remove(key);
        JetStartStream s = f.join();
        LOG.info("{} > {}: writes resumed (resumeStream) after: {}; {} messages, last sequence {}", account, name, oldError, s.info().messages(),
                s.info().lastSeq());
        return s;
    }

    /** Why a completed-exceptionally future failed. */
    private static String causeOf(CompletableFuture<?> f) {
        try {
            f.join();
            return "";
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            return c.getMessage() != null ? c.getMessage() : c.toString();
        }
    }

    /**
     * The served stream of {@code account > name} now, under {@link #admin}: {@code awaited} unless a
     * {@link #resumeStream} replaced it since it was awaited (or {@code awaited} is null, a stream a
     * resume left FAILED); null when a failed resume left it so.
     */
    private JetStartStream current(String account, String name, JetStartStream awaited) {
        if (awaited != null && !awaited.isReplaced()) {
            return awaited;
        }
        CompletableFuture<JetStartStream> f = streams.get(key(account, name));
        if (f == null || !f.isDone()) {
            throw JetStreamApiException.streamNotFound();
        }
        if (f.isCompletedExceptionally() && resumeFailed.containsKey(key(account, name))) {
            return null;
        }
        if (f.isCompletedExceptionally()) {
            throw new StreamUnavailableException(account + " > " + name + ": " + causeOf(f));
        }
        return f.join();
    }

    /** What a failed {@link #createStream} made in {@code dir}, a directory that did not exist before it. */
    private static void removeUnmadeStream(Path dir) {
        UnmadeDirectory.remove(dir, MetaFiles.META_INF, MetaFiles.META_SUM, MetaFiles.META_KEY, "msgs");
    }

    /**
     * A new stream's {@code meta.inf} and {@code meta.sum}; with a key, sealed under new stream keys
     * whose {@code meta.key} is written first, as nats-server's {@code writeStreamMeta} ({@code setupAEK}).
     */
    private void writeNewStreamMeta(String account, Path dir, String name, byte[] meta) throws IOException {
        if (options.key() == null) {
            MetaFiles.writeStream(dir, name, meta);
            return;
        }
        io.jetstart.core.crypto.StreamKeys.Created keys = io.jetstart.core.crypto.StreamKeys.create(options.key(), options.cipher(),
                account, name);
        io.jetstart.core.io.AtomicFiles.write(dir.resolve(MetaFiles.META_KEY), keys.metaKey());
        MetaFiles.writeStream(dir, name, keys.keys().seal(meta));
    }

    /** Replaces a stream's config (limits, subjects, flags); the name, storage and retention cannot change. */
    public JetStartStream updateStream(String account, StreamConfig config) throws IOException, InterruptedException {
        java.util.Objects.requireNonNull(config, STREAM_CONFIG_REQUIRED);
        StreamDefinitions.readOnlyReason(config).ifPresent(r -> {
            throw JetStreamApiException.invalidConfig("not supported by the runtime: " + r);
        });
        JetStartStream s = awaitStream(account, config.name());
        StreamConfig old = s.config();
        if (!old.storage().equals(config.storage())) {
            throw new JetStreamApiException(500, 10052, "stream configuration update can not change storage type");
        }
        if (old.retention() != config.retention()) {
            throw new JetStreamApiException(500, 10052, "stream configuration update can not change retention policy");
        }
        com.fasterxml.jackson.databind.node.ObjectNode json = config.json();
        json.put("Created", old.created());
        byte[] meta = StreamDefinitions.metaInf(StreamDefinitions.parse(json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                WriterLoop.wallNanos());
        requireNoOverlap(account, StreamDefinitions.parse(meta));
        s.update(StreamDefinitions.parse(meta), meta);
        overlaps.changed();
        return s;
    }

    /** Stops the stream's writer and removes its directory (the server's stream delete). */
    public void deleteStream(String account, String name) throws IOException, InterruptedException {
        refuseInListener("deleteStream");
        StreamNames.check(name);
        JetStartStream s;
        try {
            s = awaitStream(account, name);
        } catch (StreamUnavailableException e) {
            if (!resumeFailed.containsKey(key(account, name))) {
                throw e;
            }
            // Left FAILED by a resume, which stopped what was left of it: only its files remain to go.
            s = null;
        }
        // Made before any stream is gone: it is the answer of the store as it was at open.
        storeIndexVersion();
        admin.lockInterruptibly();
        try {
            requireOpen();
            // NOTE: a resumeStream between the await above and this lock replaced the stream: the one
            // awaited is stopped already, and deleting it would leave the new one's writer running
            // with its future gone from the map (its thread never stopped).
            s = current(account, name, s);
            if (s != null) {
                s.consumers().closeAll();
                s.stop();
                s.markDeleted();
            }
            resumeFailed.remove(key(account, name));
            streams.remove(key(account, name));
            if (known.remove(key(account, name))) {
                boolean outer = enterListeners();
                try {
                    for (StreamListener l : streamListeners) {
                        l.streamRemoved(account, name);
                    }
                } finally {
                    leaveListeners(outer);
                }
            }
            Path dir = streamDir(account, name);
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            cache.evictUnder(dir);
            overlaps.changed();
        } finally {
            admin.unlock();
        }
    }

    /** The key/value bucket {@code bucket} of account {@code $G}, once its stream is served. */
    public io.jetstart.runtime.kv.KeyValue keyValue(String bucket) throws InterruptedException {
        return keyValue(DEFAULT_ACCOUNT, bucket);
    }

    /**
     * The key/value bucket {@code bucket} (stream {@code KV_<bucket>}), once its stream is served;
     * {@link JetStreamApiException} 10059 when the store has no such bucket.
     */
    public io.jetstart.runtime.kv.KeyValue keyValue(String account, String bucket) throws InterruptedException {
        return io.jetstart.runtime.kv.KeyValue.open(this, account, bucket);
    }

    /** Creates a bucket in account {@code $G} (its stream, as jnats creates it). */
    public io.jetstart.runtime.kv.KeyValue createKeyValue(io.jetstart.runtime.kv.KeyValueConfig config)
            throws IOException, InterruptedException {
        return createKeyValue(DEFAULT_ACCOUNT, config);
    }

    public io.jetstart.runtime.kv.KeyValue createKeyValue(String account, io.jetstart.runtime.kv.KeyValueConfig config)
            throws IOException, InterruptedException {
        return io.jetstart.runtime.kv.KeyValue.create(this, account, config);
    }

    /** Deletes a bucket of account {@code $G}: its stream and every file of it. */
    public void deleteKeyValue(String bucket) throws IOException, InterruptedException {
        deleteKeyValue(DEFAULT_ACCOUNT, bucket);
    }

    public void deleteKeyValue(String account, String bucket) throws IOException, InterruptedException {
        io.jetstart.runtime.kv.KeyValue.delete(this, account, bucket);
    }

    /** Deliveries, acks, naks and redeliveries of every consumer of the store, deleted ones included. */
    public ConsumerCounters consumerCounters() {
        return consumerTotals;
    }

    /**
     * Adds a listener of every committed batch of every stream (the CLI's ack lines, metrics, a KV
     * watch). Every listener added hears {@link CommitListener#storeClosing} when the store closes.
     *
     * @throws IllegalStateException "store … is closed" once {@link #close} has begun: a listener
     *                               added then would never hear it (a KV watch's thread would
     *                               outlive the close)
     */
    public void addCommitListener(CommitListener l) {
        java.util.Objects.requireNonNull(l, "listener");
        listening.lock();
        try {
            if (closed) {
                throw new IllegalStateException("store " + storeDir + " is closed");
            }
            commitListeners.add(l);
        } finally {
            listening.unlock();
        }
    }

    /** Removes a listener added with {@link #addCommitListener}; no effect when it is not there. */
    public void removeCommitListener(CommitListener l) {
        commitListeners.remove(l);
    }

    /**
     * Adds a listener of the streams this store knows; it hears at once of every stream known so
     * far (possibly twice of one that appears meanwhile: listeners must be idempotent).
     */
    public void addStreamListener(StreamListener l) {
        streamListeners.add(java.util.Objects.requireNonNull(l, "listener"));
        boolean outer = enterListeners();
        try {
            for (String k : known) {
                int cut = k.indexOf('\u0000');
                l.streamKnown(handle(k.substring(0, cut), k.substring(cut + 1)));
            }
        } finally {
            leaveListeners(outer);
        }
    }

    private void tellKnown(String account, String name) {
        if (known.add(key(account, name))) {
            StreamHandle h = handle(account, name);
            boolean outer = enterListeners();
            try {
                for (StreamListener l : streamListeners) {
                    l.streamKnown(h);
                }
            } finally {
                leaveListeners(outer);
            }
        }
    }

    /**
     * Marks this thread as calling listeners ({@link #inListener}) until {@link #leaveListeners};
     * returns whether it was not already (a listener's call inside another's keeps the mark).
     * Loops rather than a lambda per call: this is on a served stream's way, which a fresh JVM
     * must take without spinning a class (NoBootstrapsOnServePathTest).
     */
    private boolean enterListeners() {
        boolean outer = inListener.get() == null;
        inListener.set(Boolean.TRUE);
        return outer;
    }

    private void leaveListeners(boolean outer) {
        if (outer) {
            inListener.remove();
        }
    }

    /** Refuses {@code what} on a listener's call, where it would wait for its own thread ({@link #inListener}). */
    private void refuseInListener(String what) {
        if (inListener.get() != null) {
            throw new IllegalStateException(what + " was called from a StreamListener or CommitListener: it waits for the thread "
                    + "that calls them (the store's recovery, a stream's writer), which would wait for itself; call it from a "
                    + "thread of the application's own");
        }
    }

    /** A handle on a stream already in {@link #streams}. */
    private StreamHandle handle(String account, String name) {
        return new StreamHandle(account, name, streams.computeIfAbsent(key(account, name), NewFuture.INSTANCE),
                new Current(key(account, name)));
    }

    /** How many ticks the consumers' housekeeper has run, for a test. */
    long housekeeperTicks() {
        return housekeeper.ticks();
    }

    /** The streams served now (read-only ones included), in no particular order. */
    public List<JetStartStream> served() {
        List<JetStartStream> out = new ArrayList<>();
        for (CompletableFuture<JetStartStream> f : streams.values()) {
            if (f.isDone() && !f.isCompletedExceptionally()) {
                out.add(f.join());
            }
        }
        return out;
    }

    /** How many streams are recovering, ready, read-only and failed, in that order. */
    public long[] streamStates() {
        long[] n = new long[4];
        for (CompletableFuture<JetStartStream> f : streams.values()) {
            if (!f.isDone()) {
                n[0]++;
            } else if (f.isCompletedExceptionally()) {
                n[3]++;
            } else {
                n[f.join().readOnlyReason().isPresent() ? 2 : 1]++;
            }
        }
        return n;
    }

    /**
     * Called under {@link #admin}. NOTE: close() sets {@link #closed} before it takes {@code admin}
     * to collect the served streams, so a create that saw the store open under {@code admin} has
     * put its stream (writer running) before close looks, and close stops it; one that comes later
     * sees it closed. Without the check a create after close started a writer nobody stopped, in a
     * directory whose lock was already released, and a delete removed a stream's files.
     */
    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("store " + storeDir + " is closed");
        }
    }

    private JetStartStream awaitStream(String account, String name) throws InterruptedException {
        try {
            return stream(account, name).await(Duration.ofDays(365));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The account's streams as nats-server would restore them, for {@link StreamOverlaps}. */
    private final class Restorable implements StreamOverlaps.Streams {
        @Override
        public StreamOverlaps.Known restorable(String account) throws InterruptedException {
            List<CompletableFuture<JetStartStream>> recovering = new ArrayList<>();
            Map<String, StreamConfig> configs = JetStartStore.this.restorable(account, null, recovering);
            return new StreamOverlaps.Known(configs, recovering);
        }
    }

    /**
     * nats-server's {@code subjectsOverlap}: no subject may match one of {@code config}'s subjects
     * and one of another stream's of the same account (10065). The server refuses such a stream,
     * and at its next start on files that hold two it restores the first and not the other ("Error
     * recreating stream ...: subjects overlap with an existing stream"), so the runtime, whose
     * publishes name their stream and would not notice, refuses it too. A stream without subjects
     * listens on its name, as the server gives it.
     */
    private void requireNoOverlap(String account, StreamConfig config) throws InterruptedException {
        List<String> mine = StreamOverlaps.subjectsOf(config);
        for (StreamConfig theirs : restorable(account, config.name(), null).values()) {
            for (String a : mine) {
                for (String b : StreamOverlaps.subjectsOf(theirs)) {
                    if (SubjectRules.collide(a, b)) {
                        throw JetStreamApiException.subjectsOverlap();
                    }
                }
            }
        }
    }

    /**
     * The streams of {@code account} but {@code except}, by directory name (sorted), with their
     * configs, leaving out those nats-server would not restore (the runtime serves them read-only):
     * they take no subject, at the server's next start or now. One that failed is left out (its
     * config may be what failed). A stream still recovering is, with {@code recovering} given, left
     * out and its handle's future added there; without it, taken from its {@code meta.inf} as it is on
     * disk (an encrypted one is waited for: its key is read by its recovery), so a create at open
     * does not wait for big streams to be rebuilt.
     */
    private Map<String, StreamConfig> restorable(String account, String except, List<CompletableFuture<JetStartStream>> recovering)
            throws InterruptedException {
        Path streamsDir = JetStreamDir.streams(storeDir, account);
        // A plain loop, no lambdas: each spins a class in a fresh JVM, on a new stream's first create.
        List<String> names = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> list = Files.newDirectoryStream(streamsDir)) {
            for (Path p : list) {
                String n = p.getFileName().toString();
                if (!n.equals(except) && Files.isDirectory(p)) {
                    names.add(n);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list the streams of account " + account + " in " + streamsDir, e);
        }
        Map<String, StreamConfig> out = new java.util.TreeMap<>();
        for (String other : names) {
            StreamConfig theirs = null;
            CompletableFuture<JetStartStream> ready = stream(account, other).ready();
            if (!ready.isDone()) {
                if (recovering != null) {
                    recovering.add(ready);
                    continue;
                }
                theirs = configOnDisk(streamsDir.resolve(other));
            }
            if (theirs == null) {
                try {
                    theirs = ready.get().config();
                } catch (java.util.concurrent.ExecutionException e) {
                    continue;
                }
            }
            if (RestoreRefusals.reason(theirs, other) == null) {
                out.put(other, theirs);
            }
        }
        return out;
    }

    /** A plain stream's config from its {@code meta.inf}; null for an encrypted one or one that cannot be read. */
    private StreamConfig configOnDisk(Path dir) throws InterruptedException {
        if (Files.exists(dir.resolve(MetaFiles.META_KEY))) {
            return null;
        }
        try {
            return MetaFiles.readStream(dir, gate).config();
        } catch (io.jetstart.core.meta.MetaException e) {
            return null;
        } catch (java.io.InterruptedIOException e) {
            throw new InterruptedException(e.getMessage());
        }
    }

    /** Bytes the store's block buffers hold while free (for tests). */
    long bufferBytesHeld() {
        return buffers.heldBytes();
    }

    private void awaitDiscovery() throws InterruptedException {
        try {
            discovered.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private Path streamDir(String account, String name) {
        return JetStreamDir.stream(storeDir, account, name);
    }

    private static boolean sameConfig(StreamConfig a, StreamConfig b) {
        com.fasterxml.jackson.databind.node.ObjectNode x = a.json();
        com.fasterxml.jackson.databind.node.ObjectNode y = StreamDefinitions.parse(StreamDefinitions.metaInf(b, 0)).json();
        x.remove("Created");
        y.remove("Created");
        return x.equals(y);
    }

    /** Whether {@link #close} has been called. */
    public boolean isClosed() {
        return closed;
    }

    public Path storeDir() {
        return storeDir;
    }

    /**
     * Cancels a recovery still running, lets every writer finish what is queued, sync and write its
     * {@code index.db}, then releases the lock. Operations after close fail with a clear exception.
     * A close while another runs returns once that one has finished. A close that could not write
     * some consumer's {@code o.dat} (a full disk) closes everything and then throws an IOException
     * naming them: what they acknowledged since their last write will be delivered again. A close that is interrupted
     * throws InterruptedException with the store closed to new work but its lock still held (writers
     * may still run); a later close finishes the job.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        refuseInListener("close");
        closing.lockInterruptibly();
        try {
            if (closeDone) {
                // Closed, or by now: a close that returned early while another still stopped the
                // writers let its caller go on with writers running and the lock still held.
                return;
            }
            // Under listening: a listener added before this is in the list closeOnce tells; one after is refused.
            listening.lock();
            try {
                closed = true;
            } finally {
                listening.unlock();
            }
            closeOnce();
        } finally {
            closing.unlock();
        }
    }

    private void closeOnce() throws IOException, InterruptedException {
        // First, while the writers still run: a KV watch ends its thread here (a watcher's call
        // under way may still publish) instead of noticing the close up to a wait later.
        boolean outer = enterListeners();
        try {
            for (CommitListener l : commitListeners) {
                try {
                    l.storeClosing();
                } catch (RuntimeException ignored) {
                    // Like a commit listener that throws: skipped, the close goes on.
                }
            }
        } finally {
            leaveListeners(outer);
        }
        recovery.close();
        recoveryThread.join();
        warmUp.join();
        hashChoice.join();
        List<JetStartStream> served = new ArrayList<>();
        // Under admin: a createStream or deleteStream under way finishes first (see requireOpen).
        // The recovery has ended, so every future a create can wait for under admin is complete.
        admin.lock();
        try {
            for (CompletableFuture<JetStartStream> f : streams.values()) {
                if (f.isDone() && !f.isCompletedExceptionally()) {
                    served.add(f.join());
                }
            }
        } finally {
            admin.unlock();
        }
        boolean interrupted = false;
        List<String> unwritten = new ArrayList<>();
        try {
            housekeeper.stop();
            for (JetStartStream s : served) {
                unwritten.addAll(s.consumers().closeAll());
            }
            for (JetStartStream s : served) {
                s.stop();
            }
        } catch (InterruptedException e) {
            // NOTE: writers may still run: the lock stays held and the close is not done, so a
            // later close() resumes (each step above is safe to repeat: a stopped writer refuses
            // the second Stop and its join returns). Before, an interrupted close released the
            // lock and a later close returned at once, writers running.
            interrupted = true;
            throw e;
        } finally {
            if (!interrupted) {
                closeDone = true;
                // The writers and consumers have stopped: a closed store an application still
                // holds keeps nothing of the pool.
                buffers.trim(0);
                if (lock != null) {
                    lock.close();
                }
            }
        }
        if (!unwritten.isEmpty()) {
            // The store is closed all the same (a second close returns at once); the caller learns
            // that acks it was told of are not on disk and will come back as redeliveries.
            throw new IOException("store closed, but the o.dat of " + unwritten.size() + " consumer(s) could not be written: a restart "
                    + "redelivers what they acknowledged since their last write: " + String.join("; ", unwritten));
        }
    }
}
