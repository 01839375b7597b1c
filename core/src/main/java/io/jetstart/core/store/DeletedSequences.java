package io.jetstart.core.store;

import io.jetstart.core.format.SequenceSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.function.LongConsumer;

/**
 * A stream's deleted sequences (nats-server's {@code state.Deleted}), ascending, held as what
 * they come from: the gaps between blocks as ranges, and a frozen copy of each block's deleted
 * map. Immutable; iterate it, never expect an array of it.
 *
 * <pre>
 *   parts, in block order:  [gap lo..hi] [block 1's map] [gap lo..hi] [block 4's map] ...
 *   a gap:                  two longs, whatever its width
 *   a block's map:          one 2048-bit node per window of sequences that holds a delete
 *                           (nats-server's avl.SequenceSet layout, 264 bytes per node)
 * </pre>
 *
 * <p>Design note: a stream whose middle blocks were removed (a purge up to a sequence, a work
 * queue acknowledged out of order, the emptied blocks the server and the runtime delete) can have
 * a hundred million deleted sequences between two blocks of a few messages each. The list of them
 * this replaces cost 16 to 24 bytes a sequence on every recovery of such a stream, and ran out of
 * memory on a valid store; nats-server's {@code State()} does not list them at start-up either.
 * Here memory follows the number of blocks and the spread of their deletes, as the blocks' own
 * maps do. Counting is free; every reader (the JSON report, {@link StateComparison}) walks it once.
 *
 * <p>The parts are ascending and disjoint on every store the runtime or nats-server writes, and
 * are then read one after the other. A store where they are not (a block's map naming a sequence
 * below its first, or inside the gap before it) is read as a merge of the parts, with a sequence
 * named twice listed twice: exactly the sorted list this replaces, never a different answer.
 */
public final class DeletedSequences {
    private static final Part[] NO_PARTS = new Part[0];
    private static final DeletedSequences NONE = new DeletedSequences(NO_PARTS, 0, true);
    /** The most {@link #toArray} gives: the largest array a JVM allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** How many sequences {@link #toString} shows. */
    private static final int SHOWN = 20;

    private final Part[] parts;
    private final long size;
    /** Whether each part lies wholly above the one before it, so reading them in turn is ascending. */
    private final boolean ordered;

    private DeletedSequences(Part[] parts, long size, boolean ordered) {
        this.parts = parts;
        this.size = size;
        this.ordered = ordered;
    }

    /** No deleted sequences; one shared value, so a stream without deletes costs nothing. */
    public static DeletedSequences none() {
        return NONE;
    }

    /** The number of deleted sequences: {@code num_deleted}. */
    public long size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Every deleted sequence, ascending. */
    public void forEach(LongConsumer action) {
        if (ordered) {
            for (Part p : parts) {
                p.forEach(action);
            }
        } else {
            PrimitiveIterator.OfLong it = iterator();
            while (it.hasNext()) {
                action.accept(it.nextLong());
            }
        }
    }

    /** Every deleted sequence, ascending; allocates a cursor per part, never per sequence. */
    public PrimitiveIterator.OfLong iterator() {
        if (size == 0) {
            return new Merged(NO_PARTS);
        }
        return ordered ? new Chained(parts) : new Merged(parts);
    }

    /**
     * The sequences as an array, for a caller that knows the set is small (a test, a report of one
     * small stream). A stream's deletes may number in the hundreds of millions: iterate them instead.
     *
     * @throws IllegalStateException when there are more than an array holds
     */
    public long[] toArray() {
        if (size > MAX_ARRAY) {
            throw new IllegalStateException(size + " deleted sequences do not fit in an array; iterate them");
        }
        long[] out = new long[(int) size];
        PrimitiveIterator.OfLong it = iterator();
        for (int i = 0; i < out.length; i++) {
            out[i] = it.nextLong();
        }
        return out;
    }

    /** The same sequences in the same order (read once each, in step). */
    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof DeletedSequences other) || other.size != size) {
            return false;
        }
        PrimitiveIterator.OfLong a = iterator();
        PrimitiveIterator.OfLong b = other.iterator();
        while (a.hasNext()) {
            if (a.nextLong() != b.nextLong()) {
                return false;
            }
        }
        return true;
    }

    /** From the count only: equal sets have equal counts, and hashing must not walk a hundred million sequences. */
    @Override
    public int hashCode() {
        return Long.hashCode(size);
    }

    /** The first sequences and the count, e.g. {@code [2, 3, 4, ... 100000000 in all]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        PrimitiveIterator.OfLong it = iterator();
        for (int i = 0; i < SHOWN && it.hasNext(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(it.nextLong());
        }
        if (size > SHOWN) {
            sb.append(", ... ").append(size).append(" in all");
        }
        return sb.append(']').toString();
    }

    /**
     * Collects the parts in block order. Not thread-safe; one per {@link StreamStore#state()} call.
     * Allocates nothing until a part is added.
     */
    static final class Builder {
        private List<Part> parts;
        private long size;
        private boolean ordered = true;
        private long last = Long.MIN_VALUE;

        /** Every sequence in [from, to] (inclusive); nothing when {@code from > to}. */
        Builder addRange(long from, long to) {
            if (from <= to) {
                add(new Range(from, to));
            }
            return this;
        }

        /** A copy of {@code set} as it is now: the block's map goes on changing, this value does not. */
        Builder addAll(SequenceSet set) {
            if (!set.isEmpty()) {
                add(Frozen.of(set));
            }
            return this;
        }

        private void add(Part p) {
            if (parts == null) {
                parts = new ArrayList<>(4);
            }
            ordered &= p.first() > last;
            last = Math.max(last, p.last());
            size += p.size();
            parts.add(p);
        }

        DeletedSequences build() {
            return parts == null ? NONE : new DeletedSequences(parts.toArray(NO_PARTS), size, ordered);
        }
    }

    /** One source of deleted sequences: ascending, each once. */
    private sealed interface Part permits Range, Frozen {
        long first();

        long last();

        long size();

        void forEach(LongConsumer action);

        PrimitiveIterator.OfLong iterator();
    }

    /** A gap between blocks: every sequence in [first, last]. */
    private record Range(long first, long last) implements Part {
        @Override
        public long size() {
            return last - first + 1;
        }

        @Override
        public void forEach(LongConsumer action) {
            for (long s = first; s <= last; s++) {
                action.accept(s);
            }
        }

        @Override
        public PrimitiveIterator.OfLong iterator() {
            return new RangeCursor(first, last);
        }
    }

    private static final class RangeCursor implements PrimitiveIterator.OfLong {
        private long next;
        private final long last;

        RangeCursor(long first, long last) {
            this.next = first;
            this.last = last;
        }

        @Override
        public boolean hasNext() {
            return next <= last;
        }

        @Override
        public long nextLong() {
            if (next > last) {
                throw new NoSuchElementException();
            }
            return next++;
        }
    }

    /**
     * A block's deleted map as it was: the nodes' bases, ascending, and their 32 words each in one
     * array ({@link SequenceSet}'s own layout without its tree), so reading it allocates nothing.
     */
    private record Frozen(long[] bases, long[] words, long size, long first, long last) implements Part {
        static Frozen of(SequenceSet set) {
            Map<Long, long[]> nodes = set.nodes();
            long[] bases = new long[nodes.size()];
            long[] words = new long[nodes.size() * SequenceSet.WORDS_PER_NODE];
            int i = 0;
            for (Map.Entry<Long, long[]> e : nodes.entrySet()) {
                bases[i] = e.getKey();
                System.arraycopy(e.getValue(), 0, words, i * SequenceSet.WORDS_PER_NODE, SequenceSet.WORDS_PER_NODE);
                i++;
            }
            return new Frozen(bases, words, set.size(), lowest(bases, words), highest(bases, words));
        }

        private static long lowest(long[] bases, long[] words) {
            for (int w = 0; w < words.length; w++) {
                if (words[w] != 0) {
                    return bases[w / SequenceSet.WORDS_PER_NODE] + 64L * (w % SequenceSet.WORDS_PER_NODE)
                            + Long.numberOfTrailingZeros(words[w]);
                }
            }
            throw new IllegalStateException("an empty deleted map has no lowest sequence");
        }

        private static long highest(long[] bases, long[] words) {
            for (int w = words.length - 1; w >= 0; w--) {
                if (words[w] != 0) {
                    return bases[w / SequenceSet.WORDS_PER_NODE] + 64L * (w % SequenceSet.WORDS_PER_NODE)
                            + 63 - Long.numberOfLeadingZeros(words[w]);
                }
            }
            throw new IllegalStateException("an empty deleted map has no highest sequence");
        }

        @Override
        public void forEach(LongConsumer action) {
            for (int w = 0; w < words.length; w++) {
                long bits = words[w];
                long lo = bases[w / SequenceSet.WORDS_PER_NODE] + 64L * (w % SequenceSet.WORDS_PER_NODE);
                while (bits != 0) {
                    action.accept(lo + Long.numberOfTrailingZeros(bits));
                    bits &= bits - 1;
                }
            }
        }

        @Override
        public PrimitiveIterator.OfLong iterator() {
            return new FrozenCursor(this);
        }

        // A record's equals would compare the arrays by identity; a part is never compared.
    }

    private static final class FrozenCursor implements PrimitiveIterator.OfLong {
        private final Frozen f;
        /** The word being read; its bits not yet returned are in {@code bits}. */
        private int w = -1;
        private long bits;

        FrozenCursor(Frozen f) {
            this.f = f;
            advance();
        }

        private void advance() {
            while (bits == 0 && ++w < f.words.length) {
                bits = f.words[w];
            }
        }

        @Override
        public boolean hasNext() {
            return bits != 0;
        }

        @Override
        public long nextLong() {
            if (bits == 0) {
                throw new NoSuchElementException();
            }
            long seq = f.bases[w / SequenceSet.WORDS_PER_NODE] + 64L * (w % SequenceSet.WORDS_PER_NODE)
                    + Long.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            advance();
            return seq;
        }
    }

    /** The parts one after the other: ascending because each lies above the one before. */
    private static final class Chained implements PrimitiveIterator.OfLong {
        private final Part[] parts;
        private int at;
        private PrimitiveIterator.OfLong cur;

        Chained(Part[] parts) {
            this.parts = parts;
            this.cur = parts[0].iterator();
        }

        @Override
        public boolean hasNext() {
            while (!cur.hasNext()) {
                if (++at >= parts.length) {
                    return false;
                }
                cur = parts[at].iterator();
            }
            return true;
        }

        @Override
        public long nextLong() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return cur.nextLong();
        }
    }

    /**
     * The parts merged, smallest head first (a binary heap of cursors): for a store whose parts
     * overlap or are out of order. A sequence in two parts comes twice, as in a sorted list of both.
     */
    private static final class Merged implements PrimitiveIterator.OfLong {
        private final PrimitiveIterator.OfLong[] cursors;
        private final long[] heads;
        /** Indexes into cursors/heads, a min-heap by head; the first {@code n} are live. */
        private final int[] heap;
        private int n;

        Merged(Part[] parts) {
            cursors = new PrimitiveIterator.OfLong[parts.length];
            heads = new long[parts.length];
            heap = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                cursors[i] = parts[i].iterator();
                if (cursors[i].hasNext()) {
                    heads[i] = cursors[i].nextLong();
                    heap[n] = i;
                    up(n++);
                }
            }
        }

        @Override
        public boolean hasNext() {
            return n > 0;
        }

        @Override
        public long nextLong() {
            if (n == 0) {
                throw new NoSuchElementException();
            }
            int top = heap[0];
            long seq = heads[top];
            if (cursors[top].hasNext()) {
                heads[top] = cursors[top].nextLong();
            } else {
                heap[0] = heap[--n];
            }
            down(0);
            return seq;
        }

        private void up(int i) {
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heads[heap[parent]] <= heads[heap[i]]) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void down(int i) {
            while (true) {
                int l = 2 * i + 1;
                if (l >= n) {
                    return;
                }
                int least = l + 1 < n && heads[heap[l + 1]] < heads[heap[l]] ? l + 1 : l;
                if (heads[heap[i]] <= heads[heap[least]]) {
                    return;
                }
                swap(i, least);
                i = least;
            }
        }

        private void swap(int a, int b) {
            int t = heap[a];
            heap[a] = heap[b];
            heap[b] = t;
        }
    }
}
