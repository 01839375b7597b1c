package io.jetstart.core.format;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * A set of stream sequences (a block's deleted map, "dmap"), stored as nats-server does: nodes of
 * 2048 sequences, each a bitmap of 32 × 64-bit words, keyed by base ({@code seq - seq % 2048}).
 *
 * <p>Design note: memory is proportional to the spread of deletes (266 bytes per 2048-wide
 * window that holds any), never to the stream's message count. The on-disk AVL encoding lives in
 * {@link SequenceSetCodec}; this class is only the in-memory value. Not thread-safe.
 */
public final class SequenceSet {
    public static final int BITS_PER_NODE = 2048;
    public static final int WORDS_PER_NODE = 32;

    private final TreeMap<Long, long[]> nodes = new TreeMap<>();
    private long size;

    public SequenceSet() {
    }

    public SequenceSet copy() {
        SequenceSet c = new SequenceSet();
        for (Map.Entry<Long, long[]> e : nodes.entrySet()) {
            c.nodes.put(e.getKey(), e.getValue().clone());
        }
        c.size = size;
        return c;
    }

    private static long base(long seq) {
        return seq - Long.remainderUnsigned(seq, BITS_PER_NODE);
    }

    /** Adds a sequence; returns true if it was not there. */
    public boolean add(long seq) {
        long base = base(seq);
        long[] words = nodes.computeIfAbsent(base, b -> new long[WORDS_PER_NODE]);
        int bit = (int) (seq - base);
        long mask = 1L << (bit & 63);
        if ((words[bit >>> 6] & mask) != 0) {
            return false;
        }
        words[bit >>> 6] |= mask;
        size++;
        return true;
    }

    /** Adds every sequence in [from, to] (inclusive; sequences are below 2^63); returns how many were new. */
    public long addRange(long from, long to) {
        long added = 0;
        for (long s = from; s <= to; s++) {
            if (add(s)) {
                added++;
            }
        }
        return added;
    }

    public boolean remove(long seq) {
        long base = base(seq);
        long[] words = nodes.get(base);
        if (words == null) {
            return false;
        }
        int bit = (int) (seq - base);
        long mask = 1L << (bit & 63);
        if ((words[bit >>> 6] & mask) == 0) {
            return false;
        }
        words[bit >>> 6] &= ~mask;
        size--;
        boolean empty = true;
        for (long w : words) {
            if (w != 0) {
                empty = false;
                break;
            }
        }
        if (empty) {
            nodes.remove(base);
        }
        return true;
    }

    public boolean contains(long seq) {
        long base = base(seq);
        long[] words = nodes.get(base);
        if (words == null) {
            return false;
        }
        int bit = (int) (seq - base);
        return (words[bit >>> 6] & (1L << (bit & 63))) != 0;
    }

    public long size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Every member in ascending order. */
    public void forEach(LongConsumer action) {
        for (Map.Entry<Long, long[]> e : nodes.entrySet()) {
            long base = e.getKey();
            long[] words = e.getValue();
            for (int w = 0; w < WORDS_PER_NODE; w++) {
                long bits = words[w];
                while (bits != 0) {
                    int b = Long.numberOfTrailingZeros(bits);
                    action.accept(base + 64L * w + b);
                    bits &= bits - 1;
                }
            }
        }
    }

    /** Members in [from, to], inclusive. */
    public long countInRange(long from, long to) {
        if (from > to) {
            return 0;
        }
        long n = 0;
        for (Map.Entry<Long, long[]> e : nodes.subMap(base(from), true, base(to), true).entrySet()) {
            long base = e.getKey();
            long[] words = e.getValue();
            for (int w = 0; w < WORDS_PER_NODE; w++) {
                long bits = words[w];
                if (bits == 0) {
                    continue;
                }
                long lo = base + 64L * w;
                long hi = lo + 63;
                if (lo >= from && hi <= to) {
                    n += Long.bitCount(bits);
                } else {
                    while (bits != 0) {
                        int b = Long.numberOfTrailingZeros(bits);
                        long s = lo + b;
                        if (s >= from && s <= to) {
                            n++;
                        }
                        bits &= bits - 1;
                    }
                }
            }
        }
        return n;
    }

    /** Removes every member below {@code seq}; returns how many were removed. */
    public long removeBelow(long seq) {
        long before = size;
        var it = nodes.headMap(base(seq) + BITS_PER_NODE, false).entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            long base = e.getKey();
            long[] words = e.getValue();
            boolean empty = true;
            for (int w = 0; w < WORDS_PER_NODE; w++) {
                long lo = base + 64L * w;
                long bits = words[w];
                if (lo + 63 < seq) {
                    size -= Long.bitCount(bits);
                    words[w] = 0;
                } else if (lo < seq) {
                    long keep = bits & (-1L << (seq - lo));
                    size -= Long.bitCount(bits) - Long.bitCount(keep);
                    words[w] = keep;
                }
                empty &= words[w] == 0;
            }
            if (empty) {
                it.remove();
            }
        }
        return before - size;
    }

    /** The nodes, ascending by base; the word arrays are live (codec use only). */
    public Map<Long, long[]> nodes() {
        return java.util.Collections.unmodifiableMap(nodes);
    }

    /** Installs a whole node (codec use only); merges with an existing node of the same base. */
    public void putNode(long base, long[] words) {
        if (words.length != WORDS_PER_NODE || Long.remainderUnsigned(base, BITS_PER_NODE) != 0) {
            throw new IllegalArgumentException("bad node base " + base + " / " + words.length + " words");
        }
        for (int w = 0; w < WORDS_PER_NODE; w++) {
            long bits = words[w];
            while (bits != 0) {
                int b = Long.numberOfTrailingZeros(bits);
                add(base + 64L * w + b);
                bits &= bits - 1;
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SequenceSet other) || other.size != size || other.nodes.size() != nodes.size()) {
            return false;
        }
        for (Map.Entry<Long, long[]> e : nodes.entrySet()) {
            long[] w = other.nodes.get(e.getKey());
            if (w == null || !java.util.Arrays.equals(w, e.getValue())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(size) * 31 + nodes.keySet().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        forEach(s -> {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(s);
        });
        return sb.append(']').toString();
    }
}
