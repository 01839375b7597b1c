package io.jetstart.runtime;

import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.BlockCache;
import io.jetstart.core.store.BlockWork;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamStore;
import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.recovery.StreamReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * An open store: returned by {@link JetStart#open} at once, while recovery runs behind it on its
 * own thread; each stream is served (its writer ready) on its recovery thread as soon as that
 * stream is back. Holds the store's exclusive lock until {@link #close}.
 *
 * <p>What it owns is the public API, the store's lifecycle (the open's threads in their measured
 * order, {@code start()}; the recovery's end; {@link #close}) and the stream admin; the parts each
 * have a class: the streams it knows and their readiness ({@code StreamRegistry}), the hand-over
 * of a stream to its writer ({@code StreamServing}, with {@code TailOpener} for the block new
 * records go to), the listeners ({@code StoreListeners}) and the account's streams a create or an
 * update may not overlap ({@code RestorableStreams}).
 */
public final class JetStartStore implements AutoCloseable {
    public static final String DEFAULT_ACCOUNT = "$G";
    /** Bytes of blocks kept for readers, across all streams of the store. */
    static final long BLOCK_CACHE_BYTES = 64L << 20;

    /** The logger of the recovery's lines and the writers' ({@code WriterLoop}): one place to grep. */
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("jetstart");
    /** A null config named the field deep inside that it failed on; the caller is told what to pass. */
    private static final String STREAM_CONFIG_REQUIRED = "config is required: StreamConfig.builder(name)...build()";

    private final Path storeDir;
    private final RuntimeOptions options;
    private final StoreLock lock;
    /** The streams it knows, each as the future of the stream served (per-stream readiness). */
    private final StreamRegistry streams;
    private final CompletableFuture<RecoveryReport> recovered = new CompletableFuture<>();
    private final CompletableFuture<Void> discovered = new CompletableFuture<>();
    private final ReentrantLock admin = new ReentrantLock();
    /** The account's streams as nats-server would restore them: what a create or an update may not overlap. */
    private final RestorableStreams restorable;
    /** Recovered streams whose subjects overlap another's: their publishes are refused ({@link OverlapGuard}). */
    private final StreamOverlaps overlaps;
    /** Held for the whole of {@link #close}: a second close returns once the first has finished. */
    private final ReentrantLock closing = new ReentrantLock();
    private final CountingDiskGate gate;
    private final BlockBuffers buffers;
    private final RecordHashSource hashes;
    private final BlockCache cache;
    /** The block each served stream's new records go to, and what was found on the way. */
    private final TailOpener tails;
    private final StoreContext ctx;
    /** The {@code index.db} version of a stream without its own, made off the open's way. */
    private final StoreIndexVersion storeIndexVersion;
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
    /** Makes what is served of a recovered or created stream (its writer, its reads, its consumers). */
    private final StreamServing serving;
    /** Wakes the writers that hold no thread when a timer of theirs falls due. */
    private final WriterAlarms alarms;
    private final ConsumerCounters consumerTotals = new ConsumerCounters(null);
    /** Its commit and stream listeners, and which thread calls one now. */
    private final StoreListeners listeners;
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
        this.listeners = new StoreListeners(storeDir);
        this.streams = new StreamRegistry(listeners);
        this.lock = options.lockFile() ? StoreLock.acquire(storeDir) : null;
        try {
            createLayoutIfNew(storeDir);
        } catch (IOException e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
        this.storeIndexVersion = new StoreIndexVersion(options, storeDir);
        // The serve path's classes load beside the store-wide start (started in start()).
        this.warmUp = new ServePathWarmUp(storeIndexVersion);
        // Everything streams share is built before recovery forks its first task (nats-server #7503).
        this.gate = new CountingDiskGate(options.recovery().dios());
        this.buffers = new BlockBuffers(Math.max(2, options.recovery().workers()));
        this.hashes = hashChoice.source();
        this.cache = new BlockCache(BLOCK_CACHE_BYTES, gate, buffers);
        this.tails = new TailOpener(gate, buffers, hashChoice);
        this.ctx = new StoreContext(gate, buffers, BlockWork.sequential(), hashes,
                WallClock.INSTANCE, StoreContext.ScanProgress.NONE).withKey(options.key());
        this.restorable = new RestorableStreams(storeDir, gate, new Readiness());
        this.overlaps = new StreamOverlaps(restorable);
        this.recovery = new StoreRecovery(storeDir, options.recovery().withListener(options.recovery().listener()
                .andThen(new StartListener())), new HandOver());
        this.recoveryThread = Thread.ofPlatform().name("jetstart-recovery").daemon().unstarted(new Recover());
        this.housekeeper = new ConsumerHousekeeper(new Served(),
                new ConsumerStateFlusher(gate, gate.permits(), options.sync(), options.syncInterval()));
        this.alarms = new WriterAlarms();
        this.serving = new StreamServing(options, ctx, cache, hashes, hashChoice, tails, storeIndexVersion, overlaps, consumerTotals,
                housekeeper, listeners, alarms);
        // A committed publish wakes the fetches waiting on that stream's consumers.
        listeners.addCommitListener(new WakeFetches());
    }

    // The classes below stand for lambdas and method references: each is made once per open, on the
    // first stream's way, where a lambda is spun at run time in a fresh JVM (the package note, package-info).

    /** The wall clock a stream's opening reads ({@link WriterLoop#wallNanos}). */
    private static final class WallClock implements java.util.function.LongSupplier {
        static final WallClock INSTANCE = new WallClock();

        @Override
        public long getAsLong() {
            return WriterLoop.wallNanos();
        }
    }

    /** Hears the recovery's start and each stream's start (per-stream readiness). */
    private final class StartListener implements io.jetstart.recovery.RecoveryListener {
        @Override
        public void onEvent(RecoveryEvent e) {
            if (e instanceof RecoveryEvent.RecoveryStarted) {
                discovered.complete(null);
            } else if (e instanceof RecoveryEvent.StreamStarted st && !streams.recoveryDone()) {
                if (st.blockBytes() >= HashChoice.SCALAR_BELOW_BYTES) {
                    hashChoice.start();
                }
                // Known as recovering from the moment its recovery starts (per-stream readiness).
                streams.started(st.account(), st.stream());
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

    /** A stream's future, for {@link RestorableStreams} ({@link #stream}). */
    private final class Readiness implements RestorableStreams.Readiness {
        @Override
        public CompletableFuture<JetStartStream> ready(String account, String name) {
            // The future itself: done as soon as an await on the stream returns (StreamHandle#future).
            return stream(account, name).future();
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
            CompletableFuture<JetStartStream> f = streams.future(batch.account(), batch.stream());
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
        alarms.start();
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
            streams.recoveryEnded();
            discovered.complete(null);
            streams.failUnfound();
        }
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
        CompletableFuture<JetStartStream> f = streams.handedOver(report.account(), report.name());
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
            JetStartStream served = serving.serveRecovered(store, report);
            if (!f.complete(served)) {
                // Failed meanwhile (a name nobody had, as far as stream() could tell): nobody can
                // reach this stream to stop it, so it is stopped here rather than left running.
                StreamServing.stopAfterFailedHandOver(served);
                return;
            }
            // Its restored consumers' timers (pending messages are checked 1 s after the open).
            served.consumerChanged();
            // After the handle: await() returns without waiting for a thread's start, and a
            // publish before this line starts the writer's run itself (WriterLoop.handedOver).
            StreamServing.startWriter(served);
        } catch (Exception e) {
            f.completeExceptionally(new StreamUnavailableException(report.account() + " > " + report.name()
                    + " recovered but cannot be served: " + StreamServing.whyNotServed(e)));
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
     * Test seam: {@code hook} runs on the opening thread after each {@code index.db} written and each
     * block's files removed while a writer makes the open's removals last ({@link
     * WriterLoop#tombstoneStartUpRemovals}): a kill -9 there leaves the files as they then are.
     */
    void afterHandOverStep(Runnable hook) {
        serving.afterHandOverStep(hook);
    }

    /** Test seam: {@code hook} sees each served stream once its writer is ready, before its consumers are restored. */
    void beforeConsumerRestore(java.util.function.Consumer<JetStartStream> hook) {
        serving.beforeConsumerRestore(hook);
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
        return streams.stream(account, name);
    }

    /** Completes with the recovery report once every stream has been recovered or has failed. */
    public CompletableFuture<RecoveryReport> recovery() {
        return recovered.copy();
    }

    /** What the runtime found while taking streams over (damaged or compressed last blocks). */
    public List<Problem> problems() {
        return tails.problems();
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
        requireTtlIndex(account, config);
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
            restorable.requireNoOverlap(account, written);
            CompletableFuture<JetStartStream> f = new CompletableFuture<>();
            boolean made = false;
            try {
                Files.createDirectories(dir.resolve("msgs"));
                writeNewStreamMeta(account, dir, config.name(), meta);
                StreamStore store = StreamOpener.open(account, config.name(), dir, written, ctx);
                JetStartStream created = serving.serveCreated(store);
                StreamServing.startWriter(created);
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
            streams.created(account, config.name(), f);
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
        listeners.refuseIn("resumeStream");
        StreamNames.checkAccount(account);
        StreamNames.check(name);
        // NOTE: the open's recovery fails every future still incomplete when it ends (a name never
        // found): a resume's future must not be one of them, or its writer would run unreachable.
        // It ends soon after its last stream was served; a stopped stream was served.
        recoveryThread.join();
        admin.lockInterruptibly();
        String oldError = null;
        try {
            requireOpen();
            CompletableFuture<JetStartStream> f = streams.future(account, name);
            if (f == null) {
                throw JetStreamApiException.streamNotFound();
            }
            if (!f.isDone()) {
                throw new IllegalStateException("stream '" + account + " > " + name + "' is still recovering: nothing to resume");
            }
            if (f.isCompletedExceptionally()) {
                if (!streams.failedByResume(account, name)) {
                    throw new IllegalStateException("stream '" + account + " > " + name + "' did not recover at open ("
                            + StreamRegistry.causeOf(f) + "): resumeStream brings back a stream whose writer a write error stopped; "
                            + "reopen the store once its files are mended");
                }
                oldError = streams.resumeFailure(account, name);
            } else {
                JetStartStream old = f.join();
                IOException stopped = old.writer() == null ? null : old.writer().failure();
                if (stopped == null) {
                    throw new IllegalStateException("stream '" + account + " > " + name + "' " + (old.writer() == null
                            ? "is read-only by its config (" + old.readOnlyReason().orElse("") + "): there is no writer to resume"
                            : "is writable: no write error stopped its writer"));
                }
                oldError = stopped.getMessage();
                streams.resumeStarted(account, name);
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
                streams.resumeStarted(account, name);
            }
            Path dir = streamDir(account, name);
            // The cached copies of its blocks are the old writer's (a tail the full disk cut short among them).
            cache.evictUnder(dir);
            return resume(account, name, oldError);
        } finally {
            if (streams.resumeEnded(account, name)) {
                // An interrupt before the recovery (the old writer's stop): the stream fails with why
                // rather than staying RECOVERING, and a later call may try again.
                CompletableFuture<JetStartStream> now = streams.future(account, name);
                if (now != null && now.completeExceptionally(new StreamUnavailableException(account + " > " + name
                        + ": its resume was interrupted before the stream was recovered; resumeStream may try again"))) {
                    streams.resumeFailed(account, name, oldError);
                }
            }
            admin.unlock();
        }
    }

    /** Recovers the stream of {@link #resumeStream} and serves it into its (new, incomplete) future. Under {@link #admin}. */
    private JetStartStream resume(String account, String name, String oldError) throws IOException, InterruptedException {
        RecoveryReport atOpen = recovered.getNow(null);
        io.jetstart.core.lines.ServerLine line = atOpen == null ? null : atOpen.serverLine().line();
        StreamReport report;
        try {
            report = StoreRecovery.recoverStream(storeDir, account, name, options.recovery(), gate, line, new HandOver());
        } catch (IOException | RuntimeException | InterruptedException | Error e) {
            // Nothing was handed over: the stream fails with why, and a later call may try again.
            streams.future(account, name).completeExceptionally(new StreamUnavailableException(account + " > " + name
                    + " could not be resumed: " + e));
            streams.resumeFailed(account, name, oldError);
            throw e;
        }
        CompletableFuture<JetStartStream> f = streams.future(account, name);
        if (report == null) {
            // Its directory is gone (removed behind the store's back): nothing left to serve.
            f.completeExceptionally(JetStreamApiException.streamNotFound());
            streams.vanished(account, name, f);
            throw JetStreamApiException.streamNotFound();
        }
        if (f.isCompletedExceptionally() || !f.isDone()) {
            f.completeExceptionally(new StreamUnavailableException(account + " > " + name + " could not be resumed"));
            streams.resumeFailed(account, name, oldError);
            try {
                f.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw e;
            }
        }
        streams.resumeSucceeded(account, name);
        JetStartStream s = f.join();
        LOG.info("{} > {}: writes resumed (resumeStream) after: {}; {} messages, last sequence {}", account, name, oldError, s.info().messages(),
                s.info().lastSeq());
        return s;
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
        if (old.flag("allow_msg_ttl") && !config.flag("allow_msg_ttl") && config.subjectDeleteMarkerTtlNanos() <= 0) {
            // The server's check (stream.go: checkStreamCfg for an update).
            throw JetStreamApiException.invalidConfig("message TTL status can not be disabled");
        }
        requireTtlIndex(account, config);
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
        restorable.requireNoOverlap(account, StreamDefinitions.parse(meta));
        s.update(StreamDefinitions.parse(meta), meta);
        overlaps.changed();
        return s;
    }

    /**
     * Refuses {@code allow_msg_ttl} on a stream served as a line without TTLs or whose {@code index.db}
     * would be written as version 1 ({@link StreamDefinitions#ttlReason}): the version its writer uses, as {@link StreamServing} picks it.
     */
    private void requireTtlIndex(String account, StreamConfig config) throws IOException, InterruptedException {
        // Markers turn TTLs on (StreamDefinitions.metaInf), so a marker stream is a TTL stream here too.
        if (!config.flag("allow_msg_ttl") && config.subjectDeleteMarkerTtlNanos() <= 0) {
            return;
        }
        // An encrypted stream's version is inside its index.db's seal: opened here (an admin call's cost).
        int own = IndexVersions.of(streamDir(account, config.name()), account, options.key());
        int version = options.indexVersion() != 0 ? options.indexVersion() : own != 0 ? own : storeIndexVersion.get();
        StreamDefinitions.ttlReason(config, version, options.recovery().serverLine()).ifPresent(r -> {
            throw JetStreamApiException.invalidConfig("not supported by the runtime: " + r);
        });
    }

    /** Stops the stream's writer and removes its directory (the server's stream delete). */
    public void deleteStream(String account, String name) throws IOException, InterruptedException {
        listeners.refuseIn("deleteStream");
        StreamNames.check(name);
        JetStartStream s;
        try {
            s = awaitStream(account, name);
        } catch (StreamUnavailableException e) {
            if (!streams.failedByResume(account, name)) {
                throw e;
            }
            // Left FAILED by a resume, which stopped what was left of it: only its files remain to go.
            s = null;
        }
        // Made before any stream is gone: it is the answer of the store as it was at open.
        storeIndexVersion.get();
        admin.lockInterruptibly();
        try {
            requireOpen();
            // NOTE: a resumeStream between the await above and this lock replaced the stream: the one
            // awaited is stopped already, and deleting it would leave the new one's writer running
            // with its future gone from the map (its thread never stopped).
            s = streams.current(account, name, s);
            if (s != null) {
                s.consumers().closeAll();
                s.stop();
                s.markDeleted();
            }
            streams.deleted(account, name);
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
        listeners.addCommitListener(java.util.Objects.requireNonNull(l, "listener"));
    }

    /** Removes a listener added with {@link #addCommitListener}; no effect when it is not there. */
    public void removeCommitListener(CommitListener l) {
        listeners.removeCommitListener(l);
    }

    /**
     * Adds a listener of the streams this store knows; it hears at once of every stream known so
     * far (possibly twice of one that appears meanwhile: listeners must be idempotent).
     */
    public void addStreamListener(StreamListener l) {
        streams.addStreamListener(java.util.Objects.requireNonNull(l, "listener"));
    }

    /** How many ticks the consumers' housekeeper has run, for a test. */
    long housekeeperTicks() {
        return housekeeper.ticks();
    }

    /** The streams served now (read-only ones included), in no particular order. */
    public List<JetStartStream> served() {
        return streams.served();
    }

    /** How many streams are recovering, ready, read-only and failed. */
    public StreamCounts streamStates() {
        return streams.states();
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
        listeners.refuseIn("close");
        closing.lockInterruptibly();
        try {
            if (closeDone) {
                // Closed, or by now: a close that returned early while another still stopped the
                // writers let its caller go on with writers running and the lock still held.
                return;
            }
            closed = true;
            // A listener added before this is in the list closeOnce tells; one after is refused.
            listeners.close();
            closeOnce();
        } finally {
            closing.unlock();
        }
    }

    private void closeOnce() throws IOException, InterruptedException {
        // First, while the writers still run: a KV watch ends its thread here (a watcher's call
        // under way may still publish) instead of noticing the close up to a wait later.
        listeners.storeClosing();
        recovery.close();
        recoveryThread.join();
        warmUp.join();
        hashChoice.join();
        List<JetStartStream> served;
        // Under admin: a createStream or deleteStream under way finishes first (see requireOpen).
        // The recovery has ended, so every future a create can wait for under admin is complete.
        admin.lock();
        try {
            served = streams.served();
        } finally {
            admin.unlock();
        }
        boolean interrupted = false;
        List<String> unwritten = new ArrayList<>();
        try {
            housekeeper.stop();
            // Every stream's consumers' last o.dat writes together (ConsumerHousekeeper.closeConsumers).
            unwritten.addAll(housekeeper.closeConsumers(served));
            // Every writer is asked to stop before the first is waited for: each one's last sync and
            // index.db write (two fsyncs and a rename) then run together. One after the other, a
            // store of 10,000 streams took 73 s to close (docs/runtime.md, "Many streams").
            for (JetStartStream s : served) {
                s.requestStop();
            }
            for (JetStartStream s : served) {
                s.awaitStop();
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
                // Every writer has stopped: no ring is wanted any more.
                alarms.close();
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
