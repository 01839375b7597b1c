package io.jetstart.runtime;

import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.StreamView;

/**
 * One stream's {@link BlockSubjects}, by block index: what nats-server keeps per loaded block
 * ({@code fss}) and drops after a while. Shared by the stream's consumers, so a count once made for
 * one is in memory for the next (another consumer, a filter change, a status). The entries are
 * held in the store-wide {@link SubjectIndexCache}, which bounds them across streams.
 *
 * <p>Design note: a block is walked for its subjects through the stream's reader (the block cache),
 * with no lock held: two consumers missing the same block at once both walk it, and the later
 * one's index (no shorter) stays.
 */
final class SubjectIndex {
    private final MessageReader reader;
    private final SubjectIndexCache cache;

    SubjectIndex(MessageReader reader, SubjectIndexCache cache) {
        this.reader = reader;
        this.cache = cache;
    }

    /**
     * The subjects of block {@code b} through its last sequence, from memory when they are there,
     * else from a walk of its records' subjects (only what the index lacks); null when the block
     * is not sound enough to walk so (its messages are then read one by one, which reports the damage).
     */
    BlockSubjects of(StreamView.Block b) throws InterruptedException {
        BlockSubjects e = cache.get(this, b.index());
        if (e != null && e.from() <= b.firstSeq() && e.through() >= b.lastSeq()) {
            return e;
        }
        boolean grow = e != null && e.from() <= b.firstSeq();
        BlockSubjects.Builder builder = grow ? e.extend() : BlockSubjects.builder(b.firstSeq());
        if (!reader.forEachSubjectIn(b, grow ? e.through() + 1 : b.firstSeq(), builder)) {
            return null;
        }
        BlockSubjects made = builder.build(b.lastSeq());
        cache.put(this, b.index(), made);
        return made;
    }
}
