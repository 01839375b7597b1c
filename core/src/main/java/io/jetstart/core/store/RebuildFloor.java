package io.jetstart.core.store;

import io.jetstart.core.format.RecordCursor;

/**
 * The first sequence nats-server 2.10.x's rebuild (no {@code index.db}) gives a block that holds no
 * message record ({@code rebuildStateLocked}), and the stream's first sequence is the lowest first
 * of its blocks ({@code recoverMsgs}). A skip or erased record ({@code ebit}) met while the block
 * has no message moves the block's first to its sequence + 1; without one, a block of tombstones
 * only starts at its lowest tombstone + 1 ({@code minTombstoneSeq}; 2.12.1+ take the highest,
 * {@link TombstoneOnlyBlock}). A tombstone names a removed message of an earlier block; once the
 * writer has removed that block, such a block would start the stream below its first message,
 * where 2.10.27 stays. The writer keeps the first blocks whose removal would do that
 * ({@code BlockReclaimer}), and starts each block it begins without a message with a skip record
 * of the stream's last sequence, so that the block starts above every earlier one.
 */
public final class RebuildFloor {
    /** A block holding a message record, or nothing: it does not pull the stream's first down. */
    public static final long NONE = Long.MAX_VALUE;
    /** Not known (a record that does not parse): taken as the lowest there is. */
    public static final long UNKNOWN = 0;

    private RebuildFloor() {
    }

    /**
     * The floor of a block from what it holds.
     *
     * @param messages      whether it holds a message record (one 2.10.x counts: not below a skip before it)
     * @param skipFloor     the first its skip and erased records give it ({@code seq + 1} of the last
     *                      one 2.10.x takes), 0 when it has none
     * @param minTombstone  its lowest tombstone's sequence, {@link Long#MAX_VALUE} when it has none
     */
    public static long of(boolean messages, long skipFloor, long minTombstone) {
        if (messages) {
            return NONE;
        }
        if (skipFloor > 0) {
            return skipFloor;
        }
        return minTombstone == Long.MAX_VALUE ? NONE : minTombstone + 1;
    }

    /** The floor of the plaintext block {@code buf[0, len)}. */
    public static long of(byte[] buf, int len) {
        return new Tally().read(buf, len).floor();
    }

    /**
     * What a block's records are, for its floor: read from its bytes, or kept as a writer lays
     * records out (its tail block, whose floor is asked after each removal).
     */
    public static final class Tally {
        private boolean messages;
        /** 2.10.x's first for the block while it has no message: the last skip or erased sequence + 1 it took. */
        private long skipFloor;
        private boolean unreadable;
        private long minTombstone = Long.MAX_VALUE;

        /** A message record was laid out (above every skip the block holds: the writer's sequences only go up). */
        public void message() {
            messages = true;
        }

        /** A skip record for {@code seq} was laid out. */
        public void skip(long seq) {
            ebit(seq);
        }

        /** 2.10.x's {@code seq == 0 || seq&ebit != 0 || seq < fseq} branch, while the block has no message. */
        private void ebit(long seq) {
            if (!messages && seq >= skipFloor) {
                skipFloor = seq + 1;
            }
        }

        /** A tombstone for {@code seq} was laid out. */
        public void tombstone(long seq) {
            minTombstone = Math.min(minTombstone, seq);
        }

        /** Adds the records of the plaintext {@code buf[0, len)}; a record that does not parse makes the floor unknown. */
        public Tally read(byte[] buf, int len) {
            RecordCursor c = new RecordCursor().wrap(buf, len);
            while (c.next()) {
                if (c.isTombstone()) {
                    minTombstone = Math.min(minTombstone, c.seq());
                } else if (c.isMessage() && c.seq() != 0 && (messages || c.seq() >= skipFloor)) {
                    messages = true;
                } else {
                    ebit(c.seq());
                }
            }
            unreadable |= c.problem() != null;
            return this;
        }

        public long floor() {
            if (unreadable) {
                return messages ? NONE : UNKNOWN;
            }
            return of(messages, skipFloor, minTombstone);
        }
    }
}
