package io.jetstart.runtime;

import io.jetstart.core.format.Records;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.RebuildFloor;
import io.jetstart.core.store.StartUpRemovals;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamMutator;
import io.jetstart.core.store.StreamStore;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jctools.queues.varhandle.MpscChunkedVarHandleArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a stream: publishers on any thread hand it operations through a JCTools MPSC
 * queue; its own thread drains a batch, lays out every record of the batch in the tail block
 * (messages, and a tombstone for every message a removal takes), writes them with one write,
 * syncs per policy, publishes a new {@link StreamView} for readers, and only then completes the
 * acks (group commit).
 *
 * <pre>
 *   publishers ──offer──▶ [MPSC queue] ──drain ≤ 4096──▶ validate + assign seq + lay out
 *        ▲                                                   │ limits (discard old) → tombstones
 *        │                                                   ▼
 *        └──── acks complete ◀── publish view ◀── fsync (always) ◀── one write per block
 * </pre>
 *
 * <p>Design note: the state is changed as each operation is laid out (later operations of the
 * same batch must see earlier ones: duplicates, expected sequences, limits), but nobody outside
 * the writer sees it until the batch is on disk. If a write or sync fails, memory is ahead of the
 * disk: the stream then refuses every later write with the I/O error (reads keep the last
 * published view) instead of guessing what reached the disk.
 *
 * <p>The writer keeps the loop, the batch, the order of its steps and the state it owns; its parts
 * do their jobs on its thread, each given what it needs: {@link IndexDbWriter} writes
 * {@code index.db}, {@link BlockReclaim} gives back emptied and mostly dead blocks, {@link
 * StreamPurger} purges, and {@link HandOverRemovals} makes the open's removals last before the
 * first operation. They take the tail, a roll, a tombstone and the view's publication through
 * {@link WriterTail}, and nothing else of the writer.
 *
 * <p>The writer runs on a thread only while its stream has something to do: a run starts with the
 * first operation offered to an idle writer (a platform thread), with a ring of {@link WriterAlarms}
 * for a timer, or with a stop (both on a virtual thread), and ends once the stream is idle (nothing
 * queued, the tail let go, no timer within {@link #IDLE_HORIZON}). One run at a time holds the
 * writer ({@link #run}); each hands everything it changed to the next through that word's fences.
 */
final class WriterLoop {
    /** The logger of the recovery's lines ({@code LoggingListener}): one place to grep for a store's events. */
    private static final Logger LOG = LoggerFactory.getLogger("jetstart");
    static final int MAX_BATCH = 4096;
    private static final int QUEUE_CAPACITY = 1 << 16;
    /**
     * The queue grows to {@link #QUEUE_CAPACITY} in chunks of this many slots, and gives them back
     * once drained: a queue of the whole capacity made up front took 256 KiB of heap per stream
     * (262 MB for a store of 1,000 idle streams).
     */
    private static final int QUEUE_CHUNK = 1 << 10;
    /** The longest the writer goes without an age check (see {@link #ageCheckAfter}). */
    private static final long AGE_CHECK_AT_MOST = TimeUnit.MINUTES.toNanos(1);
    /**
     * How long the tail block's bytes stay in memory with nothing appended to or read from them:
     * nats-server's {@code defaultCacheBufferExpiration} (filestore.go, 10 s since 2.10; 5 s before).
     */
    static final long TAIL_EXPIRY = TimeUnit.SECONDS.toNanos(10);
    /** nats-server 2.11+'s TTL time wheel in {@code msgs/} ({@code ttlStreamStateFile}); see {@link #rebuildTtls}. */
    static final String THW_DB = "thw.db";

    sealed interface Op permits Publish, Delete, Erase, Purge, Update, Flush, Checkpoint, Stop, Release {
        CompletableFuture<?> done();
    }

    record Publish(String subject, byte[] subjectBytes, Headers headers, byte[] hdr, byte[] payload,
                   CompletableFuture<PublishAck> done, long enqueuedNanos) implements Op {
        Publish(String subject, byte[] subjectBytes, Headers headers, byte[] hdr, byte[] payload, CompletableFuture<PublishAck> done) {
            this(subject, subjectBytes, headers, hdr, payload, done, System.nanoTime());
        }
    }

    record Delete(long seq, CompletableFuture<Boolean> done) implements Op {
    }

    /** A delete whose record is also overwritten with random bytes (nats-server's EraseMsg). */
    record Erase(long seq, CompletableFuture<Boolean> done) implements Op {
    }

    record Purge(PurgeRequest request, CompletableFuture<Long> done) implements Op {
    }

    record Update(StreamConfig config, byte[] metaInf, CompletableFuture<Void> done) implements Op {
    }

    record Flush(CompletableFuture<Void> done) implements Op {
    }

    record Stop(CompletableFuture<Void> done) implements Op {
    }

    /** Messages no consumer needs any more (interest and work-queue retention); those still live go. */
    record Release(long[] seqs, CompletableFuture<Long> done) implements Op {
    }

    /** A consistent point for an export: taken after the batch's sync and index.db ({@link StreamCheckpoint}). */
    record Checkpoint(CompletableFuture<StreamCheckpoint> done) implements Op {
    }

    /** A completion held back until the batch is durable. */
    private record Pending(CompletableFuture<Object> future, Object value) {
    }

    private final String name;
    private final Path streamDir;
    private final StreamMutator state;
    private final RuntimeOptions options;
    private final int indexVersion;
    /**
     * Made at the first offer ({@link #queueForOffer}), never before: its first chunk is 4 KiB
     * ({@link #QUEUE_CHUNK} slots), which every writable stream held from its hand-over on until
     * 2026-12, written to or not (41 MB for a store of 10,000 streams nothing is published to).
     * Null until then, which the writer reads as empty. Once made it stays: a producer may hold it.
     */
    private volatile MpscChunkedVarHandleArrayQueue<Op> queue;
    private final DuplicateWindow dedupe;
    private final List<Pending> pending = new ArrayList<>();
    /**
     * The operations drained for the batch in hand; made at the writer's first wake and dropped
     * once the stream is idle with its tail let go ({@link #loop}). Made up front with {@link
     * #MAX_BATCH} slots until 2026-12: 16 KiB of heap per stream, 160 MB for a store of 10,000 idle
     * streams. Written by the writer only; volatile for {@link #holdsBatch} and the failure path.
     */
    private volatile List<Op> batch;
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private final CommitListener listener;
    private final StreamSealing sealing;
    private SubjectFilter subjects;
    /** Subjects already known to match the stream's subjects (bounded; cleared on a config change). */
    private final java.util.HashSet<String> matched = new java.util.HashSet<>();
    private StreamRules rules;
    /** Made on the first erase. */
    private SecureErase eraser;
    private final int blockSize;
    private TailBlock tail;
    /** What the writer lends its parts ({@link Lent}). */
    private final WriterTail lent = new Lent();
    private final IndexDbWriter indexDb;
    private final BlockReclaim reclaim;
    private final StreamPurger purger;
    private boolean limitsDue;
    /** The stored messages with a positive TTL, by when they expire (streams with {@code allow_msg_ttl}). */
    private final TtlExpiry ttls = new TtlExpiry();
    /** With subject delete markers: until when (Unix nanoseconds) a refused marker is not tried again. */
    private long markerRetryWall;
    /**
     * For a stream with {@code allow_msg_ttl} and {@code max_age}: when (Unix nanoseconds) the
     * oldest message the age check may take reaches {@code max_age}, or {@link Long#MAX_VALUE} when
     * none is known. Not the stream's first message's time: an old {@code never} message stays first
     * for ever, and an age check due at its time would run at once, again and again.
     */
    private long ageDueWall = Long.MAX_VALUE;
    private long nextSyncNanos;
    private long nextAgeCheckNanos;
    /** When the tail's bytes were last used (nanoTime): they go {@link #tailExpiry} after ({@link #releaseIdleTail}). */
    private long tailUsedNanos;
    /** {@link #TAIL_EXPIRY}; a test seam sets it ({@link #tailExpiry(java.time.Duration)}). */
    private volatile long tailExpiry = TAIL_EXPIRY;
    /**
     * Whether {@code index.db} holds the state as it is: the interval sync writes it only when
     * not (nats-server writes its full state only when dirty). False at open: the first interval
     * looks once, and writes only if the file on disk does not hold the state already ({@link
     * IndexDbWriter}, which also spares the close a write of an untouched stream). Every interval
     * rewriting every stream's {@code index.db} (temp file, two fsyncs, a rename) cost a store of
     * 1,000 idle streams 1,000 such writes every 2 minutes.
     */
    private boolean indexDbCurrent;
    /**
     * Who runs the writer: {@link #RUNNING} while a thread does (or the thread that hands the stream
     * over, until {@link #prepare}), {@link #IDLE} while none does, {@link #ENDED} once it stopped for
     * good. An offer moves it from idle to running and starts a thread ({@link #wake}); a run that
     * finds its stream idle moves it back and ends ({@link #letGo}). Until 2026-12 every writable
     * stream held a platform thread from its hand-over to the store's close: a store of 10,000
     * streams ran 10,023 threads, most of them for streams nothing was asked of.
     */
    private final java.util.concurrent.atomic.AtomicInteger run = new java.util.concurrent.atomic.AtomicInteger(RUNNING);
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int ENDED = 2;
    /**
     * How far ahead a timer keeps a run's thread parked for it instead of ending the run and asking
     * {@link WriterAlarms} for a ring: {@link #TAIL_EXPIRY}, as long as a run already lingers after
     * its last write for the tail's release. A platform thread's start cost the publish that waited
     * for it 0.1-1.2 ms on a busy 2-core machine (docs/runtime.md, "Many streams"), so a stream whose
     * timers come every 10 s or more often (a KV bucket's short TTLs) keeps its thread; one whose next
     * timer is further (the interval sync of a stream written once, 2 minutes by default; a max_age
     * check) lets it go, and its timer's run is a virtual thread's.
     */
    static final long IDLE_HORIZON = TAIL_EXPIRY;
    /** {@link #IDLE_HORIZON}; a test seam sets it ({@link #idleHorizon(java.time.Duration)}). */
    private volatile long idleHorizon = IDLE_HORIZON;
    /** The thread of the writer's run now, or of its last one; null before its first. */
    private volatile Thread thread;
    /**
     * The thread that may use the writer's own state now (its tail's bytes among them): the one that
     * hands the stream over until {@link #prepare}, then each run's thread while it runs; null while
     * no run holds the writer. Readers on any other thread see the tail as committed ({@link TailBytes}).
     */
    private volatile Thread owner;
    /** A {@link WriterAlarms} ring came: counted as something offered until the run it started (or found) looks at its timers. */
    private volatile boolean rang;
    private final WriterAlarms alarms;
    /** The ring asked for and not yet run ({@link #alarm}); its owner's only. */
    private java.util.concurrent.ScheduledFuture<?> alarm;
    private long alarmAt = Long.MAX_VALUE;
    /** {@link #removeLeftoverTemps} ran (at the first run); its owner's only. */
    private boolean leftoversChecked;
    /** {@link #prepare} ran: from then on a stop has something to stop. */
    private volatile boolean prepared;
    /** Threads started for runs, for tests and the docs' measurements. */
    private final java.util.concurrent.atomic.AtomicLong runsStarted = new java.util.concurrent.atomic.AtomicLong();
    private final String threadName;
    private final Body body = new Body();
    private final ReentrantLock starting = new ReentrantLock();
    /** Set by the writer after its last batch; from then on {@link #failOrphans} fails what is offered. */
    private volatile boolean ended;
    /** Serialises the drains after {@link #ended}: the writer's last one and the callers' (one consumer at a time). */
    private final ReentrantLock orphans = new ReentrantLock();
    private volatile boolean sleeping;
    private volatile boolean accepting = true;
    private volatile StreamView view;
    private volatile IOException failure;
    /**
     * What a writer that ran out of memory says when it cannot make its refusal (or reason) any
     * more ({@link #run}): made with the writer, without stack traces (cheap at each stream's start).
     */
    private final JetStreamApiException refusalOutOfMemory = JetStreamApiException.storeFailedAhead(OUT_OF_MEMORY);
    private final IOException failureOutOfMemory = new MadeAhead(OUT_OF_MEMORY);
    private volatile java.util.function.Predicate<String> interest;
    /**
     * Test seam: runs in {@link #submit} between the look at {@code accepting} and the offer, the
     * window a close can fall into (WriterCloseRaceTest parks a publisher there). Null in service.
     */
    private volatile java.util.function.Consumer<Op> beforeOffer;
    /**
     * A stream recovered from the files: asked before a publish whether another stream of its
     * account overlaps it ({@link OverlapGuard}); null for a stream created here, and once cleared.
     */
    private OverlapGuard overlaps;

    WriterLoop(String name, Path streamDir, StreamMutator state, RuntimeOptions options, int indexVersion,
               TailBlock tail, HashChoice hashes, CommitListener listener, WriterAlarms alarms) {
        this.name = name;
        this.alarms = alarms;
        // The thread that makes the writer holds it (RUNNING) until prepare(): the hand-over's steps run on it.
        this.owner = Thread.currentThread();
        this.threadName = "jetstart-writer " + state.store().account() + " > " + name;
        this.streamDir = streamDir;
        this.state = state;
        this.options = options;
        this.indexVersion = indexVersion;
        this.tail = tail;
        this.listener = listener;
        StreamConfig c = state.config();
        this.subjects = new SubjectFilter(c.subjects());
        this.rules = StreamRules.of(c);
        this.blockSize = options.blockSize() > 0 ? options.blockSize() : StreamDefinitions.blockSize(c);
        this.dedupe = new DuplicateWindow(StreamDefinitions.duplicateWindow(c));
        this.sealing = new StreamSealing(state.store().keys(), hashes);
        this.indexDb = new IndexDbWriter(name, state, sealing, indexVersion);
        this.reclaim = new BlockReclaim(state, lent, indexDb, blockSize);
        this.purger = new StreamPurger(state, lent, indexDb, reclaim);
        state.readTailFrom(new TailBytes());
    }

    // The named classes below stand for lambdas and method references made at each stream's
    // hand-over and writer start, on the first stream's way, where a fresh JVM would spin a lambda's
    // class at run time (package-info).

    /**
     * Reads of the tail block come from the writer's own copy of it: on the thread that holds the
     * writer ({@link #owner}: a run's, or the hand-over's before it) everything laid out, read back
     * from the file first if it was released; on any other thread what was written, or null while
     * released (that reader reads the file, which then holds the same bytes).
     */
    private final class TailBytes implements StreamStore.TailSource {
        @Override
        public byte[] bytesOf(long blockIndex, int[] lengthOut) {
            TailBlock t = tail;
            if (t == null || t.index != blockIndex) {
                return null;
            }
            if (Thread.currentThread() != owner) {
                return t.committed(lengthOut);
            }
            try {
                byte[] b = t.bytes();
                lengthOut[0] = t.length();
                return b;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** What the writer lends its parts ({@link WriterTail}): its tail, a roll, a tombstone, a published view. */
    private final class Lent implements WriterTail {
        @Override
        public TailBlock current() {
            return tail;
        }

        @Override
        public void roll() throws IOException {
            WriterLoop.this.roll();
        }

        @Override
        public void tombstone(long seq, long ts) {
            WriterLoop.this.tombstone(seq, ts, null, 0);
        }

        @Override
        public void publishView() {
            view = state.view(new CommittedLength());
        }
    }

    /** Readers see a tail block up to what the writer has committed ({@link #committedLength}). */
    private final class CommittedLength implements java.util.function.LongUnaryOperator {
        @Override
        public long applyAsLong(long blockIndex) {
            return committedLength(blockIndex);
        }
    }

    /** The view the writer published last, for readers that must read again ({@link StreamReads}). */
    private final class NewestView implements java.util.function.Supplier<StreamView> {
        @Override
        public StreamView get() {
            return view;
        }
    }

    /** The writer's thread ({@link #run}). */
    private final class Body implements Runnable {
        @Override
        public void run() {
            WriterLoop.this.run();
        }
    }

    /** Drains the queue into a batch. */
    private static final class AddTo implements org.jctools.queues.MessagePassingQueue.Consumer<Op> {
        private final List<Op> batch;

        AddTo(List<Op> batch) {
            this.batch = batch;
        }

        @Override
        public void accept(Op op) {
            batch.add(op);
        }
    }

    /** Puts each message id inside the duplicate window back into it. */
    private final class DedupeVisitor implements StreamStore.LiveMessageVisitor {
        private final long cutoff;

        DedupeVisitor(long cutoff) {
            this.cutoff = cutoff;
        }

        @Override
        public boolean visit(long seq, long ts, String subject, byte[] buf, int ho, int hl, int po, int pl, int rl) {
            String id = "";
            if (hl > 0 && ts >= cutoff) {
                id = Headers.parse(buf, ho, hl).first(Headers.MSG_ID).orElse("");
                if (!id.isEmpty()) {
                    dedupe.stored(id, seq, ts);
                }
            }
            // As the server's rebuildDedupe: the last msg id is the last message's, "" when it has none.
            if (seq == state.lastSeq() && ts >= cutoff) {
                dedupe.lastMsgId(id);
            }
            return true;
        }
    }

    /**
     * For a stream with {@code allow_msg_ttl}, on the thread that hands it over: the live messages
     * with a positive TTL are timed again (a scan of the live messages of the blocks whose count of
     * TTL messages is not 0, or unknown, as the server's {@code recoverPerMessageState} does without
     * {@code thw.db}: a TTL stream's open reads those blocks, not every block), and the server's {@code msgs/thw.db}
     * is removed. The runtime does not keep that file current, and a stale one would leave the server
     * entries for messages the runtime removed, which its wheel never lets go (its expiry callback
     * keeps an entry whose message is not found) and which wake its age check every 250 ms; with
     * none, the server rebuilds its wheel from the blocks that {@code index.db} counts TTLs in.
     */
    void rebuildTtls() throws IOException, StoreException, InterruptedException {
        if (!rules.allowMsgTtl()) {
            return;
        }
        if (java.nio.file.Files.deleteIfExists(state.msgsDir().resolve(THW_DB))) {
            // Made durable before any write: a crash must not bring the stale file back under new records.
            io.jetstart.core.io.AtomicFiles.syncDirectory(state.msgsDir());
        }
        if (state.messages() == 0) {
            return;
        }
        state.forEachLiveMayHoldTtl((seq, ts, subject, buf, ho, hl, po, pl, rl) -> {
            if (hl > 0) {
                long ttl = io.jetstart.core.format.MessageTtl.seconds(buf, ho, hl);
                if (ttl > 0) {
                    ttls.add(seq, TtlExpiry.expiresAt(ts, ttl));
                }
            }
            return true;
        });
    }

    /** Rebuilds the duplicate window from the messages inside it (nats-server's rebuildDedupe). */
    void rebuildDedupe(long now) throws StoreException, InterruptedException {
        long window = StreamDefinitions.duplicateWindow(state.config());
        long cutoff = now - window;
        state.forEachLive(state.seqFromTime(cutoff), new DedupeVisitor(cutoff));
    }

    /**
     * Makes what recovery removed at the open last, before the first operation and before {@link
     * #prepare}, on the thread that hands the stream over (the writer's thread is not started yet):
     * tombstones for the removals in the blocks that stay, the emptied blocks' files removed
     * ({@link HandOverRemovals}, where the order and why). A block that cannot be written (a roll
     * on a full disk) stops the stream's writes, as any write error does. {@code eachStep} (may be
     * null): {@link HandOverRemovals#make}'s test seam.
     *
     * @throws InterruptedException when the hand-over's thread was interrupted (a close or the recovery's
     *                              deadline cancelled it): the stream is not served, and its files are as
     *                              a kill at that step leaves them, which the next open takes up again
     */
    void tombstoneStartUpRemovals(StartUpRemovals removed, Runnable eachStep) throws InterruptedException {
        try {
            new HandOverRemovals(state, lent, indexDb, reclaim).make(removed, eachStep);
        } catch (java.io.UncheckedIOException | IOException | StoreException e) {
            if (Thread.currentThread().isInterrupted()) {
                // NOTE: an interrupted channel write (ClosedByInterruptException, which sets the flag)
                // is a cancellation, not the disk: until 2026-12 a close right after an open logged
                // "writes stopped" at ERROR for a stream whose files were fine.
                throw handOverCancelled(e);
            }
            failOn(e);
        }
    }

    /** Whether a failure met while handing the stream over (no run has had a thread yet) came from an interrupt. */
    private boolean handOverInterrupted() {
        return thread == null && Thread.currentThread().isInterrupted();
    }

    private InterruptedException handOverCancelled(Exception cause) {
        InterruptedException e = new InterruptedException("hand-over of " + state.store().account() + " > " + name + " cancelled");
        e.initCause(cause);
        return e;
    }

    /**
     * After the hand-over's writes ({@link #tombstoneStartUpRemovals}, {@link #writeStartUpMarkers})
     * and {@link #prepare}'s flush of the tail:
     * throws if its thread was interrupted meanwhile, so that a cancelled hand-over serves no stream
     * whose writes an interrupt stopped.
     */
    void checkHandOverNotCancelled() throws InterruptedException {
        if (Thread.interrupted()) {
            throw handOverCancelled(failure);
        }
    }


    /** Publishes wait for {@code guard}'s leave ({@link OverlapGuard}); set before {@link #prepare}. */
    void guardOverlaps(OverlapGuard guard) {
        overlaps = guard;
    }

    /** {@link #prepare} and {@link #handedOver} at once. */
    void start() {
        prepare();
        handedOver();
    }

    /**
     * Ready to take operations, on the thread that hands the stream over: its view published, its
     * tail's bytes and file let go (the next write takes them back), and no thread: the first
     * operation offered starts one ({@link #wake}), as {@link #handedOver} does for a stream with a
     * timer due. Until 2026-12 the tail was kept and a thread started for every writable stream, to
     * let that tail go 10 s later and then sleep.
     */
    void prepare() {
        view = state.view(new CommittedLength());
        long now = System.nanoTime();
        nextSyncNanos = now + options.syncInterval().toNanos();
        nextAgeCheckNanos = now;
        tailUsedNanos = now;
        try {
            tail.flush();
            tail.release();
        } catch (IOException e) {
            failOn(e);
        }
        prepared = true;
        owner = null;
        // Ops offered before this (none can be: the stream has no handle yet) are looked at by the
        // first run; from here on an offer starts one.
        run.set(IDLE);
    }

    /**
     * After the stream's handle is complete: a run for a stream with a timer due now (its first age
     * check, for a stream with {@code max_age} or TTLs), a ring for one due later (the first interval
     * sync, which finds {@code index.db} current and asks no more), nothing for the rest. Here, not in
     * {@link #prepare}: a recovered stream's hand-over completes its handle first, and starts nothing
     * before (docs/benchmarks-passes.md, "Per-stream readiness", fifth pass).
     */
    void handedOver() {
        if (!run.compareAndSet(IDLE, RUNNING)) {
            // A run is going (an offer came first) or the writer ended: that run sees the timers.
            return;
        }
        owner = Thread.currentThread();
        long now = System.nanoTime();
        long due = nextDue();
        if (due <= now) {
            // A timer's run: virtual (startRun), and no wait here for a platform thread's start.
            owner = null;
            startRun(true);
            return;
        }
        alarm(due);
        if (!letGo()) {
            // Offered meanwhile: a run that takes operations.
            owner = null;
            startRun(false);
        }
    }

    /**
     * Starts a thread for a run the caller took ({@link #run} moved to RUNNING): a virtual one for a
     * run that looks at timers or stops the writer, a platform one for a run that takes operations.
     */
    private void startRun(boolean virtual) {
        // A ring's run (an interval sync, an expiry) and a stop's (a store's close of idle streams:
        // their last sync and index.db, each looked at and skipped when unchanged) take a virtual
        // thread: 10,000 of them start and end in a fraction of the time as many platform threads
        // take. A run that takes publishes is on a platform thread (a virtual run offered operations
        // hands over to one after its batch): on virtual ones the publish rows lost a fifth
        // (docs/runtime.md, "Many streams").
        Thread t = (virtual ? Thread.ofVirtual().name(threadName) : Thread.ofPlatform().daemon().name(threadName)).unstarted(body);
        thread = t;
        runsStarted.incrementAndGet();
        try {
            t.start();
        } catch (RuntimeException | Error e) {
            // No thread (out of memory for its stack): the next offer tries again instead of finding it RUNNING.
            run.compareAndSet(RUNNING, IDLE);
            throw e;
        }
    }

    /**
     * Whether something is offered or rang that a run has not taken: the last look of a run that
     * ends ({@link #letGo}).
     */
    private boolean somethingWaits() {
        MpscChunkedVarHandleArrayQueue<Op> q = queue;
        return rang || (q != null && !q.isEmpty());
    }

    /**
     * The run in hand lets the writer go (IDLE), then looks once more.
     * NOTE: the lost wake-up. An offer enqueues (or a ring sets {@link #rang}) and then reads
     * {@link #run}; this sets it and then reads the queue and {@code rang}; all are fenced, so either
     * this sees the op or the offer sees IDLE and starts a run. Seeing one, it takes the writer back,
     * unless an offer did first (whose run takes the op).
     *
     * @return true when the run is over; false when it took the writer back and goes on
     */
    private boolean letGo() {
        owner = null;
        run.set(IDLE);
        if (!somethingWaits() || !run.compareAndSet(IDLE, RUNNING)) {
            return true;
        }
        owner = Thread.currentThread();
        return false;
    }

    /**
     * Starts a run if none goes (an offer, a ring), or wakes the one that sleeps.
     * NOTE: called after the offer: see {@link #letGo}.
     */
    private void wake(boolean virtual) {
        if (run.get() == IDLE && run.compareAndSet(IDLE, RUNNING)) {
            startRun(virtual);
        } else if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    /** A {@link WriterAlarms} ring: the writer looks at its timers, on a thread started for it if none runs. */
    void ring() {
        rang = true;
        wake(true);
    }

    /**
     * Asks for a ring at {@code due} (nanoTime) unless one at that time or earlier is waiting; a
     * later one is cancelled. The run's owner only.
     */
    private void alarm(long due) {
        if (due == Long.MAX_VALUE) {
            return;
        }
        java.util.concurrent.ScheduledFuture<?> a = alarm;
        if (a != null && !a.isDone() && alarmAt <= due) {
            return;
        }
        if (a != null) {
            a.cancel(false);
        }
        alarm = alarms.at(due, this);
        alarmAt = due;
    }

    /**
     * When the writer's next timer is due (nanoTime), or {@link Long#MAX_VALUE} when none is: the
     * tail's release while it holds bytes, the interval sync while {@code index.db} is behind, the
     * age check while something can expire. The interval's look at a current {@code index.db} and
     * the minute's age check of a stream that has nothing to expire are no timers here: they find
     * nothing to do.
     */
    private long nextDue() {
        if (failure != null) {
            return Long.MAX_VALUE;
        }
        long due = tailReleaseDue();
        if (!indexDbCurrent) {
            due = Math.min(due, nextSyncNanos);
        }
        if (ageTimed()) {
            due = Math.min(due, nextAgeCheckNanos);
        }
        return due;
    }

    /** Whether an age check can remove anything: {@code max_age} with messages, or a TTL timed. */
    private boolean ageTimed() {
        return (rules.maxAgeNanos() > 0 && state.messages() > 0) || ttls.nextExpiry() != Long.MAX_VALUE;
    }

    StreamView view() {
        return view;
    }

    /** Whether the caller runs on the thread of this writer's run (a {@link CommitListener} does). */
    boolean isWriterThread() {
        return Thread.currentThread() == thread;
    }

    /** {@link #view()} as a supplier. */
    java.util.function.Supplier<StreamView> newestView() {
        return new NewestView();
    }

    /** Operations waiting in the queue (approximate while publishers add). */
    int queued() {
        MpscChunkedVarHandleArrayQueue<Op> q = queue;
        return q == null ? 0 : q.size();
    }

    /**
     * The queue, made by the first caller that offers (under {@link #starting}, once). A plain
     * double-checked read: every later offer pays one volatile read, as before it paid the field's.
     */
    private MpscChunkedVarHandleArrayQueue<Op> queueForOffer() {
        MpscChunkedVarHandleArrayQueue<Op> q = queue;
        if (q != null) {
            return q;
        }
        starting.lock();
        try {
            q = queue;
            if (q == null) {
                q = new MpscChunkedVarHandleArrayQueue<>(QUEUE_CHUNK, QUEUE_CAPACITY);
                queue = q;
            }
            return q;
        } finally {
            starting.unlock();
        }
    }

    /** The error that stopped writes, or null. */
    IOException failure() {
        return failure;
    }

    <T> CompletableFuture<T> submit(Op op) {
        @SuppressWarnings("unchecked")
        CompletableFuture<T> f = (CompletableFuture<T>) op.done();
        if (!accepting) {
            f.completeExceptionally(new IllegalStateException("stream '" + name + "' is closed"));
            return f;
        }
        java.util.function.Consumer<Op> hook = beforeOffer;
        if (hook != null) {
            hook.accept(op);
        }
        MpscChunkedVarHandleArrayQueue<Op> q = queueForOffer();
        int spins = 0;
        while (!q.offer(op)) {
            // Full queue: the writer is behind; wake it and back off (publishers block, they never drop).
            LockSupport.unpark(thread);
            if (++spins < 100) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(50_000);
            }
        }
        // NOTE: the writer sets sleeping before its last look at the queue, and the offer above is
        // a full fence, so either the writer sees the op or this thread sees sleeping and wakes it;
        // the same for a run that ends (letGo): it sees the op or this thread starts the next run.
        wake(op instanceof Stop);
        if (ended) {
            failOrphans();
        }
        return f;
    }

    /**
     * NOTE: a close can stop the writer between a caller's look at {@code accepting} and its offer,
     * after the writer's last drain, and the op would then wait for ever (seen under load in
     * StreamRulesTest's close-while-publishing). The writer sets {@link #ended} and then drains once
     * more; a caller offers and then reads {@code ended}. Both are fenced, so either that last drain
     * sees the op or the caller sees {@code ended} and fails what is left itself. Those drains take
     * {@link #orphans}: the queue has a single consumer.
     */
    private void failOrphans() {
        orphans.lock();
        try {
            drainAfterStop();
        } finally {
            orphans.unlock();
        }
    }

    /** Test seam: {@code hook} sees every op after its {@code accepting} check, before its offer. */
    void beforeOffer(java.util.function.Consumer<Op> hook) {
        beforeOffer = hook;
    }

    /** The thread of the writer's run now, or of its last one (null before its first), for tests that check it ended. */
    Thread thread() {
        return thread;
    }

    /** Whether a run holds the writer now (a thread runs it, or is about to). Any thread, for tests. */
    boolean running() {
        return run.get() == RUNNING;
    }

    /** Threads started for the writer's runs so far. Any thread, for tests. */
    long runsStarted() {
        return runsStarted.get();
    }

    /** Stops accepting, lets the writer finish what is queued, sync and write index.db, and waits for it. */
    void stop() throws InterruptedException {
        requestStop();
        awaitStop();
    }

    /**
     * Stops accepting and asks the writer to finish what is queued, sync and write index.db, without
     * waiting for it ({@link #awaitStop}): a store's close asks every writer first, so that they
     * do their last writes at once instead of one after the other.
     */
    void requestStop() {
        if (!prepared) {
            return;
        }
        // A run is started by the submit if none goes (on a virtual thread: it only stops the writer).
        submit(new Stop(new CompletableFuture<>()));
        accepting = false;
    }

    /**
     * Waits for the writer's last run to end after {@link #requestStop}.
     * NOTE: the run joined may have let the writer go just before the stop came, and the run that
     * takes the stop may be started by another caller's offer a moment later: joined until the run
     * that ended the writer ({@link #ended}) is the one joined.
     */
    void awaitStop() throws InterruptedException {
        if (!prepared) {
            return;
        }
        while (true) {
            Thread t = thread;
            if (t != null) {
                t.join();
            }
            if (ended && thread == t) {
                return;
            }
            if (thread == t) {
                // Between a run's start (RUNNING) and its thread's assignment: a moment.
                Thread.sleep(1);
            }
        }
    }

    private void run() {
        owner = Thread.currentThread();
        try {
            loop();
        } catch (Throwable t) {
            // NOTE: anything thrown out of the loop (a bug, an Error from a commit listener, out of
            // memory) ends this thread; what it holds, what is queued and what is offered later then
            // fails instead of waiting for ever for a writer that is gone. Out of memory, naming the
            // failure can fail again (its text, the log line): the refusal made when the writer was
            // built stands in, so that the waiting callers are still told. Until 2026-12 that second
            // error left the thread first: with -Xmx32m and four publishers of 1 MiB messages the
            // publishers waited for ever while the process printed its progress.
            JetStreamApiException failed = refusalOutOfMemory;
            try {
                fail(new IOException("writer failed: " + t, t));
                failed = JetStreamApiException.storeFailed(failure.getMessage());
            } catch (OutOfMemoryError again) {
                if (failure == null) {
                    failure = failureOutOfMemory;
                }
            }
            try {
                List<Op> held = batch;
                completeAll(held == null ? List.of() : held, failed);
                closeTail();
            } finally {
                run.set(ENDED);
                ended = true;
                failOrphans();
            }
            throw t;
        }
    }

    /** Fails what the writer holds: the batch it was in, the acks waiting for a sync, the checkpoints. */
    private void completeAll(List<Op> batch, JetStreamApiException failed) {
        for (Op op : batch) {
            op.done().completeExceptionally(failed);
        }
        for (Pending p : pending) {
            p.future().completeExceptionally(failed);
        }
        for (Checkpoint c : checkpoints) {
            c.done().completeExceptionally(failed);
        }
    }

    /**
     * One run: batches while operations come, timers as they fall due, parked while the next timer
     * is within {@link #IDLE_HORIZON}; over once the stream is idle (nothing queued, its tail let go,
     * no timer within the horizon), a ring asked for its next timer, or once it stopped.
     */
    private void loop() {
        if (!leftoversChecked) {
            leftoversChecked = true;
            removeLeftoverTemps();
        }
        catchUpIdleSyncs(System.nanoTime());
        List<Op> batch = null;
        AddTo addTo = null;
        while (true) {
            if (batch == null) {
                batch = new ArrayList<>();
                addTo = new AddTo(batch);
                this.batch = batch;
            }
            batch.clear();
            // Cleared before the timers are looked at: a ring after this is seen by letGo.
            rang = false;
            MpscChunkedVarHandleArrayQueue<Op> q = queue;
            if (q != null) {
                q.drain(addTo, MAX_BATCH);
            }
            if (batch.isEmpty()) {
                timers();
                if (tail.heldBytes() == 0) {
                    // Idle, its tail let go: the batch's array (grown up to MAX_BATCH slots) goes too.
                    batch = null;
                    this.batch = null;
                }
                sleeping = true;
                // NOTE: read again after sleeping is set: the first offer makes the queue, then offers,
                // then reads sleeping (all fenced), so a queue made meanwhile is seen here or the offer wakes us.
                q = queue;
                if ((q == null || q.isEmpty()) && !rang) {
                    long now = System.nanoTime();
                    long next = nextDue();
                    if (tail.heldBytes() == 0 && (next == Long.MAX_VALUE || next - now > idleHorizon)) {
                        // Idle: the thread goes, a ring comes for the next timer.
                        sleeping = false;
                        alarm(next);
                        if (letGo()) {
                            return;
                        }
                        continue;
                    }
                    // A failed writer has no timers left (timers() returns at once): it waits for ops only,
                    // where it woke every millisecond for an age check that never moved on.
                    long due = failure != null ? Long.MAX_VALUE : Math.min(Math.min(nextSyncNanos, nextAgeCheckNanos), tailReleaseDue());
                    LockSupport.parkNanos(due == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1_000_000L, due - now));
                }
                sleeping = false;
                continue;
            }
            if (process(batch)) {
                drainAfterStop();
                run.set(ENDED);
                ended = true;
                failOrphans();
                return;
            }
            // The batch may have stored a stream's first message, removed its oldest or changed max_age.
            long now = System.nanoTime();
            nextAgeCheckNanos = Math.min(nextAgeCheckNanos, ageCheckAfter(now));
            if (tail.takeUsed()) {
                tailUsedNanos = now;
            }
            // A writer that never runs out of work must still sync at its interval and expire by age.
            if (System.nanoTime() >= Math.min(nextSyncNanos, nextAgeCheckNanos)) {
                timers();
            }
            if (Thread.currentThread().isVirtual()) {
                // A ring's run (virtual) was offered operations: the stream is being written, and its
                // writer goes on on a platform thread (the publish rows lost a fifth on virtual ones).
                handOffToPlatform();
                return;
            }
        }
    }

    /**
     * Ends this run's thread and goes on on a platform one, the writer held (RUNNING) throughout:
     * nothing of it is touched here after the new thread's start, which orders everything before.
     */
    private void handOffToPlatform() {
        this.batch = null;
        owner = null;
        startRun(false);
    }

    /**
     * At a run's start: the interval syncs that fell due while no run held the writer found {@code
     * index.db} current (or a ring would have come for them), so the next is moved past now, on the
     * interval's beat. Left behind, it would make the first batch of the run sync and look at {@code
     * index.db} at once.
     */
    private void catchUpIdleSyncs(long now) {
        if (indexDbCurrent && now >= nextSyncNanos) {
            long interval = options.syncInterval().toNanos();
            nextSyncNanos += ((now - nextSyncNanos) / interval + 1) * interval;
        }
    }

    /**
     * Before the first operation: the temp files a kill left in the stream's directories go
     * ({@link LeftoverTempFiles}). One that cannot be removed is left: it only takes space, and the
     * next start tries again.
     */
    private void removeLeftoverTemps() {
        try {
            LeftoverTempFiles.remove(streamDir, state.msgsDir());
        } catch (IOException | RuntimeException e) {
            // Nothing the stream needs depends on it (see above).
        }
    }

    /** @return true when the batch held a stop */
    private boolean process(List<Op> batch) {
        Stop stop = null;
        boolean flush = false;
        int publishes = 0;
        long bytesBefore = state.bytes();
        long[] enqueued = new long[batch.size()];
        long syncNanos = 0;
        boolean syncedAll = false;
        long now = wallNanos();
        dedupe.expire(now);
        for (Op op : batch) {
            if (failure != null) {
                // A failed writer still ends on a stop: refused with the rest, stop() joined it for ever.
                if (op instanceof Stop s) {
                    stop = s;
                } else {
                    op.done().completeExceptionally(JetStreamApiException.storeFailed(failure.getMessage()));
                }
                continue;
            }
            try {
                // An instanceof chain, not a pattern switch over the sealed Op: a fresh JVM's first
                // such switch builds a class at run time (SwitchBootstraps), ~6 ms on the first
                // stream's way (package-info). The last branch is the only Op left.
                if (op instanceof Publish p) {
                    refuseWhileOverlapping();
                    long last = state.lastSeq();
                    publish(p, now);
                    if (state.lastSeq() != last) {
                        enqueued[publishes++] = p.enqueuedNanos();
                    }
                } else if (op instanceof Delete d) {
                    delete(d);
                } else if (op instanceof Erase e) {
                    erase(e);
                } else if (op instanceof Purge p) {
                    purge(p);
                } else if (op instanceof Update u) {
                    update(u);
                    // Its config was checked against every other stream's by updateStream (10065).
                    overlaps = null;
                } else if (op instanceof Flush f) {
                    flush = true;
                    hold(f.done(), null);
                } else if (op instanceof Checkpoint c) {
                    if (state.store().keys().encrypted()) {
                        // The point's files are ciphertext; a backup must be plaintext, as the server's snapshot is.
                        throw new UnsupportedOperationException("stream '" + name + "' is encrypted: export from an open runtime "
                                + "copies files as they are; close the runtime and use jetstart export --key, which decrypts");
                    }
                    flush = true;
                    checkpoints.add(c);
                } else if (op instanceof Stop s) {
                    stop = s;
                } else {
                    release((Release) op);
                }
            } catch (JetStreamApiException | IllegalArgumentException | UnsupportedOperationException e) {
                // Refused before anything was laid out: the state is unchanged.
                op.done().completeExceptionally(e);
            } catch (IOException | StoreException | InterruptedException | RuntimeException e) {
                failOn(e);
                // Its own caller too, not only the later ones: a publish whose tail could not be read
                // back (TailBlock.reload) waited for ever for an ack.
                op.done().completeExceptionally(JetStreamApiException.storeFailed(failure.getMessage()));
            }
        }
        if (failure == null) {
            try {
                if (limitsDue) {
                    limitsDue = false;
                    state.applyLimitsAfterStore(this::tombstone);
                }
                tail.flush();
                if (options.sync() == SyncPolicy.ALWAYS || flush || stop != null) {
                    long t0 = System.nanoTime();
                    tail.sync();
                    syncNanos = System.nanoTime() - t0;
                    syncedAll = true;
                }
                reclaim.reclaim(flush || stop != null);
                boolean indexDbWritten = false;
                if (flush || stop != null) {
                    reclaim.compact();
                    indexDbWritten = indexDb.tryWrite(tail);
                    if (!indexDbWritten && flush) {
                        // The blocks are synced, but the flush promised index.db too: its callers hear
                        // why (completePending's complete is then a no-op for them); the stream goes on.
                        for (Op op : batch) {
                            if (op instanceof Flush f) {
                                f.done().completeExceptionally(JetStreamApiException.storeFailed(indexDb.failure().getMessage()));
                            }
                        }
                    }
                }
                indexDbCurrent = indexDbWritten;
                view = state.view(new CommittedLength());
            } catch (IOException | StoreException | InterruptedException | RuntimeException e) {
                failOn(e);
            }
        }
        purger.tellPurges(failure == null);
        takeCheckpoints();
        long batchBytes = Math.max(0, state.bytes() - bytesBefore);
        if (publishes > 0 && failure == null) {
            // Told before the acks complete (the batch is durable per policy already), so whoever
            // sees an ack also sees it counted.
            long done = System.nanoTime();
            long[] latencies = new long[publishes];
            for (int i = 0; i < publishes; i++) {
                latencies[i] = done - enqueued[i];
            }
            listener.batchCommitted(new CommitListener.CommittedBatch(state.store().account(), name, publishes, batchBytes,
                    state.lastSeq(), syncNanos, latencies, queued()));
        }
        if (syncedAll && failure == null) {
            reportSynced();
        }
        completePending();
        if (stop != null) {
            closeTail();
            stop.done().complete(null);
            return true;
        }
        return false;
    }

    /**
     * Only publishes: a removal from a stream nats-server may leave unloaded loses nothing, and
     * the consumers' acks (releases) must go on.
     */
    private void refuseWhileOverlapping() throws InterruptedException {
        if (overlaps == null) {
            return;
        }
        String why = overlaps.refusal();
        if (why == null) {
            if (overlaps.settled()) {
                overlaps = null;
            }
            return;
        }
        throw new JetStreamApiException(400, 10065, why);
    }

    private void publish(Publish p, long now) throws IOException {
        StreamRules c = rules;
        if (c.sealed()) {
            throw JetStreamApiException.sealed();
        }
        if (!matched.contains(p.subject())) {
            // NOTE: a subject index.db cannot hold (a..b, a.b., spaces) once passed here, was stored, and
            // then failed the writer's next index.db write, stopping every later write to the stream.
            if (!SubjectFilters.storable(p.subject())) {
                throw new IllegalArgumentException("subject '" + p.subject() + "' is not a valid publish subject");
            }
            if (!subjects.matches(p.subject())) {
                throw new IllegalArgumentException("subject '" + p.subject() + "' does not match the subjects of stream '" + name + "'");
            }
            if (matched.size() >= 65_536) {
                matched.clear();
            }
            matched.add(p.subject());
        }
        // nats-server's max_payload counts what a client sends, headers and payload together
        // (an HPUB's total size), so a message the server would refuse is refused here too.
        long sent = (long) p.hdr().length + p.payload().length;
        if (sent > options.maxPayload()) {
            throw new IllegalArgumentException("maximum payload exceeded (" + sent + " > " + options.maxPayload() + ")");
        }
        // The sizes before any header check, the duplicate window included: nats-server 2.15.1 answers 10054
        // for a message over max_msg_size whatever its headers say (RuntimeCornersIT).
        long maxMsgSize = c.maxMsgSize();
        int size = p.hdr().length + p.payload().length;
        if (maxMsgSize > 0 && size > maxMsgSize) {
            throw JetStreamApiException.messageTooLarge();
        }
        if (p.hdr().length > 0xffff) {
            throw JetStreamApiException.headerTooLarge();
        }
        Headers h = p.headers();
        String msgId = h.first(Headers.MSG_ID).orElse("");
        String expStream = h.first(Headers.EXPECTED_STREAM).orElse("");
        if (!expStream.isEmpty() && !expStream.equals(name)) {
            throw JetStreamApiException.notMatch();
        }
        // Streams that take no TTLs refuse a message carrying one (the server's 10166, only for a TTL
        // that parsed to non-zero: an unreadable one is 10165 further down, on every stream).
        long ttl = HeaderValues.ttlSeconds(h.first(Headers.TTL).orElse(""));
        if (ttl != 0 && !c.allowMsgTtl()) {
            throw JetStreamApiException.ttlDisabled();
        }
        // Per-subject expectation first, then the stream's, as nats-server 2.15 answers (RuntimeModelIT).
        checkExpectedLastSubjectSequence(p.subject(), h);
        String expLast = h.first(Headers.EXPECTED_LAST_SEQ).orElse("");
        if (!expLast.isEmpty() && HeaderValues.parseSeq(expLast) != state.lastSeq()) {
            throw JetStreamApiException.wrongLastSequence(state.lastSeq());
        }
        // The expectations are checked before the duplicate window, as nats-server 2.15 does (RuntimeModelIT),
        // all but the last msg id's, which comes after it: a duplicate is acked whatever that header says (RuntimeCornersIT).
        if (!msgId.isEmpty()) {
            long dup = dedupe.seqOf(msgId, now);
            if (dup > 0) {
                hold(p.done(), new PublishAck(name, dup, true));
                return;
            }
        }
        String expLastId = h.first(Headers.EXPECTED_LAST_MSG_ID).orElse("");
        if (!expLastId.isEmpty() && !expLastId.equals(dedupe.lastMsgId())) {
            throw JetStreamApiException.wrongLastMsgId(dedupe.lastMsgId());
        }
        // The rollup last of the header checks, its value in any case (the server's getRollup lowers it).
        String rollup = h.first(Headers.ROLLUP).orElse("").toLowerCase(java.util.Locale.ROOT);
        if (!rollup.isEmpty()) {
            if (!c.allowRollup() || c.denyPurge()) {
                throw JetStreamApiException.rollupFailed("rollup not permitted");
            }
            if (!rollup.equals("sub") && !rollup.equals("all")) {
                throw JetStreamApiException.rollupFailed("rollup value invalid: \"" + rollup + "\"");
            }
        }
        // A Nats-TTL the server cannot read (text, under a second, "0", "-1") is 10165 after the header checks
        // and before the limits; not for a message an interest stream drops, the server returning before it reads it.
        if (!HeaderValues.ttlReadable(h.first(Headers.TTL).orElse(""))) {
            java.util.function.Predicate<String> i = interest;
            if (i == null || i.test(p.subject())) {
                throw JetStreamApiException.ttlInvalid();
            }
        }
        byte[] hdr = p.hdr();
        if (ttl > 0 && c.markers() && c.maxMsgsPerSubject() != 1 && ttl < c.markerTtlSeconds()) {
            // As the server (stream.go: processJetStreamMsg): a TTL below the marker's is raised to it and
            // the header rewritten, so that the message cannot expire under a marker still live for its
            // subject; with one message per subject there is no such marker to outlive.
            ttl = c.markerTtlSeconds();
            hdr = SubjectDeleteMarkers.raisedTtl(hdr, ttl);
        }
        int rl = io.jetstart.core.format.Records.messageLength(p.subjectBytes().length, hdr.length, p.payload().length);
        if (c.discardNew()) {
            boolean atSubjectLimit = false;
            long perSubject = c.maxMsgsPerSubject();
            if (perSubject > 0 && state.subjectTotal(p.subject()) >= perSubject) {
                // A rollup passes: it purges the subject's older messages once stored (nats-server's storeRawMsg).
                if (c.discardNewPerSubject() && rollup.isEmpty()) {
                    throw JetStreamApiException.storeFailed("maximum messages per subject exceeded");
                }
                atSubjectLimit = true;
            }
            if (c.maxMsgs() > 0 && state.messages() >= c.maxMsgs() && !atSubjectLimit) {
                throw JetStreamApiException.storeFailed("maximum messages exceeded");
            }
            // Record sizes, not payload sizes, and only beyond the limit, as nats-server 2.14+ counts
            // them (its storeRawMsg since 8311cde; RuntimeModelIT).
            if (c.maxBytes() > 0 && state.bytes() + rl > c.maxBytes()) {
                // At the subject's limit the new message replaces the subject's oldest: allowed unless
                // that one is smaller (nats-server: sizeForSeq(fseq) < the new record refuses).
                long replaced;
                try {
                    replaced = atSubjectLimit ? state.firstRecordLengthOf(p.subject()) : 0;
                } catch (StoreException | InterruptedException e) {
                    throw new IOException("cannot read the first message of subject " + p.subject() + ": " + e.getMessage(), e);
                }
                if (!atSubjectLimit || replaced < rl) {
                    throw JetStreamApiException.storeFailed("maximum bytes exceeded");
                }
            }
        }
        long seq = state.lastSeq() + 1;
        long ts = Math.max(now, state.lastTs());
        ensureRoom(rl);
        tail.appendMessage(seq, ts, p.subjectBytes(), hdr, p.payload());
        state.appended(seq, ts, p.subject(), rl);
        if (ttl > 0) {
            // Counted into the block (index.db's ttls) and timed, as the server's storeRawMsg does; "never"
            // (-1) is neither: it only keeps the message from max_age (expireByAgeKeepingNever).
            state.ttlAppended();
            ttls.add(seq, TtlExpiry.expiresAt(ts, ttl));
        }
        if (c.allowMsgTtl() && c.maxAgeNanos() > 0 && ageDueWall == Long.MAX_VALUE) {
            ageDueWall = ts + c.maxAgeNanos();
        }
        if (!msgId.isEmpty()) {
            dedupe.stored(msgId, seq, ts);
        }
        // Every stored message sets the last msg id, "" when it has none (the server's mset.lmsgId = msgId).
        dedupe.lastMsgId(msgId);
        if (!rollup.isEmpty()) {
            // The server's order: the limits as after any store (storeRawMsg: at max_msgs with discard
            // old the stream's oldest goes), then the rollup's purge (processJetStreamMsg, after the store).
            if (limitsDue || c.hasLimits()) {
                limitsDue = false;
                try {
                    state.applyLimitsAfterStore(this::tombstone);
                } catch (StoreException | InterruptedException e) {
                    throw new IOException("cannot apply the stream's limits: " + e.getMessage(), e);
                }
            }
            // As the server: a purge keeping only this message, of its subject or of the stream. The server
            // purges on the subject as a filter, so a message on a literal 'a.*' rolls up all of a.* (RuntimeCornersIT).
            boolean all = rollup.equals("all");
            String subject = p.subject();
            SubjectFilter asFilter = subject.indexOf('*') >= 0 || subject.indexOf('>') >= 0 ? new SubjectFilter(List.of(subject)) : null;
            try {
                long[] lowest = {0};
                long removed = state.remove((q, qts, qs, qrl) -> {
                    if (q >= seq) {
                        return StreamStore.Decision.STOP;
                    }
                    if (all || (asFilter == null ? qs.equals(subject) : asFilter.matches(qs))) {
                        if (lowest[0] == 0) {
                            lowest[0] = q;
                        }
                        return StreamStore.Decision.REMOVE;
                    }
                    return StreamStore.Decision.KEEP;
                }, this::tombstone);
                // The server's rollup is a purge keeping 1, by subject or of the stream: both by subject in its store.
                purger.purged(all ? "" : subject, true, removed, lowest[0], all ? 0 : seq);
            } catch (StoreException | InterruptedException e) {
                throw new IOException("cannot roll up: " + e.getMessage(), e);
            }
        }
        dropWithoutInterest(p, seq);
        limitsDue |= c.hasLimits();
        // Discard new with a per-subject limit decides the next publish on the counts after this one's removal.
        if (limitsDue && c.discardNew() && c.maxMsgsPerSubject() > 0
                && state.subjectTotal(p.subject()) > c.maxMsgsPerSubject()) {
            limitsDue = false;
            try {
                state.applyLimitsAfterStore(this::tombstone);
            } catch (StoreException | InterruptedException e) {
                throw new IOException("cannot apply the stream's limits: " + e.getMessage(), e);
            }
        }
        hold(p.done(), new PublishAck(name, seq, false));
    }

    /**
     * {@code Nats-Expected-Last-Subject-Sequence}, checked against the last sequence of the subject
     * {@code Nats-Expected-Last-Subject-Sequence-Subject} names (2.12+; wildcards allowed, as the
     * server's LoadLastMsg), else of the message's own subject. The subject header alone is 10193.
     */
    private void checkExpectedLastSubjectSequence(String subject, Headers h) throws IOException {
        String expected = h.first(Headers.EXPECTED_LAST_SUBJECT_SEQ).orElse("");
        String other = h.first(Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT).orElse("");
        if (expected.isEmpty()) {
            if (!other.isEmpty()) {
                throw JetStreamApiException.expectedLastSeqPerSubjectInvalid();
            }
            return;
        }
        String checked = other.isEmpty() ? subject : other;
        long actual;
        try {
            actual = lastSeqMatching(checked);
        } catch (StoreException | InterruptedException e) {
            throw new IOException("cannot read the last message of subject " + checked + ": " + e.getMessage(), e);
        }
        if (HeaderValues.parseSeq(expected) != actual) {
            throw JetStreamApiException.wrongLastSequence(actual);
        }
    }

    /** The last live sequence on {@code subject} (a filter when it has wildcards), 0 when none. */
    private long lastSeqMatching(String subject) throws StoreException, InterruptedException {
        boolean wildcard = false;
        for (String token : subject.split("\\.", -1)) {
            wildcard |= token.equals("*") || token.equals(">");
        }
        if (!wildcard) {
            return state.lastSeqOf(subject);
        }
        SubjectFilter filter = new SubjectFilter(List.of(subject));
        long[] last = {0};
        // A scan of the live messages: rare (a wildcard expectation), and the writer has no per-filter index.
        state.forEachLive(state.firstSeq(), (seq, ts, s, buf, ho, hl, po, pl, rl) -> {
            if (filter.matches(s)) {
                last[0] = seq;
            }
            return true;
        });
        return last[0];
    }

    /** A delete's and an erase's refusals, as the server's: a sealed stream, then {@code deny_delete}. */
    private void requireDeletable() {
        StreamRules c = rules;
        if (c.sealed()) {
            throw JetStreamApiException.sealed();
        }
        if (c.denyDelete()) {
            throw JetStreamApiException.deleteFailed("message delete not permitted");
        }
    }

    private void delete(Delete d) throws IOException, StoreException, InterruptedException {
        requireDeletable();
        long seq = d.seq();
        boolean outside = state.messages() == 0 || seq < state.firstSeq() || seq > state.lastSeq();
        if (!state.removeOne(seq, this::tombstone)) {
            // As nats-server's removeMsg (checked by RuntimeModelIT against 2.15): outside the stream's
            // range the store's error (10057), inside it "sequence not found" (10043).
            if (outside) {
                throw JetStreamApiException.deleteFailed(seq > state.lastSeq() ? "stream store EOF" : "no message found");
            }
            throw new JetStreamApiException(400, 10043, "sequence " + seq + " not found");
        }
        hold(d.done(), Boolean.TRUE);
    }

    /**
     * Secure erase: the checks and errors of a delete, then the tombstone (laid out, written and
     * synced first, as the server writes it before erasing), then the record overwritten with its
     * erased form, the block replaced atomically ({@link SecureErase}; a sealed block compressed
     * again when the stream asks for it). The record is found before anything changes, so a block
     * erase cannot rewrite (encrypted, or compressed and damaged) is refused with the message still there.
     */
    private void erase(Erase e) throws IOException, StoreException, InterruptedException {
        requireDeletable();
        long seq = e.seq();
        long blockIndex = state.blockIndexOf(seq);
        if (blockIndex == 0) {
            delete(new Delete(seq, e.done()));
            return;
        }
        if (eraser == null) {
            eraser = new SecureErase(name);
        }
        tail.flush();
        boolean inTail = blockIndex == tail.index;
        Path msgs = state.msgsDir();
        byte[] content = inTail ? tail.bytes() : eraser.readSealedBlock(state, msgs, blockIndex);
        int length = inTail ? tail.length() : content.length;
        Path file = msgs.resolve(blockIndex + ".blk");
        SecureErase.Location at = eraser.locate(file, blockIndex, content, length, seq);
        if (!state.removeOne(seq, this::tombstone)) {
            throw new IllegalStateException("message " + seq + " was live and could not be removed");
        }
        tail.flush();
        tail.sync();
        // The tombstone may have rolled the tail: the erased record is then in a sealed block.
        if (inTail && blockIndex == tail.index) {
            eraser.overwrite(tail.bytes(), at, seq);
            tail.replaceFileAtomically();
        } else {
            // A sealed block (or the tail the tombstone rolled past, which compressSealed may have
            // compressed meanwhile): written as the server writes a block before the last.
            if (inTail) {
                content = java.util.Arrays.copyOf(content, length);
            }
            eraser.overwrite(content, at, seq);
            SecureErase.replace(file, SecureErase.sealedFile(state.config(), content, length));
        }
        hold(e.done(), Boolean.TRUE);
    }

    private void purge(Purge p) throws IOException, StoreException, InterruptedException {
        StreamRules c = rules;
        if (c.sealed()) {
            throw JetStreamApiException.sealed();
        }
        if (c.denyPurge()) {
            throw JetStreamApiException.purgeFailed("stream purge not permitted");
        }
        hold(p.done(), purger.purge(p.request()));
    }

    /** Interest/work-queue removals: a tombstone for each message still there, nothing for one already gone. */
    private void release(Release r) throws StoreException, InterruptedException {
        long removed = 0;
        for (long seq : r.seqs()) {
            if (state.isLive(seq) && state.removeOne(seq, this::tombstone)) {
                removed++;
            }
        }
        hold(r.done(), removed);
    }

    /**
     * Interest retention: a message no consumer is interested in is not kept (nats-server skips it,
     * {@code SkipMsgNoInterest}); here it is written and at once removed with a tombstone, which
     * leaves the same stream state.
     */
    private void dropWithoutInterest(Publish p, long seq) throws IOException {
        java.util.function.Predicate<String> i = interest;
        if (i == null || i.test(p.subject())) {
            return;
        }
        try {
            state.removeOne(seq, this::tombstone);
        } catch (StoreException | InterruptedException e) {
            throw new IOException("cannot drop a message without interest: " + e.getMessage(), e);
        }
    }

    /** Set for interest streams: does any consumer want a message on this subject? */
    void interest(java.util.function.Predicate<String> interest) {
        this.interest = interest;
    }

    /**
     * A config change, its limits applied at once as nats-server's UpdateConfig does (the stream's
     * limits before each subject's, as at open); the publishes before it in this batch had theirs
     * applied first, under the config they were stored with.
     */
    private void update(Update u) throws IOException, StoreException, InterruptedException {
        if (limitsDue) {
            limitsDue = false;
            state.applyLimitsAfterStore(this::tombstone);
        }
        try {
            MetaFiles.writeStream(streamDir, name, sealing.metaInf(u.metaInf()));
        } catch (java.nio.channels.ClosedByInterruptException | java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            // Replaced atomically or not at all: nothing of the update is in effect, on disk or here,
            // so it fails alone (10069, the server's stream update error) and the stream goes on
            // with its old config. It stopped the writer for good (a full disk at an update).
            throw new JetStreamApiException(500, 10069, e.getMessage());
        }
        state.useConfig(u.config());
        subjects = new SubjectFilter(u.config().subjects());
        matched.clear();
        boolean hadTtls = rules.allowMsgTtl();
        rules = StreamRules.of(u.config());
        // max_age may have changed: the next age check looks from the first message again.
        ageDueWall = state.messages() > 0 ? state.firstTs() + rules.maxAgeNanos() : Long.MAX_VALUE;
        if (!hadTtls && rules.allowMsgTtl()) {
            // As the server's UpdateConfig (recoverPerMessageState): TTLs are timed from now on.
            rebuildTtls();
        }
        dedupe.window(StreamDefinitions.duplicateWindow(u.config()));
        state.applyLimits(this::tombstone);
        hold(u.done(), null);
    }

    /**
     * A removal's tombstone, in the tail (nats-server writes it into the last block, rolling if needed).
     * A tombstone that would begin a block follows a skip record of the stream's last sequence: a
     * rebuild (no {@code index.db}) then starts the block at last + 1, after every earlier block,
     * instead of at its lowest tombstone + 1, below their messages. nats-server 2.10.27 finds a
     * block by binary search over the blocks in file order, taking their sequences to ascend; with
     * 33 blocks or more, one block of tombstones only below an earlier block's messages made its
     * rebuild apply no tombstone and serve no message after it (PurgeCrashIT). Such a block also
     * no longer pulls 2.10's first below the stream's ({@link RebuildFloor}).
     */
    private void tombstone(long seq, long ts, String subject, int rl) {
        try {
            ensureRoom(Records.EMPTY_RECORD_LENGTH);
            if (tail.length() == 0 && seq != state.lastSeq()) {
                tail.appendSkip(state.lastSeq(), state.lastTs());
            }
            tail.appendTombstone(seq, ts);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Rolls to a new block when {@code rl} more bytes would pass the block size (nats-server's rule). */
    private void ensureRoom(int rl) throws IOException {
        if (tail.fits(rl, blockSize)) {
            return;
        }
        roll();
    }

    /** Seals the tail (written and synced) and starts the next block. */
    private void roll() throws IOException {
        tail.flush();
        tail.sync();
        TailBlock next = sealing.newBlock(state.msgsDir(), name, TailBlock.nextIndex(state.msgsDir(), tail.index));
        TailBlock sealed = tail;
        reclaim.sealed(sealed.index, sealed.rebuildFloor());
        closeQuietly(tail);
        tail = next;
        state.startBlock(next.index);
        compressSealed(sealed);
    }

    /**
     * A block the writer rolled past, compressed when the stream's config asks (nats-server compresses
     * it then). A failed compression leaves the block as it was, whole and synced, which every reader
     * and server reads: the batch's records are on disk, so its acks must not fail for it (the server
     * ignores this error too: "Might error, but we can't handle it here anyway").
     */
    private void compressSealed(TailBlock sealed) {
        if (SealedBlockCompressor.wanted(state.config())) {
            try {
                SealedBlockCompressor.compress(sealed);
            } catch (IOException | RuntimeException e) {
                // Left uncompressed: AtomicFiles removed its temp file, the block is untouched.
            }
        }
    }

    /**
     * When the next age check is due (nanoTime), as of {@code now}: when the oldest message
     * expires (nats-server's expiry timer: {@code firstTs + maxAge}), at least 1 ms on and at most
     * {@link #AGE_CHECK_AT_MOST} (a wall clock that moved); none without {@code max_age} or
     * messages (a publish or a config update wakes the writer, and each batch asks again). Until
     * 2026-12 the writer woke every second for it, with or without {@code max_age}: 1,000 idle
     * streams, 1,000 wake-ups a second.
     */
    private long ageCheckAfter(long now) {
        long maxAge = rules.maxAgeNanos();
        long nextTtl = ttls.nextExpiry();
        boolean byAge = maxAge > 0 && state.messages() > 0 && (!rules.allowMsgTtl() || ageDueWall != Long.MAX_VALUE);
        if (!byAge && nextTtl == Long.MAX_VALUE) {
            return now + AGE_CHECK_AT_MOST;
        }
        long wall = wallNanos();
        long oldestDue = rules.allowMsgTtl() ? ageDueWall : state.firstTs() + maxAge;
        long until = byAge ? oldestDue - wall : AGE_CHECK_AT_MOST;
        if (nextTtl != Long.MAX_VALUE) {
            // The server's timer fires at the wheel's next expiry too (resetAgeChk).
            until = Math.min(until, nextTtl - wall);
        }
        return now + Math.clamp(until, TimeUnit.MILLISECONDS.toNanos(1), AGE_CHECK_AT_MOST);
    }

    /**
     * Removes every message whose TTL ran out, each with a tombstone, as the server's {@code
     * expireMsgs} does without subject delete markers ({@code removeMsg(seq, false, false, false)}:
     * not via limits, so a tombstone is written, and not refused by {@code deny_delete}).
     *
     * @return whether one was removed
     */
    private boolean expireTtls() throws StoreException, InterruptedException {
        ttls.forgetBelow(state.messages() == 0 ? state.lastSeq() + 1 : state.firstSeq());
        boolean removed = false;
        for (long seq : ttls.takeDue(wallNanos())) {
            removed |= state.removeOne(seq, this::tombstone);
        }
        return removed;
    }

    /**
     * The age check of a stream with per-message TTLs, as the server's {@code expireMsgs}: from the
     * first message on, while messages are older than {@code max_age}, each goes (with a tombstone,
     * as the writer's limits do) unless its {@code Nats-TTL} is {@code never}; the first younger one
     * sets when the next check is due ({@link #ageDueWall}). Old {@code never} messages are read again
     * at every check, as the server reads them. One read of the old blocks decides and removes
     * (core's removal by headers); until 2026-12 a first read found the {@code never} messages and a
     * second removed the others.
     *
     * @return whether one was removed
     */
    private boolean expireByAgeKeepingNever(long maxAge) throws StoreException, InterruptedException {
        ageDueWall = Long.MAX_VALUE;
        if (state.messages() == 0) {
            return false;
        }
        long minAge = wallNanos() - maxAge;
        return state.removeByHeaders((seq, ts, subject, buf, ho, hl, rl) -> {
            if (ts > minAge) {
                ageDueWall = ts + maxAge;
                return StreamStore.Decision.STOP;
            }
            return hl > 0 && io.jetstart.core.format.MessageTtl.seconds(buf, ho, hl) == io.jetstart.core.format.MessageTtl.NEVER
                    ? StreamStore.Decision.KEEP : StreamStore.Decision.REMOVE;
        }, this::tombstone) > 0;
    }

    /** Expired messages taken by one age check of a marker stream; a bigger backlog goes on at the next check, at once. */
    private static final int MARKER_CHECK_AT_MOST = 10_000;

    /** How long a subject's marker that was refused waits before it is tried again (the server's sdm pending time). */
    private static final long MARKER_RETRY_NANOS = 2_000_000_000L;

    /** A message an expiry takes: its subject, and whether it is a marker itself (no marker follows it). */
    private record Expired(long seq, String subject, boolean marker) {
    }

    /**
     * The expiry of a stream with {@code subject_delete_marker_ttl}, as the server's {@code expireMsgs}
     * with markers: first by {@code max_age} (from the first message while older, {@code never} kept),
     * then the TTLs that ran out, in sequence order. Each message that is the last of its subject and
     * not a marker itself is replaced by a marker ({@link #writeMarker}); the others go with a
     * tombstone ({@code rmcb}: the stream's removeMsg). A marker's own TTL expires it in turn, and no
     * marker follows a marker.
     *
     * @return whether anything was removed or written
     */
    private boolean expireWithMarkers(long maxAge) throws StoreException, InterruptedException {
        List<Expired> due = new ArrayList<>();
        long wall = wallNanos();
        ageDueWall = Long.MAX_VALUE;
        if (maxAge > 0 && state.messages() > 0) {
            long minAge = wall - maxAge;
            state.forEachLive(state.firstSeq(), (seq, ts, subject, buf, ho, hl, po, pl, rl) -> {
                if (ts > minAge) {
                    ageDueWall = ts + maxAge;
                    return false;
                }
                if (hl > 0 && io.jetstart.core.format.MessageTtl.seconds(buf, ho, hl) == io.jetstart.core.format.MessageTtl.NEVER) {
                    return true;
                }
                if (due.size() >= MARKER_CHECK_AT_MOST) {
                    ageDueWall = ts + maxAge;
                    return false;
                }
                due.add(new Expired(seq, subject, isMarker(buf, ho, hl)));
                return true;
            });
        }
        boolean changed = expireEach(due);
        if (due.stream().anyMatch(e -> state.isLive(e.seq()))) {
            // A refused marker's message is still there and old: the age check comes back for it.
            ageDueWall = Math.min(ageDueWall, markerRetryWall);
        }
        ttls.forgetBelow(state.messages() == 0 ? state.lastSeq() + 1 : state.firstSeq());
        List<Expired> byTtl = new ArrayList<>();
        for (long seq : ttls.takeDue(wall)) {
            state.forEachLive(seq, (q, ts, subject, buf, ho, hl, po, pl, rl) -> {
                if (q == seq) {
                    byTtl.add(new Expired(seq, subject, isMarker(buf, ho, hl)));
                }
                return false;
            });
        }
        changed |= expireEach(byTtl);
        for (Expired e : byTtl) {
            if (state.isLive(e.seq())) {
                ttls.add(e.seq(), markerRetryWall);
            }
        }
        return changed;
    }

    private boolean expireEach(List<Expired> due) throws StoreException, InterruptedException {
        boolean changed = false;
        long wall = wallNanos();
        for (Expired e : due) {
            if (!state.isLive(e.seq())) {
                continue;
            }
            // The server asks its per-subject totals (shouldProcessSdm): one left means this is the last.
            if (!e.marker() && state.subjectTotal(e.subject()) == 1) {
                if (wall < markerRetryWall) {
                    continue;
                }
                changed |= writeMarker(e);
            } else {
                changed |= state.removeOne(e.seq(), this::tombstone);
            }
        }
        return changed;
    }

    /**
     * Stores the marker for {@code e}'s subject through the publish path, as the server's {@code
     * pmsgcb} hands it to processJetStreamMsg: a new sequence at the current time, counted into the
     * stream's limits like any message, committed and told to listeners as a batch of its own; its
     * {@code Nats-Rollup: sub} then removes the expired message with a tombstone (marker first, then
     * the tombstone, as 2.15.1 writes them). A refused marker leaves the message, tried again after
     * {@link #MARKER_RETRY_NANOS}, as the server does.
     */
    private boolean writeMarker(Expired e) {
        byte[] hdr = SubjectDeleteMarkers.markerHeader(rules.markerTtlSeconds());
        Publish marker = new Publish(e.subject(), e.subject().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Headers.parse(hdr, 0, hdr.length), hdr, new byte[0], new CompletableFuture<>());
        long before = state.lastSeq();
        process(List.of(marker));
        if (state.lastSeq() == before) {
            markerRetryWall = wallNanos() + MARKER_RETRY_NANOS;
            return false;
        }
        return true;
    }

    /**
     * Stores the markers of {@code subjects}, whose last message expired while the store was closed
     * (core's StartUpExpiry), before the writer takes anything else, as the server's first age check
     * after its start proposes them. The open kept each such message, live, as the server does: the
     * marker's rollup removes it once stored, and a marker the stream refuses (discard new at a
     * limit, {@code max_msg_size}) leaves it, where the age check finds it again (old by {@code
     * max_age}, or in the TTL wheel {@link #rebuildTtls} filled) and tries after {@link
     * #MARKER_RETRY_NANOS}. Until 2026-12 the open removed it first, so a refused marker left
     * neither, and a full bucket found room for the marker that 2.15.1 does not (KvModelIT).
     */
    void writeStartUpMarkers(List<String> subjects) {
        for (String subject : subjects) {
            writeMarker(new Expired(0, subject, false));
        }
    }

    /** The server's isSubjectDeleteMarker ({@link io.jetstart.core.format.MessageTtl#isDeleteMarker}). */
    private static boolean isMarker(byte[] buf, int ho, int hl) {
        return hl > 0 && io.jetstart.core.format.MessageTtl.isDeleteMarker(buf, ho, hl);
    }

    private void timers() {
        if (failure != null) {
            return;
        }
        long now = System.nanoTime();
        try {
            if (now >= nextAgeCheckNanos) {
                long maxAge = rules.maxAgeNanos();
                boolean removed = false;
                if (rules.markers()) {
                    removed = expireWithMarkers(maxAge);
                } else if (maxAge > 0 && rules.allowMsgTtl()) {
                    removed = expireByAgeKeepingNever(maxAge);
                } else if (maxAge > 0 && state.messages() > 0 && state.firstTs() <= wallNanos() - maxAge) {
                    state.applyLimits(this::tombstone);
                    removed = true;
                }
                if (!rules.markers()) {
                    removed |= expireTtls();
                }
                if (removed) {
                    tail.flush();
                    if (options.sync() == SyncPolicy.ALWAYS) {
                        tail.sync();
                    }
                    indexDbCurrent = false;
                    reclaim.reclaim();
                    view = state.view(new CommittedLength());
                }
                nextAgeCheckNanos = ageCheckAfter(now);
            }
            if (now >= nextSyncNanos) {
                nextSyncNanos = now + options.syncInterval().toNanos();
                if (!indexDbCurrent) {
                    tail.flush();
                    tail.sync();
                    if (reclaim.reclaim()) {
                        view = state.view(new CommittedLength());
                    }
                    reclaim.compact();
                    indexDbCurrent = indexDb.tryWrite(tail);
                    reportSynced();
                }
            }
            releaseIdleTail(now);
        } catch (IOException | StoreException | InterruptedException | java.io.UncheckedIOException e) {
            failOn(e);
        }
    }

    /**
     * Lets the tail's bytes go once nothing used them for {@link #tailExpiry} (nats-server drops an
     * idle block's cache after {@code CacheExpire}); the next append or read of them reads the file
     * back. An idle writer wakes once more for it, then only for its other timers.
     */
    private void releaseIdleTail(long now) throws IOException {
        if (tail.takeUsed()) {
            tailUsedNanos = now;
        }
        if (tail.heldBytes() > 0 && now - tailUsedNanos >= tailExpiry) {
            tail.flush();
            tail.release();
        }
    }

    /** When the tail's bytes are due to go (nanoTime), or never while they are not held. */
    private long tailReleaseDue() {
        return tail.heldBytes() > 0 ? tailUsedNanos + tailExpiry : Long.MAX_VALUE;
    }

    /** Test seam: the tail's bytes go after {@code d} of idleness instead of {@link #TAIL_EXPIRY}; wakes the writer. */
    void tailExpiry(java.time.Duration d) {
        tailExpiry = d.toNanos();
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Test seam: a run ends when its next timer is further than {@code d} instead of {@link #IDLE_HORIZON}; wakes the writer. */
    void idleHorizon(java.time.Duration d) {
        idleHorizon = d.toNanos();
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Whether the queue was made (by a first offer): any thread, for tests. */
    boolean holdsQueue() {
        return queue != null;
    }

    /** Whether the writer holds a batch list now (not while idle with its tail let go): any thread, for tests. */
    boolean holdsBatch() {
        return batch != null;
    }

    /** Bytes of heap the tail block's content takes (0 once released): any thread. */
    int tailBytesHeld() {
        return tail.heldBytes();
    }

    /**
     * The export points asked in this batch, taken now that the batch is synced, {@code index.db}
     * written and the view published: every one of them sees exactly the state after the batch.
     * A point that cannot be taken fails alone (reading files does not change the stream).
     */
    private void takeCheckpoints() {
        if (checkpoints.isEmpty()) {
            return;
        }
        for (Checkpoint c : checkpoints) {
            if (failure != null) {
                c.done().completeExceptionally(JetStreamApiException.storeFailed(failure.getMessage()));
                continue;
            }
            try {
                byte[] index = indexDb.plain(tail);
                c.done().complete(StreamCheckpoint.take(streamDir, view, index, state.state()));
            } catch (IOException | RuntimeException e) {
                c.done().completeExceptionally(e);
            }
        }
        checkpoints.clear();
    }

    /**
     * Tells the listener that everything up to the last sequence is fsynced: called right after a
     * sync of the tail, every earlier block having been synced when the tail rolled past it.
     */
    private void reportSynced() {
        listener.synced(new CommitListener.SyncPoint(state.store().account(), name, state.lastSeq()));
    }

    /** Set for a writable stream: hears each purge ({@link StreamPurge}) once its batch is published. */
    void purgeListener(java.util.function.Consumer<StreamPurge> listener) {
        purger.listener(listener);
    }

    /** The writer's purges (its tests' hook). */
    StreamPurger purger() {
        return purger;
    }

    /** The writer's reclaim of blocks (its tests' hooks and counters). */
    BlockReclaim reclaim() {
        return reclaim;
    }

    private long committedLength(long blockIndex) {
        TailBlock t = tail;
        return t != null && t.index == blockIndex ? t.written() : -1;
    }

    @SuppressWarnings("unchecked")
    private void hold(CompletableFuture<?> f, Object value) {
        pending.add(new Pending((CompletableFuture<Object>) f, value));
    }

    private void completePending() {
        for (Pending p : pending) {
            if (failure != null) {
                p.future().completeExceptionally(JetStreamApiException.storeFailed(failure.getMessage()));
            } else {
                p.future().complete(p.value());
            }
        }
        pending.clear();
    }

    /**
     * Stops taking writes because of {@code e}, as the {@link IOException} every waiting caller gets:
     * I/O and store errors as they are, an interrupt as "writer interrupted", and anything else (a
     * bug) as "writer failed", so that no publisher waits forever.
     */
    private void failOn(Exception e) {
        fail(switch (e) {
            case IOException io -> io;
            case java.io.UncheckedIOException u -> u.getCause();
            case StoreException se -> new IOException(se.getMessage(), se);
            case InterruptedException ie -> new IOException("writer interrupted", ie);
            default -> new IOException("writer failed: " + e, e);
        });
    }

    private void fail(IOException e) {
        if (failure == null) {
            // An I/O error without a message (an interrupt's ClosedByInterruptException) is named by its
            // class: the message is the handle's READ_ONLY reason, every refused caller's text and the
            // log line below, where "writes stopped: null" told an operator nothing.
            failure = e.getMessage() != null ? e : new IOException(e.toString(), e);
            if (handOverInterrupted()) {
                // A start-up marker's write cut by a cancelled hand-over: no stream is served
                // (checkHandOverNotCancelled), so there is no stopped stream to tell an operator of.
                LOG.debug("{} > {}: hand-over cancelled: {}", state.store().account(), name, failure.getMessage());
                return;
            }
            // nats-server's "Critical write error": the one line an operator greps for when a stream
            // stops taking writes (its handle then says READ_ONLY, with this reason). The store's
            // resumeStream brings it back once there is room ("writes resumed" then), as a reopen does.
            String line = "{} > {}: writes stopped: {}; what was acknowledged is on disk; resumeStream (or a reopen of the store) "
                    + "writes again once the cause is gone";
            if (e.getCause() instanceof RuntimeException || e.getCause() instanceof Error) {
                // Not the disk: a defect, whose stack is the report.
                LOG.error(line, state.store().account(), name, failure.getMessage(), e);
            } else {
                LOG.error(line, state.store().account(), name, failure.getMessage());
            }
        }
    }

    private void drainAfterStop() {
        accepting = false;
        MpscChunkedVarHandleArrayQueue<Op> q = queue;
        if (q == null) {
            return;
        }
        Op op;
        while ((op = q.poll()) != null) {
            op.done().completeExceptionally(new IllegalStateException("stream '" + name + "' is closed"));
        }
    }

    private static final String OUT_OF_MEMORY = "writer failed: out of memory (java.lang.OutOfMemoryError)";

    /** A failure made ahead of its cause ({@link #failureOutOfMemory}): no stack walk when made. */
    private static final class MadeAhead extends IOException {
        MadeAhead(String message) {
            super(message);
        }

        @Override
        public Throwable fillInStackTrace() {
            return this;
        }
    }

    private void closeTail() {
        closeQuietly(tail);
    }

    private static void closeQuietly(TailBlock t) {
        try {
            t.close();
        } catch (IOException ignored) {
            // Closing a channel after its data was synced; nothing to recover.
        }
    }

    static long wallNanos() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
