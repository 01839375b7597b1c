package io.jetstart.runtime;

import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.StreamView;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One stream's {@link BlockSubjects}, by block index, bounded by size, least recently used first
 * out: what nats-server keeps per loaded block ({@code fss}) and drops after a while. Shared by the
 * stream's consumers, so a count once made for one is in memory for the next (another consumer, a
 * filter change, a status).
 *
 * <p>Design note: a block is walked for its subjects through the stream's reader (the block cache),
 * outside the lock, which guards the map only: two consumers missing the same block at once both
 * walk it, and the later one's index (no shorter) stays. An entry whose block is gone (reclaimed,
 * purged) is never asked for again and ages out.
 */
final class SubjectIndex {
    /** Per stream: a million messages' index is about 12 MiB. */
    static final long BUDGET_BYTES = 32L << 20;

    private final MessageReader reader;
    private final long budget;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Long, BlockSubjects> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long held;

    SubjectIndex(MessageReader reader, long budget) {
        this.reader = reader;
        this.budget = budget;
    }

    /**
     * The subjects of block {@code b} through its last sequence, from memory when they are there,
     * else from a walk of its records' subjects (only what the index lacks); null when the block
     * is not sound enough to walk so (its messages are then read one by one, which reports the damage).
     */
    BlockSubjects of(StreamView.Block b) throws InterruptedException {
        BlockSubjects e = get(b.index());
        if (e != null && e.from() <= b.firstSeq() && e.through() >= b.lastSeq()) {
            return e;
        }
        boolean grow = e != null && e.from() <= b.firstSeq();
        BlockSubjects.Builder builder = grow ? e.extend() : BlockSubjects.builder(b.firstSeq());
        if (!reader.forEachSubjectIn(b, grow ? e.through() + 1 : b.firstSeq(), builder)) {
            return null;
        }
        BlockSubjects made = builder.build(b.lastSeq());
        put(b.index(), made);
        return made;
    }

    private BlockSubjects get(long index) {
        lock.lock();
        try {
            return entries.get(index);
        } finally {
            lock.unlock();
        }
    }

    private void put(long index, BlockSubjects made) {
        lock.lock();
        try {
            BlockSubjects was = entries.get(index);
            if (was != null && was.from() <= made.from() && was.through() >= made.through()) {
                return;
            }
            if (was != null) {
                held -= was.size();
            }
            entries.put(index, made);
            held += made.size();
            for (Iterator<Map.Entry<Long, BlockSubjects>> it = entries.entrySet().iterator(); held > budget && it.hasNext(); ) {
                Map.Entry<Long, BlockSubjects> old = it.next();
                if (old.getKey() != index) {
                    held -= old.getValue().size();
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
