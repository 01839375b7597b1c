package io.jetstart.core.store;

import io.jetstart.core.format.RecordCursor;

/**
 * The first sequence nats-server 2.10.x's rebuild (no {@code index.db}) gives a block that holds
 * tombstones only: its lowest tombstone + 1 ({@code rebuildStateLocked}: {@code minTombstoneSeq}),
 * and the stream's first sequence is the lowest first of its blocks ({@code recoverMsgs}). A
 * tombstone names a removed message of an earlier block; once the writer has removed that block,
 * such a block would start the stream below its first message, where 2.10.27 stays (2.12.1+ take
 * the highest tombstone instead; {@link TombstoneOnlyBlock}). The writer keeps the first blocks
 * whose removal would do that ({@code BlockReclaimer}).
 */
public final class RebuildFloor {
    /** A block holding a message record, or nothing: it does not pull the stream's first down. */
    public static final long NONE = Long.MAX_VALUE;
    /** Not known (an erased record, or a record that does not parse): taken as the lowest there is. */
    public static final long UNKNOWN = 0;

    private RebuildFloor() {
    }

    /**
     * The floor of a block from what it holds.
     *
     * @param messages      whether it holds a message record
     * @param erased        whether it holds an erased or skip record
     * @param minTombstone  its lowest tombstone's sequence, {@link Long#MAX_VALUE} when it has none
     */
    public static long of(boolean messages, boolean erased, long minTombstone) {
        if (messages) {
            return NONE;
        }
        if (erased) {
            return UNKNOWN;
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
        private boolean erased;
        private boolean unreadable;
        private long minTombstone = Long.MAX_VALUE;

        /** A message record was laid out. */
        public void message() {
            messages = true;
        }

        /** A tombstone for {@code seq} was laid out. */
        public void tombstone(long seq) {
            minTombstone = Math.min(minTombstone, seq);
        }

        /** Adds the records of the plaintext {@code buf[0, len)}; a record that does not parse makes the floor unknown. */
        public Tally read(byte[] buf, int len) {
            RecordCursor c = new RecordCursor().wrap(buf, len);
            while (c.next()) {
                if (c.isMessage()) {
                    messages = true;
                } else if (c.isTombstone()) {
                    minTombstone = Math.min(minTombstone, c.seq());
                } else {
                    erased = true;
                }
            }
            unreadable |= c.problem() != null;
            return this;
        }

        public long floor() {
            if (unreadable) {
                return messages ? NONE : UNKNOWN;
            }
            return of(messages, erased, minTombstone);
        }
    }
}
