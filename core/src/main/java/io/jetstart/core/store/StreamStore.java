package io.jetstart.core.store;

import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.meta.StreamConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One opened stream: its blocks, totals, per-subject index and lost data, in memory. The one model
 * of a stream: the recovery report, the runtime's reads and its writer all use this object.
 *
 * <p>Ownership has two phases. While recovering, {@link StreamOpener} builds it and
 * {@link RetentionLimits} and {@link ConsumerSettlement} edit it through {@link #remove}, all on the
 * stream's recovery thread. {@link #handOver} ends that phase: from then on the returned
 * {@link StreamMutator} is its only mutator (the stream's writer), every recovery-phase edit throws,
 * and other threads read what the writer publishes ({@link StreamMutator#view}). Reads blocks again
 * when a removal needs the subjects of the messages it removes; never writes a file itself.
 */
public final class StreamStore {
    final String account;
    final String name;
    final Path dir;
    final Path msgsDir;
    /** Replaced only by the writer, on a stream update. */
    StreamConfig config;
    /** Replaced once, at hand-over: recovery's context (its gate, its block work) ends with recovery. */
    StoreContext ctx;
    /** The stream's keys: plain unless its meta.key was opened with ctx.key() (set by StreamOpener). */
    StreamKeys keys = StreamKeys.PLAIN;
    final List<BlockState> blocks = new ArrayList<>();
    final Map<String, SubjectTotals> psim = new HashMap<>();
    final List<Problem> problems = new ArrayList<>();
    final TreeSet<Long> lostSeqs = new TreeSet<>();
    long lostBytes;
    boolean tracksSubjects;
    Source source = Source.REBUILT;
    long msgs;
    long bytes;
    long firstSeq;
    long firstTs;
    long lastSeq;
    long lastTs;
    long bytesRead;
    long recordsVerified;
    /**
     * The version in the header of the {@code index.db} the open read (opened first when sealed), or 0
     * when there was none or it was not one ({@link #indexDbVersion}).
     */
    int indexDbVersion;
    /** Whether the adopted {@code index.db} leaves out block files below its first block ({@link StreamMutator#blockFilesBelowFirst}). */
    boolean blockFilesBelowFirst;
    /**
     * Whether the adopted {@code index.db} names blocks that are gone (a line that checks only the
     * write block, {@link io.jetstart.core.lines.ServerLine#checksEveryIndexedBlock}): its state
     * counts messages no read finds, and a line that checks every block would have rebuilt.
     */
    boolean trustsMissingBlocks;
    /** Set once by {@link #handOver}; recovery-phase edits are refused after it. */
    private StreamMutator owner;
    /** What the start-up sweep removed for the writer to tombstone ({@link #removalsForWriter}); passed on at hand-over. */
    private StartUpRemovals forWriter = StartUpRemovals.NONE;
    /**
     * Subjects whose last message the start-up expiry found expired and kept for the writer, with
     * subject delete markers on ({@link StartUpExpiry}): the writer stores their markers (whose
     * rollups remove those messages), as the server's first age check does. Passed on at hand-over.
     */
    StartUpMarkers startUpMarkers = StartUpMarkers.NONE;
    /** Blocks whose deleted map or first sequence changed since the writer last published a view. */
    final java.util.Set<BlockState> touched = new java.util.HashSet<>();
    /** The writer's in-memory last block, read instead of the file (it may hold bytes not yet written). */
    TailSource tail;
    /** Goes straight to one record for a single removal; see {@link #removeOne}. */
    final RecordFinder finder = new RecordFinder();
    /** Records the removal walks visited (not single removals that found their record), for tests that count work. */
    long recordsWalkedByRemovals;

    StreamStore(String account, String name, Path dir, StreamConfig config, StoreContext ctx) {
        this.account = account;
        this.name = name;
        this.dir = dir;
        this.msgsDir = dir.resolve("msgs");
        this.config = config;
        this.ctx = ctx;
    }

    public String account() {
        return account;
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public StreamConfig config() {
        return config;
    }

    /** The stream's keys: plain unless its {@code meta.key} was opened with the operator's key. */
    public io.jetstart.core.crypto.StreamKeys keys() {
        return keys;
    }

    /**
     * The version in the header of the stream's {@code msgs/index.db} as the open found it, or 0 when
     * it had none or its first two bytes were no {@code index.db}'s: what the server line that wrote
     * the store reads back. For an encrypted stream the version byte is inside the seal
     * ({@code _writeFullState} seals the header with the body), so it is taken from the opened
     * body, or 0 when the seal did not open: never from the stored bytes, whose first are the nonce.
     * The open decodes the file anyway; a writer taking the stream over reads nothing more for it.
     */
    public int indexDbVersion() {
        return indexDbVersion;
    }

    public Source source() {
        return source;
    }

    /** Whether the state was adopted from an {@code index.db} that names blocks that are gone ({@link #trustsMissingBlocks}). */
    public boolean trustsMissingBlocks() {
        return trustsMissingBlocks;
    }

    public List<Problem> problems() {
        return Collections.unmodifiableList(problems);
    }

    /** Bytes of block files read while opening (0 on the fast path but for the last block's tail). */
    public long bytesRead() {
        return bytesRead;
    }

    public long recordsVerified() {
        return recordsVerified;
    }

    public long messages() {
        return msgs;
    }

    /** Bytes of live messages; cheap, unlike {@link #state()}, which copies every subject. */
    public long bytes() {
        return bytes;
    }

    public long firstSeq() {
        return firstSeq;
    }

    public long lastSeq() {
        return lastSeq;
    }

    /** The state nats-server reports (spec 4.9), with {@code consumerCount} 0 until consumers are restored. */
    public StreamState state() {
        // The gaps as ranges and the blocks' maps as copies, never a sequence each: a stream whose
        // middle blocks went has a hundred million deleted sequences in one gap (DeletedSequences).
        DeletedSequences.Builder deleted = new DeletedSequences.Builder();
        if (lastSeq >= firstSeq) {
            // Sequence 0 is never one: an empty stream (first 0, last 0) before a block kept empty
            // at 1 listed 0 as deleted.
            long cur = Math.max(firstSeq, 1);
            for (BlockState b : blocks) {
                deleted.addRange(cur, b.firstSeq - 1);
                if (b.lastSeq >= cur) {
                    cur = b.lastSeq + 1;
                }
                deleted.addAll(b.deleted);
            }
        }
        DeletedSequences del = deleted.build();
        TreeMap<String, Long> subjects = new TreeMap<>();
        if (tracksSubjects) {
            for (Map.Entry<String, SubjectTotals> e : psim.entrySet()) {
                subjects.put(e.getKey(), e.getValue().total);
            }
        }
        // A plain loop: a stream pipeline per stream was 1.6 % of a fresh 1,000-stream recovery's samples.
        long[] lost = new long[lostSeqs.size()];
        int i = 0;
        for (long seq : lostSeqs) {
            lost[i++] = seq;
        }
        return new StreamState(msgs, bytes, firstSeq, firstTs, lastSeq, lastTs, del.size(), del, subjects.size(),
                Collections.unmodifiableSortedMap(subjects), new LostData(lost, lostBytes), 0);
    }

    /**
     * The store as it is now, for {@link MessageReader}: each block's length is its valid prefix when
     * a rebuild found damage after it (the rest is not read), else the whole block. The deleted maps
     * are shared, not copied: the store must not change while the view is read.
     */
    StreamView readView() {
        List<StreamView.Block> out = new ArrayList<>(blocks.size());
        for (BlockState b : blocks) {
            out.add(new StreamView.Block(b.index, b.file, b.firstSeq, b.lastSeq, b.msgs, b.deleted, b.validLength, b.readBySlot));
        }
        return new StreamView(account, name, msgs, bytes, firstSeq, firstTs, lastSeq, lastTs, tracksSubjects ? psim.size() : 0, out);
    }

    /** Live messages with sequence in [from, to]. */
    public long liveInRange(long from, long to) {
        long n = 0;
        for (BlockState b : blocks) {
            n += b.liveInRange(from, to);
        }
        return n;
    }

    public boolean isLive(long seq) {
        BlockState b = blockFor(seq);
        return b != null && b.isLive(seq);
    }

    /**
     * The block whose [first, last] holds {@code seq}, or null. Blocks are in index order with
     * non-decreasing last sequences, so the first block whose last ≥ seq is the only candidate.
     */
    BlockState blockFor(long seq) {
        int lo = 0;
        int hi = blocks.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (blocks.get(mid).lastSeq < seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (int i = lo; i < blocks.size(); i++) {
            BlockState b = blocks.get(i);
            if (b.msgs > 0) {
                return b.firstSeq <= seq && seq <= b.lastSeq ? b : null;
            }
            if (b.lastSeq > seq) {
                return null;
            }
        }
        return null;
    }

    /**
     * A live message seen while visiting blocks, checksum not verified: for the owner's own counts
     * and indexes (recovery's pending subjects, the writer's duplicate window and purge counts),
     * never for handing message bytes out ({@link MessageReader} does that).
     */
    @FunctionalInterface
    public interface LiveMessageVisitor {
        /**
         * @return false to stop visiting
         */
        boolean visit(long seq, long ts, String subject, byte[] buf, int headersOff, int headersLen, int payloadOff,
                      int payloadLen, int rawLength);
    }

    /**
     * Visits live messages with sequence ≥ {@code fromSeq} in sequence order, reading each block
     * that may hold one through the gate. Checksums are not verified: for recovery's own counts
     * (subjects of pending messages), never for handing message bytes out ({@link MessageReader} does that).
     */
    void forEachLive(long fromSeq, LiveMessageVisitor visitor) throws StoreException, InterruptedException {
        for (BlockState b : List.copyOf(blocks)) {
            // A missing block 2.10 counts from index.db has no record to visit (MissingBlocks); the
            // visit goes on past it, as 2.10 answers from its other blocks (LIM of the 2.10.27 s2 store
            // without 4.blk and a filtered consumer failed the stream: "cannot read block").
            if (b.msgs == 0 || b.lastSeq < fromSeq || b.fileMissing) {
                continue;
            }
            LiveOnly live = new LiveOnly(b, fromSeq, visitor);
            readBlock(b, live);
            if (live.stop) {
                return;
            }
        }
    }

    /**
     * Visits the live messages of block {@code b} in sequence order, reading it through the gate;
     * for a walk that picks its blocks from what the state says of them ({@link StartUpExpiry}).
     */
    void forEachLiveOf(BlockState b, LiveMessageVisitor visitor) throws StoreException, InterruptedException {
        if (b.msgs > 0 && !b.fileMissing) {
            readBlock(b, new LiveOnly(b, 0, visitor));
        }
    }

    /**
     * {@link #forEachLive} over only the blocks that may hold a message with a {@code Nats-TTL}
     * ({@link BlockState#mayHoldTtls}): a TTL stream's open reads the blocks its messages with a
     * TTL are in, not the whole stream, as nats-server 2.11+'s {@code recoverTTLState} does.
     */
    void forEachLiveMayHoldTtl(LiveMessageVisitor visitor) throws StoreException, InterruptedException {
        for (BlockState b : List.copyOf(blocks)) {
            if (b.mayHoldTtls()) {
                forEachLiveOf(b, visitor);
            }
        }
    }

    /** Decides, message by message in sequence order, what a removal takes. */
    @FunctionalInterface
    public interface RemovalRule {
        /** @return REMOVE, KEEP, or STOP (keep this one and everything after) */
        Decision decide(long seq, long ts, String subject, int rawLength);
    }

    /**
     * A {@link RemovalRule} that also sees the message's headers ({@code buf[headersOff,
     * headersOff + headersLen)}, valid only during the call): a removal that decides by a header
     * ({@link StartUpExpiry}: {@code Nats-TTL}; the writer's age check of a TTL stream, which keeps
     * {@code never}) reads each block once, not once to decide and again to remove.
     */
    @FunctionalInterface
    public interface HeaderRemovalRule {
        Decision decide(long seq, long ts, String subject, byte[] buf, int headersOff, int headersLen, int rawLength);
    }

    /** A {@link RemovalRule} as a {@link HeaderRemovalRule}: a record, not a lambda (package note: the first stream's way). */
    private record WithoutHeaders(RemovalRule rule) implements HeaderRemovalRule {
        @Override
        public Decision decide(long seq, long ts, String subject, byte[] buf, int headersOff, int headersLen, int rawLength) {
            return rule.decide(seq, ts, subject, rawLength);
        }
    }

    /** What a {@link RemovalRule} does with one message. */
    public enum Decision { REMOVE, KEEP, STOP }

    /** Told about each message a removal takes (the writer writes its tombstone). */
    @FunctionalInterface
    public interface RemovalSink {
        void removed(long seq, long ts, String subject, int rawLength);

        /**
         * Told, after the {@link #removed} calls of its messages, when a removal leaves block
         * {@code blockIndex} (whose records lie in [{@code lo}, {@code hi}]) without a live message.
         * Only {@link StartUpRemovals} needs it: the writer's tombstones are written as it goes.
         */
        default void blockEmptied(long blockIndex, long lo, long hi) {
        }

        /** Not a lambda: made on the first stream's way, where a fresh JVM would spin its class at run time. */
        RemovalSink NONE = new RemovalSink() {
            @Override
            public void removed(long seq, long ts, String subject, int rawLength) {
            }
        };
    }

    /** Bytes of a block held in memory by the writer: the array holds it in {@code [0, lengthOut[0])}; null for any other block. */
    @FunctionalInterface
    public interface TailSource {
        byte[] bytesOf(long blockIndex, int[] lengthOut);
    }

    /**
     * Ends the recovery phase: the returned mutator becomes this stream's only mutator and reads
     * go through {@code runtimeCtx} (recovery's gate and block work end with recovery). Call once,
     * on the thread that recovered the stream, after consumers are settled.
     */
    public StreamMutator handOver(StoreContext runtimeCtx) {
        requireRecovering();
        this.ctx = runtimeCtx;
        this.owner = new StreamMutator(this, forWriter, startUpMarkers);
        this.forWriter = StartUpRemovals.NONE;
        this.startUpMarkers = StartUpMarkers.NONE;
        this.touched.clear();
        return owner;
    }

    /**
     * A sink that keeps each message a recovery-phase removal takes (the retention limits at the
     * open, the start-up interest sweep), for the writer this stream is handed over to: before
     * anything else it removes the files of the blocks they emptied and writes the tombstones of the
     * others ({@link StreamMutator#takeStartUpRemovals}), as nats-server's {@code removeMsg} writes
     * one for each message its start-up interest check removes. Recovery itself never writes a file.
     */
    public RemovalSink removalsForWriter() {
        requireRecovering();
        if (forWriter == StartUpRemovals.NONE) {
            forWriter = new StartUpRemovals();
        }
        return forWriter;
    }

    /** Whether {@link #handOver} has happened. */
    public boolean handedOver() {
        return owner != null;
    }

    void requireRecovering() {
        if (owner != null) {
            throw new IllegalStateException("stream '" + account + " > " + name
                    + "' was handed over to its writer; only the writer changes it now");
        }
    }

    /**
     * Removes live messages of the given blocks (ascending) that {@code rule} selects, as
     * nats-server's {@code removeMsg(viaLimits)} would: totals, block first/deleted map and the
     * per-subject index all follow. Stream last sequence never moves.
     *
     * @return the number of messages removed
     */
    long remove(List<BlockState> targets, RemovalRule rule) throws StoreException, InterruptedException {
        return remove(targets, rule, RemovalSink.NONE);
    }

    /** {@link #remove(List, RemovalRule)}, telling {@code sink} about each removed message ({@link #removalsForWriter}). */
    long remove(List<BlockState> targets, RemovalRule rule, RemovalSink sink) throws StoreException, InterruptedException {
        return remove(targets, rule, sink, MissingBlocks.At.goesOn("removals"));
    }

    /**
     * {@link #remove(List, RemovalRule, RemovalSink)}; {@code atMissing}: what the walk does at a block
     * {@code index.db} names and the disk lacks ({@link MissingBlocks}), which no rule can see.
     */
    long remove(List<BlockState> targets, RemovalRule rule, RemovalSink sink, MissingBlocks.At atMissing)
            throws StoreException, InterruptedException {
        requireRecovering();
        return removeMessages(targets, new WithoutHeaders(rule), sink, false, atMissing);
    }

    /** {@link #remove} without the phase check, telling {@code sink} about each removed message. */
    long removeMessages(List<BlockState> targets, RemovalRule rule, RemovalSink sink) throws StoreException, InterruptedException {
        return removeMessages(targets, new WithoutHeaders(rule), sink, false, MissingBlocks.At.goesOn("removals"));
    }

    /** {@link #remove(List, RemovalRule, RemovalSink)} with a rule that sees each message's headers. */
    long removeByHeaders(List<BlockState> targets, HeaderRemovalRule rule, RemovalSink sink) throws StoreException, InterruptedException {
        requireRecovering();
        return removeMessages(targets, rule, sink, false, MissingBlocks.At.goesOn("expiry"));
    }

    /** {@link #removeByHeaders} without the phase check: the writer's ({@link StreamMutator#removeByHeaders}). */
    long removeMessagesByHeaders(List<BlockState> targets, HeaderRemovalRule rule, RemovalSink sink)
            throws StoreException, InterruptedException {
        return removeMessages(targets, rule, sink, false, MissingBlocks.At.goesOn("expiry"));
    }

    /**
     * {@link #removeMessages} for a rule that takes the oldest first (the limits): it stops at a block
     * whose walk did not see every live message the state counts in it (no reader gets past damage),
     * since a message after it is never older than the ones it cannot see. Without the stop, max_msgs
     * took the message just acknowledged in the next block instead (HostileStoreRuntimeTest, seed 11:
     * 2.10.27's MAX1 with a flip in a record 2.10 had removed). The limit then stays exceeded until
     * those messages can be read or are purged.
     */
    long removeOldest(List<BlockState> targets, RemovalRule rule, RemovalSink sink, MissingBlocks.At atMissing)
            throws StoreException, InterruptedException {
        return removeMessages(targets, new WithoutHeaders(rule), sink, true, atMissing);
    }

    private long removeMessages(List<BlockState> targets, HeaderRemovalRule rule, RemovalSink sink, boolean stopAtUnseen,
                                MissingBlocks.At atMissing) throws StoreException, InterruptedException {
        long removed = 0;
        boolean stopped = false;
        for (BlockState b : targets) {
            if (stopped) {
                break;
            }
            if (b.msgs == 0) {
                continue;
            }
            if (b.fileMissing) {
                // No rule can see its messages: 2.10's read of it fails and empties it (MissingBlocks).
                MissingBlocks.Step step = atMissing.step(b);
                if (step == MissingBlocks.Step.STOP_BEFORE) {
                    break;
                }
                touched.add(b);
                MissingBlocks.drop(this, b, atMissing.by(), atMissing.keepsEmptied(b));
                stopped = step == MissingBlocks.Step.DROP_AND_STOP;
                continue;
            }
            long[] blockRemoved = {0};
            long[] newFirst = {-1, 0};
            boolean[] stop = {false};
            long[] seen = {0};
            long live = b.msgs;
            List<long[]> removedSeqs = new ArrayList<>();
            readBlock(b, (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
                recordsWalkedByRemovals++;
                if (!b.isLive(seq)) {
                    return;
                }
                seen[0]++;
                Decision d = stop[0] ? Decision.KEEP : rule.decide(seq, ts, subjectOf(buf, so, sl), buf, ho, hl, rl);
                if (d == Decision.STOP) {
                    stop[0] = true;
                    d = Decision.KEEP;
                }
                if (d == Decision.REMOVE) {
                    removedSeqs.add(new long[] {seq, rl});
                    sink.removed(seq, ts, subjectOf(buf, so, sl), rl);
                    blockRemoved[0]++;
                    dropSubject(buf, so, sl);
                } else if (newFirst[0] < 0) {
                    newFirst[0] = seq;
                    newFirst[1] = ts;
                }
            });
            for (long[] r : removedSeqs) {
                b.msgs--;
                b.bytes -= r[1];
                msgs--;
                bytes -= r[1];
                b.deleted.add(r[0]);
                lostSeqs.remove(r[0]);
            }
            if (blockRemoved[0] > 0) {
                normaliseFirst(b, newFirst[0], newFirst[1]);
                touched.add(b);
                if (b.msgs == 0) {
                    sink.blockEmptied(b.index, lowestSeqOf(b), b.lastSeq);
                }
            }
            removed += blockRemoved[0];
            stopped = stop[0] || (stopAtUnseen && seen[0] < live);
        }
        if (removed > 0) {
            refreshStreamFirst();
        }
        return removed;
    }

    /** The lowest sequence a record of block {@code b} can hold: the last of the block before it + 1 (0 for the first). */
    private long lowestSeqOf(BlockState b) {
        int lo = 0;
        int hi = blocks.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long at = blocks.get(mid).index;
            if (at < b.index) {
                lo = mid + 1;
            } else if (at > b.index) {
                hi = mid - 1;
            } else {
                return mid == 0 ? 0 : blocks.get(mid - 1).lastSeq + 1;
            }
        }
        return 0;
    }

    /**
     * Removes live message {@code seq} as {@link #removeMessages} would with a rule that takes only
     * it, reading its record (and, when it was its block's first, the next live one's) instead of
     * walking the block up to it: an in-order ack of a work queue would otherwise cost the records
     * before it in its block, quadratic per block. When the record cannot be found that way (no
     * index, damage, a checksum that does not match) the block is walked as before.
     *
     * @return false when {@code seq} is not live (or its record is not in the block)
     */
    boolean removeOne(long seq, RemovalSink sink) throws StoreException, InterruptedException {
        BlockState b = blockFor(seq);
        if (b == null || !b.isLive(seq)) {
            return false;
        }
        // A block whose first is not live is normalised by the walk (it moves the first as it goes).
        RecordFinder.Found m = b.isLive(b.firstSeq) ? finder.find(this, b, seq) : null;
        long newFirst = -1;
        long newFirstTs = 0;
        if (m != null && seq == b.firstSeq && b.msgs > 1) {
            // The block's first moves to its next live message, whose timestamp is in its record.
            long next = seq + 1;
            while (next <= b.lastSeq && b.deleted.contains(next)) {
                next++;
            }
            RecordFinder.Found f = next <= b.lastSeq ? finder.find(this, b, next) : null;
            if (f == null) {
                m = null;
            } else {
                newFirst = f.seq();
                newFirstTs = f.ts();
            }
        }
        if (m == null) {
            return removeMessages(List.of(b), (q, ts, subject, hb, ho, hl, rl) -> q == seq ? Decision.REMOVE
                    : q > seq ? Decision.STOP : Decision.KEEP, sink, false, MissingBlocks.At.goesOn("removals")) == 1;
        }
        sink.removed(seq, m.ts(), m.subject(), m.rawLength());
        b.msgs--;
        b.bytes -= m.rawLength();
        msgs--;
        bytes -= m.rawLength();
        b.deleted.add(seq);
        lostSeqs.remove(seq);
        dropSubject(m.subject());
        if (seq == b.firstSeq || b.msgs <= 0) {
            normaliseFirst(b, newFirst, newFirstTs);
        }
        touched.add(b);
        if (b.msgs == 0) {
            sink.blockEmptied(b.index, lowestSeqOf(b), b.lastSeq);
        }
        refreshStreamFirst();
        return true;
    }

    private void normaliseFirst(BlockState b, long liveFirst, long liveFirstTs) {
        if (b.msgs <= 0 || liveFirst < 0) {
            b.empty();
            b.firstTs = 0;
        } else if (liveFirst != b.firstSeq) {
            b.firstSeq = liveFirst;
            b.firstTs = liveFirstTs;
            b.deleted.removeBelow(liveFirst);
        }
    }

    /** Stream first follows the first block that still holds messages; an empty stream is last+1. */
    void refreshStreamFirst() {
        for (BlockState b : blocks) {
            if (b.msgs > 0 || b.heldEmpty) {
                firstSeq = b.firstSeq;
                firstTs = b.firstTs;
                return;
            }
        }
        firstSeq = lastSeq + 1;
        firstTs = 0;
    }

    static String subjectOf(byte[] buf, int off, int len) {
        return new String(buf, off, len, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void dropSubject(byte[] buf, int off, int len) {
        if (len == 0 || psim.isEmpty()) {
            return;
        }
        dropSubject(subjectOf(buf, off, len));
    }

    private void dropSubject(String subject) {
        if (subject.isEmpty() || psim.isEmpty()) {
            return;
        }
        SubjectTotals t = psim.get(subject);
        if (t == null) {
            return;
        }
        if (--t.total <= 0) {
            psim.remove(subject);
        } else if (t.total == 1) {
            // As nats-server's removePerSubject: one message left, and it is in the last block that
            // held the subject. index.db v1-v3 keep only the first block of a subject with one message,
            // so a first block left behind by the removals would send the next open's lookup of the
            // subject's last sequence to a block that no longer holds it.
            t.firstBlock = t.lastBlock;
        }
    }

    /** Reads a block through the gate into a pooled buffer and visits its message records. */
    void readBlock(BlockState b, io.jetstart.core.format.MessageVisitor visitor) throws StoreException, InterruptedException {
        if (tail != null) {
            int[] length = new int[1];
            byte[] inMemory = tail.bytesOf(b.index, length);
            if (inMemory != null) {
                new BlockScanner(name, ctx.hashes()).forEachMessage(b.index, inMemory, length[0], visitor);
                return;
            }
        }
        if (b.file == null) {
            return;
        }
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        try {
            int raw = BlockFiles.readRaw(b.file, ctx.buffers(), lease, ctx.gate());
            bytesRead += raw;
            // Decrypt, then decompress, as the server does (spec 3.8, 3.9).
            decryptBlock(b.index, lease[0].array(), raw);
            BlockFiles.BlockRead read = BlockFiles.decompress(b.file, lease[0], raw);
            BlockScanner scanner = new BlockScanner(name, ctx.hashes());
            if (b.readBySlot) {
                scanner.forEachVerifiedMessage(b.index, lease[0].array(), read.length(), visitor);
            } else {
                scanner.forEachMessage(b.index, lease[0].array(), read.length(), visitor);
            }
        } catch (io.jetstart.core.io.CompressedBlockException e) {
            throw new StoreException(Problem.fatal(b.file, e.offset(), "compressed block unreadable: " + e.reason()), e);
        } catch (IOException e) {
            throw new StoreException(Problem.fatal(b.file, -1, "cannot read block: " + e.getMessage()), e);
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
    }

    /**
     * The sequences that a tombstone in one of the stream's blocks names: what
     * {@link #forEachRemovalWithoutTombstone} leaves out. Reads every block whole once; a
     * {@link SequenceSet}, so a stream with millions of tombstones (a 2.10 stream without its
     * {@code index.db}) holds them as bitmaps of 2,048 sequences, not as boxed longs.
     */
    public SequenceSet tombstonedSequences() throws InterruptedException {
        SequenceSet out = new SequenceSet();
        for (BlockState b : List.copyOf(blocks)) {
            BlockTombstones t = b.file == null ? null : tombstonesOf(b.index);
            if (t != null) {
                for (long seq : t.seqs()) {
                    out.add(seq);
                }
            }
        }
        return out;
    }

    /**
     * Where a walk of {@link #forEachRemovalWithoutTombstone} starts: the block at list position
     * {@code block}, past its first {@code skip} removals.
     */
    public record RemovalMark(int block, long skip) {
        public static final RemovalMark START = new RemovalMark(0, 0);
    }

    /** Told of each removal a walk finds; returns false to end the walk. */
    @FunctionalInterface
    public interface RemovalWalk {
        /** Removal {@code seq} (its record's time {@code ts}), the {@code nth} (from 0) of the block at position {@code block}. */
        boolean removed(int block, long nth, long seq, long ts);
    }

    /**
     * Tells {@code walk} of each removal that the blocks alone do not say, from {@code from} on,
     * block by block in file order, until it returns false: a message record that is not live here
     * and whose sequence {@code tombstoned} ({@link #tombstonedSequences}) does not hold. A rebuild
     * without the index files counts these again: 2.9 kept a removal only in its block's
     * {@code .idx} (it writes no tombstones, spec 3.3), and a removal by limits writes none on any
     * line. Erased and skip records are not told: a rebuild reads them as removals. Reads the blocks
     * from {@code from}'s on, and stops after the block in which {@code walk} said stop; never writes.
     * Holds nothing per removal, so a caller that must go over millions of them in parts starts each
     * part at the {@link RemovalMark} it noted on a first walk instead of keeping them all.
     */
    public void forEachRemovalWithoutTombstone(SequenceSet tombstoned, RemovalMark from, RemovalWalk walk)
            throws StoreException, InterruptedException {
        List<BlockState> inOrder = List.copyOf(blocks);
        boolean[] stopped = new boolean[1];
        for (int i = from.block(); i < inOrder.size() && !stopped[0]; i++) {
            BlockState b = inOrder.get(i);
            int position = i;
            long[] nth = {0};
            long skip = i == from.block() ? from.skip() : 0;
            readBlock(b, (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
                if (stopped[0] || b.isLive(seq) || tombstoned.contains(seq)) {
                    return;
                }
                long n = nth[0]++;
                if (n >= skip && !walk.removed(position, n, seq, ts)) {
                    stopped[0] = true;
                }
            });
        }
    }

    /**
     * {@link RebuildFloor} of block file {@code index} of {@code msgs/} (one the state may not hold),
     * read whole ({@link #ofWholeBlock}); {@link RebuildFloor#UNKNOWN} when it cannot be read.
     */
    long rebuildFloor(long index) throws InterruptedException {
        return ofWholeBlock(index, RebuildFloor::of, RebuildFloor.UNKNOWN);
    }

    /**
     * The tombstones of block file {@code index} of {@code msgs/}, read whole ({@link #ofWholeBlock});
     * null when it cannot be read or a record does not parse.
     */
    BlockTombstones tombstonesOf(long index) throws InterruptedException {
        return ofWholeBlock(index, BlockTombstones::of, null);
    }

    /** What is made of a block's bytes read whole: its records from offset 0 to {@code len}. */
    private interface OfWholeBlock<T> {
        T of(byte[] buf, int len);
    }

    /**
     * What {@code reading} makes of block file {@code index} of {@code msgs/} read whole: the tail
     * from the writer's memory while it holds it, any other block (or a released tail) from its file
     * through the gate, as {@link FileBlockSource} loads any block (decrypted, then decompressed; what
     * the state says of it does not matter here); {@code unreadable} when it cannot be read. Only on
     * the writer's removal paths, never on an open's way to its first served stream (the method
     * references: package note).
     */
    private <T> T ofWholeBlock(long index, OfWholeBlock<T> reading, T unreadable) throws InterruptedException {
        if (tail != null) {
            int[] length = new int[1];
            byte[] inMemory = tail.bytesOf(index, length);
            if (inMemory != null) {
                return reading.of(inMemory, length[0]);
            }
        }
        StreamView.Block whole = new StreamView.Block(index, BlockFiles.blockPath(msgsDir, index), 0, 0, 0,
                new SequenceSet(), -1);
        try (BlockBytes bytes = new FileBlockSource(this).load(whole)) {
            return reading.of(bytes.array(), bytes.length());
        } catch (BlockUnreadableException e) {
            return unreadable;
        }
    }

    /**
     * XORs a block read whole into {@code buf[0, len)} with its keystream when it has a key file
     * ({@code msgs/<n>.key}); a plain block is left as read.
     */
    void decryptBlock(long index, byte[] buf, int len) throws StoreException, InterruptedException {
        // Not ifPresent(lambda): the lambda's class would be spun even for a plain block, and a
        // small stream's rebuild runs this on its way to being served (the package note).
        java.util.Optional<io.jetstart.core.crypto.BlockKeystream> ks = blockKeystream(index);
        if (ks.isPresent()) {
            ks.get().xor(buf, 0, len, 0);
        }
    }

    /** Block {@code index}'s keystream, empty for a plain block; a key file that does not open fails the stream. */
    java.util.Optional<io.jetstart.core.crypto.BlockKeystream> blockKeystream(long index) throws StoreException, InterruptedException {
        Path keyFile = msgsDir.resolve(index + ".key");
        try {
            return keys.block(msgsDir, index, ctx.gate());
        } catch (DecryptionException e) {
            throw new StoreException(Problem.fatal(e.file(), -1, e.reason()), e);
        } catch (java.io.InterruptedIOException | java.nio.channels.ClosedByInterruptException e) {
            throw io.jetstart.core.io.Interrupts.cancelled(keyFile, e);
        } catch (IOException e) {
            throw new StoreException(Problem.fatal(keyFile, -1, "cannot read block key file: " + e.getMessage()), e);
        }
    }

    void addLost(long seq) {
        requireRecovering();
        lostSeqs.add(seq);
    }

    /**
     * A block's live messages from a sequence on ({@link #forEachLive}), until the visitor says stop.
     * A named class, not a lambda: a writer rebuilding its duplicate window runs it at hand-over,
     * on the first stream's way (package-info).
     */
    private static final class LiveOnly implements io.jetstart.core.format.MessageVisitor {
        private final BlockState b;
        private final long fromSeq;
        private final LiveMessageVisitor visitor;
        boolean stop;

        LiveOnly(BlockState b, long fromSeq, LiveMessageVisitor visitor) {
            this.b = b;
            this.fromSeq = fromSeq;
            this.visitor = visitor;
        }

        @Override
        public void message(long seq, long ts, byte[] buf, int so, int sl, int ho, int hl, int po, int pl, int rl) {
            if (stop || seq < fromSeq || !b.isLive(seq)) {
                return;
            }
            String subject = new String(buf, so, sl, java.nio.charset.StandardCharsets.UTF_8);
            if (!visitor.visit(seq, ts, subject, buf, ho, hl, po, pl, rl)) {
                stop = true;
            }
        }
    }
}
