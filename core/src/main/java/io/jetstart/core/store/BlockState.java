package io.jetstart.core.store;

import io.jetstart.core.format.SequenceSet;
import java.nio.file.Path;

/**
 * One message block as the store tracks it in memory (nats-server's {@code msgBlock} without
 * caches): sequence range, live count and bytes, and the deleted map. Mutable and confined to the
 * thread that opens the stream; tombstones and limits edit it.
 */
final class BlockState {
    final long index;
    final Path file;
    long firstSeq;
    long firstTs;
    long lastSeq;
    long lastTs;
    long msgs;
    long bytes;
    SequenceSet deleted;
    /** Messages with a {@code Nats-TTL} counted into the block ({@code index.db} v2+'s count); see {@link #ttlsCounted}. */
    long ttls;
    /**
     * Whether {@link #ttls} is a count: from {@code index.db} v2+, a scan of the block's records, or
     * the writer's own appends. An {@code index.db} v1 or a 2.9 {@code .idx} carries none, and its 0
     * says nothing ({@link #mayHoldTtls}).
     */
    boolean ttlsCounted;
    /** Messages with a {@code Nats-Schedule} counted into the block ({@code index.db} v3+'s count); see {@link #schedulesCounted}. */
    long schedules;
    /** Whether {@link #schedules} is a count: from {@code index.db} v3+ or a scan of the block's records. */
    boolean schedulesCounted;
    long fileLength;
    /**
     * Bytes of the block's valid prefix when it was rebuilt from its records (the rest is reported
     * damage, which nats-server truncates), or -1 when its state came from {@code index.db}.
     */
    long validLength = -1;
    /**
     * The file ends in damage (a torn or bad record) found when it was read whole: by a rebuild, or
     * by the writer's check of the last block before it started the next one. nats-server 2.10
     * trusting an {@code index.db} over such a block once it is no longer the last fails the first
     * read of it ({@code StreamMutator#blockEndingInDamage}).
     */
    boolean endsInDamage;
    /**
     * Checksum-verified records lie past the damage (a bit flip, not a cut): whole messages no state
     * counts, since every reader stops at the damage. The block is never removed as emptied, nor
     * purged whole, so they stay for a repair (HostileStoreRuntimeTest: a 2.9 interest stream's
     * block, its counted messages all acknowledged, was removed with hundreds of intact messages after
     * them).
     */
    boolean recordsPastDamage;
    /**
     * A damaged 2.9 block read through its {@code .idx} ({@link LegacyBlockReadThroughIndex}): its
     * record {@code i} holds sequence first + {@code i}, as nats-server 2.9 finds it, so a record
     * whose own sequence is damaged still has its slot; readers go by slot ({@link MessageReader}).
     */
    boolean readBySlot;
    /**
     * The lowest sequence a record of this block can have: the stream's last + 1 when the writer
     * started it; -1 when recovery found it (the last of the block before it + 1 is taken then,
     * which may reach into blocks removed before: a bound, never above the truth).
     */
    long recordsFrom = -1;
    /**
     * The file is gone though the adopted {@code index.db} names the block (2.10 checks the write
     * block only): its state is {@code index.db}'s and no read finds its records; a start-up removal
     * that reaches it empties it as 2.10 does ({@link MissingBlocks}).
     */
    boolean fileMissing;
    /**
     * A missing block a start-up removal emptied and the server keeps in its block list, empty with
     * first past last ({@link MissingBlocks}): while it is the first block, its first is the stream's,
     * as 2.10 takes the first of its first block, live or not.
     */
    boolean heldEmpty;

    BlockState(long index, Path file) {
        this.index = index;
        this.file = file;
        this.deleted = new SequenceSet();
    }

    /** Sets the block's range, totals and deleted map (a copy is kept). */
    BlockState with(long first, long firstTs, long last, long lastTs, long msgs, long bytes,
                    io.jetstart.core.format.SequenceSet deleted) {
        this.firstSeq = first;
        this.firstTs = firstTs;
        this.lastSeq = last;
        this.lastTs = lastTs;
        this.msgs = msgs;
        this.bytes = bytes;
        this.deleted = deleted.copy();
        return this;
    }

    /**
     * Holds no message now: no count, first past last, an empty deleted map. The first time is
     * left to the caller: a removal clears it, 2.10's failed read of a missing block keeps it.
     */
    void empty() {
        msgs = 0;
        bytes = 0;
        firstSeq = lastSeq + 1;
        deleted = new SequenceSet();
    }

    /** A live message of this block: inside [first, last] and not in the deleted map. */
    boolean isLive(long seq) {
        return seq >= firstSeq && seq <= lastSeq && !deleted.contains(seq);
    }

    /** Live messages in [from, to] within this block. */
    long liveInRange(long from, long to) {
        long lo = Math.max(from, firstSeq);
        long hi = Math.min(to, lastSeq);
        if (msgs == 0 || lo > hi) {
            return 0;
        }
        // Most blocks have no interior deletes; counting in an empty set still builds a sub-map
        // view, its entry set and an iterator (once per consumer of a store of small streams).
        return deleted.isEmpty() ? hi - lo + 1 : (hi - lo + 1) - deleted.countInRange(lo, hi);
    }

    /**
     * Whether the block may hold a message with a {@code Nats-TTL}: its count is not 0, or there is
     * no count. nats-server 2.11+ rebuilding its time wheel reads only blocks counted not 0
     * ({@code recoverTTLState}), so a TTL message in a block counted 0 never expires there either.
     */
    boolean mayHoldTtls() {
        return ttls != 0 || !ttlsCounted;
    }

    /** Whether the block may hold a message with a {@code Nats-Schedule}: counted so, or not counted. */
    boolean mayHoldSchedules() {
        return schedules != 0 || !schedulesCounted;
    }

    @Override
    public String toString() {
        return "block " + index + " [" + firstSeq + ".." + lastSeq + "] msgs=" + msgs + " bytes=" + bytes
                + " deleted=" + deleted.size();
    }
}
