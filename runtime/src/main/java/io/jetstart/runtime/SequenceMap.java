package io.jetstart.runtime;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * A map from stream sequence to a value, for a consumer's pending messages and redelivery counts:
 * a ring of slots indexed by the sequence itself (slot {@code seq & mask}) covering a window
 * {@code [lo, hi]} of at most {@value #MAX_WINDOW} sequences, and a sorted map of outliers (old
 * stragglers) for keys the window does not cover. Iteration is in sequence order. Not thread-safe:
 * the consumer's lock guards it.
 *
 * <pre>
 *   slots (length a power of two, here 8):   lo = 13, hi = 18
 *   index:     0    1    2    3    4    5    6    7
 *   seq:      16   17   18    .    .   13   14   15      seq = index + k * 8, within [lo, hi]
 *   value:     a    -    b    -    -    c    -    d      ('-' empty)
 *   outliers: {2 -> e}                                   sorted; never a key the slots hold
 * </pre>
 *
 * <p>Design note: the keys are dense windows above the ack floor (what a fetch delivered and is
 * not yet acknowledged), so a slot per sequence finds, adds and removes with one array access
 * where a {@code TreeMap} walked ten levels and allocated an entry and a boxed key per message (a
 * quarter of {@code bench consume}'s profile, docs/benchmarks-passes.md). Keys live in exactly one place;
 * {@code lo} is always the window's smallest key (a removal there moves it up to the next one),
 * {@code hi} an upper bound of its keys. A key above the window grows it (doubling) up to its
 * limit, then pushes the window's lowest keys out to the outliers: one message never acknowledged
 * does not hold a window of every sequence since.
 */
final class SequenceMap<V> {
    /** The most sequences the slots cover (a larger spread puts the lowest keys in {@link #outliers}). */
    static final int MAX_WINDOW = 1 << 16;
    private static final int MIN_SLOTS = 64;
    /** An empty map gives back slots grown beyond this, so one burst does not keep them. */
    private static final int KEEP_SLOTS = 4096;

    private Object[] slots = new Object[MIN_SLOTS];
    private int inWindow;
    private long lo;
    private long hi;
    private final TreeMap<Long, V> outliers = new TreeMap<>();

    /** The value for {@code seq}, or null. */
    @SuppressWarnings("unchecked")
    V get(long seq) {
        if (inWindow > 0 && seq >= lo && seq <= hi) {
            Object v = slots[slot(seq)];
            if (v != null) {
                return (V) v;
            }
        }
        return outliers.isEmpty() ? null : outliers.get(seq);
    }

    boolean containsKey(long seq) {
        return get(seq) != null;
    }

    /** Sets {@code seq}'s value (not null). */
    void put(long seq, V value) {
        if (value == null) {
            throw new IllegalArgumentException("SequenceMap holds no null values (sequence " + seq + ")");
        }
        if (!outliers.isEmpty() && outliers.containsKey(seq)) {
            outliers.put(seq, value);
            return;
        }
        if (inWindow == 0) {
            if (slots.length > KEEP_SLOTS) {
                slots = new Object[MIN_SLOTS];
            }
            lo = seq;
            hi = seq;
        } else if (seq > hi) {
            if (seq - lo >= slots.length) {
                makeRoomAbove(seq);
            }
            if (inWindow == 0) {
                lo = seq;
            }
            hi = seq;
        } else if (seq < lo) {
            if (hi - seq >= MAX_WINDOW) {
                outliers.put(seq, value);
                return;
            }
            if (hi - seq >= slots.length) {
                grow(hi - seq + 1);
            }
            lo = seq;
        }
        int i = slot(seq);
        if (slots[i] == null) {
            inWindow++;
        }
        slots[i] = value;
    }

    /** Removes {@code seq}; returns its value, or null when it had none. */
    @SuppressWarnings("unchecked")
    V remove(long seq) {
        if (inWindow > 0 && seq >= lo && seq <= hi) {
            int i = slot(seq);
            Object v = slots[i];
            if (v != null) {
                slots[i] = null;
                inWindow--;
                if (inWindow > 0 && seq == lo) {
                    lo = nextInWindow(seq + 1);
                }
                return (V) v;
            }
        }
        return outliers.isEmpty() ? null : outliers.remove(seq);
    }

    int size() {
        return inWindow + outliers.size();
    }

    boolean isEmpty() {
        return inWindow == 0 && outliers.isEmpty();
    }

    void clear() {
        if (inWindow > 0) {
            Arrays.fill(slots, null);
            inWindow = 0;
        }
        outliers.clear();
    }

    /** The smallest key above {@code after}, or -1 when there is none. */
    long higherKey(long after) {
        long w = -1;
        if (inWindow > 0 && after < hi) {
            w = nextInWindow(Math.max(after + 1, lo));
        }
        if (!outliers.isEmpty()) {
            Long o = outliers.higherKey(after);
            if (o != null && (w < 0 || o < w)) {
                return o;
            }
        }
        return w;
    }

    /** The keys in sequence order (a copy: the caller may change the map while walking it). */
    long[] keys() {
        long[] out = new long[size()];
        int n = 0;
        if (inWindow > 0) {
            for (long q = lo; q <= hi; q++) {
                if (slots[slot(q)] != null) {
                    out[n++] = q;
                }
            }
        }
        if (!outliers.isEmpty()) {
            for (long k : outliers.keySet()) {
                out[n++] = k;
            }
            Arrays.sort(out);
        }
        return out;
    }

    /** Calls {@code action} for every key and value, in sequence order. */
    void forEach(Entries<? super V> action) {
        for (long k : keys()) {
            action.accept(k, get(k));
        }
    }

    /** Removes every key up to and including {@code seq}, telling {@code removed} each, in order. */
    void removeUpTo(long seq, LongConsumer removed) {
        for (long k : keys()) {
            if (k > seq) {
                break;
            }
            remove(k);
            removed.accept(k);
        }
    }

    /** A copy of every entry, as a sorted map (for tests and diagnostics). */
    TreeMap<Long, V> toTreeMap() {
        TreeMap<Long, V> m = new TreeMap<>();
        forEach(m::put);
        return m;
    }

    /** Puts every entry of {@code from}. */
    void putAll(Map<Long, ? extends V> from) {
        from.forEach(this::put);
    }

    /** An entry's key and value. */
    @FunctionalInterface
    interface Entries<V> {
        void accept(long seq, V value);
    }

    private int slot(long seq) {
        return (int) (seq & (slots.length - 1));
    }

    /** The first key in the window at or after {@code from} ({@code inWindow > 0}, some key at or above it). */
    private long nextInWindow(long from) {
        for (long q = from; q <= hi; q++) {
            if (slots[slot(q)] != null) {
                return q;
            }
        }
        return -1;
    }

    /** Before {@code seq} (above {@code hi}) is put: grow the slots, or push the lowest keys out. */
    private void makeRoomAbove(long seq) {
        while (inWindow > 0 && seq - lo >= MAX_WINDOW) {
            int i = slot(lo);
            @SuppressWarnings("unchecked")
            V v = (V) slots[i];
            slots[i] = null;
            outliers.put(lo, v);
            inWindow--;
            lo = inWindow > 0 ? nextInWindow(lo + 1) : seq;
        }
        if (inWindow > 0 && seq - lo >= slots.length) {
            grow(seq - lo + 1);
        }
    }

    /** Slots for a window of {@code span} sequences ({@code inWindow > 0}, span at most {@value #MAX_WINDOW}). */
    private void grow(long span) {
        int n = slots.length;
        while (n < span) {
            n <<= 1;
        }
        Object[] next = new Object[n];
        for (long q = lo; q <= hi; q++) {
            Object v = slots[slot(q)];
            if (v != null) {
                next[(int) (q & (n - 1))] = v;
            }
        }
        slots = next;
    }
}
