package io.jetstart.runtime;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The blocks' subjects ({@link BlockSubjects}) of every stream of a store, bounded by size across
 * the store, least recently used first out. Each stream's {@link SubjectIndex} keeps its entries
 * here under its own key.
 *
 * <p>Design note: one budget for the store, as the block cache has, rather than one per stream:
 * an index lives as long as its stream is open, and a bound per stream let a store of many streams,
 * each counted once by a filtered consumer, hold that bound times the number of streams for good
 * (nats-server drops a block's {@code fss} after a while idle; here an idle stream's entries are
 * the first out when another stream needs the room). An entry of a stream or block that is gone is
 * never asked for again and ages out the same way.
 */
final class SubjectIndexCache {
    /** Across the store: a million messages' index is about 12 MiB. */
    static final long BUDGET_BYTES = 64L << 20;

    /** One block of one stream: the stream's index by identity, the block by its index. */
    private record Key(SubjectIndex owner, long block) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.owner == owner && k.block == block;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(owner) * 31 + Long.hashCode(block);
        }
    }

    private final long budget;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Key, BlockSubjects> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long held;

    SubjectIndexCache(long budget) {
        if (budget <= 0) {
            throw new IllegalArgumentException("subject index budget must be positive: " + budget);
        }
        this.budget = budget;
    }

    BlockSubjects get(SubjectIndex owner, long block) {
        lock.lock();
        try {
            return entries.get(new Key(owner, block));
        } finally {
            lock.unlock();
        }
    }

    /** Keeps {@code made} unless an entry that covers at least as much is there already. */
    void put(SubjectIndex owner, long block, BlockSubjects made) {
        Key key = new Key(owner, block);
        lock.lock();
        try {
            BlockSubjects was = entries.get(key);
            if (was != null && was.from() <= made.from() && was.through() >= made.through()) {
                return;
            }
            if (was != null) {
                held -= was.size();
            }
            entries.put(key, made);
            held += made.size();
            for (Iterator<Map.Entry<Key, BlockSubjects>> it = entries.entrySet().iterator(); held > budget && it.hasNext(); ) {
                Map.Entry<Key, BlockSubjects> old = it.next();
                if (!old.getKey().equals(key)) {
                    held -= old.getValue().size();
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The bytes held, as {@link BlockSubjects#size} counts them. */
    long held() {
        lock.lock();
        try {
            return held;
        } finally {
            lock.unlock();
        }
    }
}
