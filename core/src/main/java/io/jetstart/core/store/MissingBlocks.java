package io.jetstart.core.store;

/**
 * What nats-server 2.10 does when a start-up removal reaches a block its {@code index.db} names and
 * the disk lacks ({@link StreamStore#trustsMissingBlocks}: 2.10 checks the write block only, so it
 * starts with such a block counted). Read in 2.10.27's {@code filestore.go} and measured on 2.10.27
 * (MANY of {@code nats-2.10.27-s2} without {@code 2.blk} or {@code 3.blk}, its limits lowered on disk):
 *
 * <ul>
 *   <li>Any read of the block fails ({@code loadMsgsWithLock}: "loadBlock error: message block data
 *       missing"), and the failure empties it in memory ({@code mb.rebuildStateLocked}: no messages,
 *       first past last) and recounts the stream from its blocks: its messages leave the counts
 *       without being removed one by one. Its subjects stay in the stream's subject totals
 *       ({@code fs.psim} is not recounted), so {@code num_subjects} and the per-subject counts go on
 *       naming them. 2.10.27 reports no {@code lost} for them.</li>
 *   <li>{@code max_msgs} and {@code max_bytes} ({@code enforceMsgLimit}, {@code enforceBytesLimit})
 *       remove the first message until within the limit; at the block the removal fails and the
 *       enforcement stops ({@code rebuildFirst}), within the limit or not (434 messages under
 *       {@code max_msgs} 100) until the next write enforces it again.</li>
 *   <li>{@code max_age} ({@code expireMsgsOnRecover}) takes a block wholly older than the limit without
 *       reading its messages and goes on; a block the cut falls in is read, fails, and the expiry
 *       stops; a block younger than the limit is not reached.</li>
 *   <li>{@code max_msgs_per_subject} ({@code enforceMsgPerSubjectLimit}) skips the block and goes on,
 *       but its quota per subject counts the block's messages still (the totals keep them): it removes
 *       that many more newer messages of the subject in their place. A subject with as many messages in
 *       the block as the limit keeps none (90 messages left under a limit of 10 where 100 would be;
 *       and every later message of that subject goes as soon as it is stored).</li>
 * </ul>
 *
 * <p>Design note: the block is emptied, not taken out of the stream's blocks: its range then reads
 * as deleted, and the walks that come later pass it by (it has no live message). Where 2.10 keeps
 * the emptied block in its list (all but {@code rebuildFirst} and a whole block's expiry), its first
 * (past its last) stays the stream's first while it is the first block, as 2.10 reports it (measured:
 * first 667 with the next live message at 1001). Its file stays missing; nothing here reads or
 * writes one. A writer never meets such a block: it rebuilds without it ({@code StreamOpener}).
 */
final class MissingBlocks {
    private MissingBlocks() {
    }

    /** How a removal walk goes on at such a block. */
    enum Step {
        /** Not reached: the walk stops before it, which stays counted. */
        STOP_BEFORE,
        /** Emptied (its messages leave the counts), and the walk stops there. */
        DROP_AND_STOP,
        /** Emptied, and the walk goes on with the next block. */
        DROP_AND_GO_ON
    }

    /**
     * What one start-up removal does at a missing block, as 2.10 does it: {@code by} names the
     * removal for the finding ("max_msgs").
     */
    record At(String by, Kind kind, long bound) {
        enum Kind { STOPS, GOES_ON, BY_AGE, UP_TO }

        /** {@code max_msgs}, {@code max_bytes}: the failed removal ends the enforcement. */
        static At stops(String by) {
            return new At(by, Kind.STOPS, 0);
        }

        /** A removal that goes past a block it cannot read (per subject, a tombstone, a recount). */
        static At goesOn(String by) {
            return new At(by, Kind.GOES_ON, 0);
        }

        /** {@code max_age} with cut-off {@code minAge}: whole old blocks go unread, the one the cut is in stops it. */
        static At byAge(long minAge) {
            return new At("max_age", Kind.BY_AGE, minAge);
        }

        /** A walk that ends at sequence {@code lastSeq} (the interest check up to the acknowledged ones). */
        static At upTo(String by, long lastSeq) {
            return new At(by, Kind.UP_TO, lastSeq);
        }

        Step step(BlockState b) {
            return switch (kind) {
                case STOPS -> Step.DROP_AND_STOP;
                case GOES_ON -> Step.DROP_AND_GO_ON;
                case BY_AGE -> b.firstTs > bound ? Step.STOP_BEFORE : b.lastTs <= bound ? Step.DROP_AND_GO_ON : Step.DROP_AND_STOP;
                case UP_TO -> b.firstSeq > bound ? Step.STOP_BEFORE : Step.DROP_AND_GO_ON;
            };
        }

        /**
         * Whether 2.10 keeps the emptied block in its block list: {@code rebuildFirst} (after a failed
         * {@code max_msgs} or {@code max_bytes} removal) and the age expiry of a whole block remove it;
         * every other failed read leaves it there.
         */
        boolean keepsEmptied(BlockState b) {
            return switch (kind) {
                case STOPS -> false;
                case BY_AGE -> b.lastTs > bound;
                case GOES_ON, UP_TO -> true;
            };
        }
    }

    /**
     * Empties missing block {@code b} as 2.10's failed read does: its live messages leave the stream's
     * counts, its subjects stay in the totals; a warning names the file and the removal that met it.
     * {@code held}: the server keeps it in its block list ({@link BlockState#heldEmpty}).
     */
    static void drop(StreamStore s, BlockState b, String by, boolean held) {
        long msgs = b.msgs;
        long bytes = b.bytes;
        long first = b.firstSeq;
        s.msgs -= msgs;
        s.bytes -= bytes;
        // Its first time stays: 2.10 resets the first sequence only, and reports that time as the
        // stream's first while the block is its first (measured: 2.blk's first time with first 667).
        b.empty();
        b.heldEmpty = held;
        s.refreshStreamFirst();
        s.problems.add(Problem.warning(b.file, "block " + b.index + " named in index.db is missing: the start-up's " + by
                + " reaches it, and nats-server 2.10's read of it fails and drops its " + msgs + " messages (" + bytes
                + " bytes, " + first + ".." + b.lastSeq + ") from the counts without removing them one by one; its subjects "
                + "stay in the subject totals (a per-subject limit then removes as many newer messages in their place), "
                + "and no lost data is reported"));
    }
}
