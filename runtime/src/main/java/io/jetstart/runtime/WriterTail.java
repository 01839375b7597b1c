package io.jetstart.runtime;

import java.io.IOException;

/**
 * What a stream's writer lends its parts that do some of its work on its thread ({@link
 * BlockReclaim}, {@link StreamPurger}, {@link HandOverRemovals}): its tail block as it is now, a
 * roll to the next block, a removal's tombstone, and a view of the state published for readers.
 * Their steps must come in the writer's order (a tombstone durable before a file goes, a view
 * published before it), so they take these steps themselves; the writer's batch, acks and failure
 * stay out of their reach.
 */
interface WriterTail {
    /** The tail block now: a {@link #roll} or a {@link #tombstone} may replace it. */
    TailBlock current();

    /** Seals the tail (written and synced) and starts the next block. */
    void roll() throws IOException;

    /** A removal's tombstone in the tail, rolling as the writer rolls for one. */
    void tombstone(long seq, long ts);

    /** Publishes a view of the state as it is now, so a reader that meets a removed file reads again on it. */
    void publishView();
}
