package io.jetstart.core.store;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * A set of stream sequences kept small however many it holds: what {@link StartUpRemovals} keeps of
 * the removals at the open in blocks that stay, until the writer tombstones them.
 *
 * <pre>
 *   chunk key = seq &gt;&gt;&gt; 16          one chunk per 65,536 sequences that holds any
 *   +---------+-----------------------------------------------------------+
 *   | keys[i] | chunk i: sorted char[] of (seq &amp; 0xFFFF), up to 4,096    |  2 B a sequence
 *   |         |      or  long[1024], one bit per sequence of the chunk     |  8 KiB flat
 *   +---------+-----------------------------------------------------------+
 * </pre>
 *
 * <p>Design note: the layout of Roaring bitmaps. A chunk's list turns into its bitmap once the list
 * would take more than the bitmap (4,096 entries), so a chunk never takes more than 8 KiB and its
 * entries never more than 2 bytes each: a subject limit lowered over 10 M messages keeps at most
 * 1.25 MB, not 16 bytes a removal (160 MB). Scattered removals (an ack here and there) stay in
 * lists. Timestamps are not kept: the writer reads them again from the blocks at the hand-over.
 * Not thread-safe; made and read on the thread that opens the stream, then on the one that hands
 * it over.
 */
final class RemovedSequences {
    private static final int CHUNK_BITS = 16;
    private static final int LIST_MAX = 4096;
    private static final int BITMAP_WORDS = (1 << CHUNK_BITS) / 64;
    /** An array's header and length, counted in {@link #retainedBytes}. */
    private static final int ARRAY_OVERHEAD = 16;

    private long[] keys = new long[0];
    /** Per chunk: a {@code char[]} list (its used length in {@link #counts}) or a {@code long[]} bitmap. */
    private Object[] chunks = new Object[0];
    private int[] counts = new int[0];
    private int chunkCount;
    private long size;

    /** Adds {@code seq}; false when it was there. */
    boolean add(long seq) {
        long key = seq >>> CHUNK_BITS;
        char low = (char) seq;
        int at = findChunk(key);
        if (at < 0) {
            at = -at - 1;
            insertChunk(at, key);
        }
        Object c = chunks[at];
        if (c instanceof long[] bits) {
            long mask = 1L << (low & 63);
            if ((bits[low >>> 6] & mask) != 0) {
                return false;
            }
            bits[low >>> 6] |= mask;
        } else {
            char[] list = (char[]) c;
            int n = counts[at];
            // Removals come in ascending order within a walk: the end first.
            int pos = n > 0 && list[n - 1] < low ? -n - 1 : Arrays.binarySearch(list, 0, n, low);
            if (pos >= 0) {
                return false;
            }
            pos = -pos - 1;
            if (n == LIST_MAX) {
                long[] bits = new long[BITMAP_WORDS];
                for (int i = 0; i < n; i++) {
                    bits[list[i] >>> 6] |= 1L << (list[i] & 63);
                }
                bits[low >>> 6] |= 1L << (low & 63);
                chunks[at] = bits;
            } else {
                if (n == list.length) {
                    list = Arrays.copyOf(list, Math.min(LIST_MAX, Math.max(8, n * 2)));
                    chunks[at] = list;
                }
                System.arraycopy(list, pos, list, pos + 1, n - pos);
                list[pos] = low;
            }
        }
        counts[at]++;
        size++;
        return true;
    }

    /** Whether {@code seq} is in the set. */
    boolean contains(long seq) {
        int at = findChunk(seq >>> CHUNK_BITS);
        if (at < 0) {
            return false;
        }
        char low = (char) seq;
        if (chunks[at] instanceof long[] bits) {
            return (bits[low >>> 6] & (1L << (low & 63))) != 0;
        }
        return Arrays.binarySearch((char[]) chunks[at], 0, counts[at], low) >= 0;
    }

    /** Removes {@code seq}; false when it was not there. */
    boolean remove(long seq) {
        if (!contains(seq)) {
            return false;
        }
        removeRange(seq, seq);
        return true;
    }

    /** Whether a sequence in [{@code lo}, {@code hi}] is in the set. */
    boolean anyIn(long lo, long hi) {
        if (lo > hi || size == 0) {
            return false;
        }
        int at = findChunk(lo >>> CHUNK_BITS);
        for (int i = at < 0 ? -at - 1 : at; i < chunkCount && keys[i] <= hi >>> CHUNK_BITS; i++) {
            long base = keys[i] << CHUNK_BITS;
            int from = (int) Math.max(0, lo - base);
            int to = (int) Math.min((1 << CHUNK_BITS) - 1, hi - base);
            if (chunks[i] instanceof long[] bits) {
                for (int b = from; b <= to; b++) {
                    if ((bits[b >>> 6] & (1L << (b & 63))) != 0) {
                        return true;
                    }
                }
            } else {
                char[] list = (char[]) chunks[i];
                int pos = Arrays.binarySearch(list, 0, counts[i], (char) from);
                pos = pos >= 0 ? pos : -pos - 1;
                if (pos < counts[i] && list[pos] <= to) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Removes every sequence in [{@code lo}, {@code hi}] (a block the removals emptied). */
    void removeRange(long lo, long hi) {
        if (lo > hi || size == 0) {
            return;
        }
        int at = findChunk(lo >>> CHUNK_BITS);
        int i = at < 0 ? -at - 1 : at;
        while (i < chunkCount && keys[i] <= hi >>> CHUNK_BITS) {
            long base = keys[i] << CHUNK_BITS;
            int from = (int) Math.max(0, lo - base);
            int to = (int) Math.min((1 << CHUNK_BITS) - 1, hi - base);
            int gone = 0;
            if (chunks[i] instanceof long[] bits) {
                for (int b = from; b <= to; b++) {
                    long mask = 1L << (b & 63);
                    if ((bits[b >>> 6] & mask) != 0) {
                        bits[b >>> 6] &= ~mask;
                        gone++;
                    }
                }
            } else {
                char[] list = (char[]) chunks[i];
                int n = counts[i];
                int a = Arrays.binarySearch(list, 0, n, (char) from);
                a = a >= 0 ? a : -a - 1;
                int b = a;
                while (b < n && list[b] <= to) {
                    b++;
                }
                System.arraycopy(list, b, list, a, n - b);
                gone = b - a;
            }
            counts[i] -= gone;
            size -= gone;
            if (counts[i] == 0) {
                removeChunk(i);
            } else {
                i++;
            }
        }
    }

    /** Calls {@code each} with every sequence, ascending. */
    void forEach(LongConsumer each) {
        for (int i = 0; i < chunkCount; i++) {
            long base = keys[i] << CHUNK_BITS;
            if (chunks[i] instanceof long[] bits) {
                for (int w = 0; w < BITMAP_WORDS; w++) {
                    long word = bits[w];
                    while (word != 0) {
                        each.accept(base + w * 64L + Long.numberOfTrailingZeros(word));
                        word &= word - 1;
                    }
                }
            } else {
                char[] list = (char[]) chunks[i];
                for (int j = 0; j < counts[i]; j++) {
                    each.accept(base + list[j]);
                }
            }
        }
    }

    long size() {
        return size;
    }

    /** The bytes of the arrays this holds. */
    long retainedBytes() {
        long bytes = 8L * keys.length + 4L * counts.length + 4L * chunks.length + 3L * ARRAY_OVERHEAD;
        for (int i = 0; i < chunkCount; i++) {
            bytes += ARRAY_OVERHEAD + (chunks[i] instanceof long[] bits ? 8L * bits.length : 2L * ((char[]) chunks[i]).length);
        }
        return bytes;
    }

    private int findChunk(long key) {
        return Arrays.binarySearch(keys, 0, chunkCount, key);
    }

    private void insertChunk(int at, long key) {
        if (chunkCount == keys.length) {
            int grown = Math.max(4, chunkCount * 2);
            keys = Arrays.copyOf(keys, grown);
            chunks = Arrays.copyOf(chunks, grown);
            counts = Arrays.copyOf(counts, grown);
        }
        System.arraycopy(keys, at, keys, at + 1, chunkCount - at);
        System.arraycopy(chunks, at, chunks, at + 1, chunkCount - at);
        System.arraycopy(counts, at, counts, at + 1, chunkCount - at);
        keys[at] = key;
        chunks[at] = new char[4];
        counts[at] = 0;
        chunkCount++;
    }

    private void removeChunk(int at) {
        System.arraycopy(keys, at + 1, keys, at, chunkCount - at - 1);
        System.arraycopy(chunks, at + 1, chunks, at, chunkCount - at - 1);
        System.arraycopy(counts, at + 1, counts, at, chunkCount - at - 1);
        chunkCount--;
        chunks[chunkCount] = null;
    }
}
