package io.jetstart.core.store;

import java.nio.file.Path;

/**
 * A message the stream state says is live but that a read did not hand out, and why: which
 * block file, which offset, which sequence.
 *
 * @param kind     what was wrong
 * @param file     the block file
 * @param offset   byte offset of the bad record in {@code file}, or -1 when no record is to blame
 *                 ({@link Kind#MISSING}, {@link Kind#UNREADABLE})
 * @param seq      the (first) sequence concerned: the one the bad record claims, or the first
 *                 missing one; 0 when not known
 * @param messages live messages this damage withholds (0 when the bad record holds none)
 * @param reason   what was expected and what was found
 */
public record RecordDamage(Kind kind, Path file, long offset, long seq, long messages, String reason) {

    /** What kept a message from being handed out. */
    public enum Kind {
        /** The record's checksum does not match: this one message is withheld (nats-server answers 404). */
        CHECKSUM,
        /** The record passes its checksum but its header length runs past its end (nats-server: "invalid message length"). */
        HEADER_LENGTH,
        /**
         * The block's records disagree with the stream state (a record fails the sanity checks, or
         * the block's first or last sequence is not where the state says): nats-server rebuilds such
         * a block when it loads it, and keeps only the records before its first bad one; so do we.
         */
        BLOCK_LAYOUT,
        /** Live sequences with no record left in the part of the block that can be read. */
        MISSING,
        /** The block file could not be read at all. */
        UNREADABLE
    }

    /** As a {@link Problem}: damage when it withholds a live message or part of a block, else a warning. */
    public Problem toProblem() {
        return messages > 0 || kind == Kind.BLOCK_LAYOUT || kind == Kind.UNREADABLE
                ? Problem.damage(file, offset, reason) : new Problem(Problem.Severity.WARNING, file, offset, reason);
    }
}
