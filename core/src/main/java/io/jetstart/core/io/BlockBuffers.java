package io.jetstart.core.io;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A fixed number of reusable block-sized buffers shared by every stream being opened.
 *
 * <p>Design note: a stream task holds a buffer from the read of a block until its parse ends,
 * outside the {@link DiskGate}. Without this pool, a thousand streams parsing at once would each
 * hold an 8 MiB array. With it, heap use is bounded by {@code count × largest block} whatever the
 * number of streams, which is how a 1 GB store rebuilds under {@code -Xmx64m}. Thread-safe; build it
 * before the first fork and share it.
 */
public final class BlockBuffers {
    /** The largest block we read: nats-server writes at most 8 MiB blocks, or one 32 MiB record. */
    public static final int MAX_BLOCK_BYTES = 64 << 20;

    private final BlockingQueue<byte[]> free;
    private final int count;

    public BlockBuffers(int count) {
        if (count < 1 || count > 4096) {
            throw new IllegalArgumentException("block buffer count must be 1..4096, got " + count);
        }
        this.count = count;
        this.free = new ArrayBlockingQueue<>(count);
        for (int i = 0; i < count; i++) {
            free.add(new byte[0]);
        }
    }

    public int count() {
        return count;
    }

    /**
     * Lets the heap have the arrays of the free buffers back, but for the {@code keep} largest: the
     * pool keeps its count, the others start again from an empty array. A recovery grows every
     * buffer to the largest block it read (a store of 8 MiB blocks opened with 32 workers kept
     * 256 MiB after its recovery ended); what is read after it (an embedded store's block cache)
     * needs one or two at a time. Buffers on loan keep their arrays until closed. Thread-safe; an
     * acquire meanwhile waits for the buffers to come back.
     */
    public void trim(int keep) {
        java.util.List<byte[]> taken = new java.util.ArrayList<>(count);
        free.drainTo(taken);
        // The largest first, by selection: keep is 0 or 1, and no comparator class to spin at the
        // end of a fresh JVM's recovery.
        for (int k = 0; k < Math.min(keep, taken.size()); k++) {
            int max = k;
            for (int i = k + 1; i < taken.size(); i++) {
                if (taken.get(i).length > taken.get(max).length) {
                    max = i;
                }
            }
            java.util.Collections.swap(taken, k, max);
        }
        for (int i = 0; i < taken.size(); i++) {
            free.add(i < keep ? taken.get(i) : new byte[0]);
        }
    }

    /** Bytes held by the free buffers' arrays (those on loan not counted). */
    public long heldBytes() {
        long n = 0;
        for (byte[] b : free) {
            n += b.length;
        }
        return n;
    }

    /** Waits for a buffer of at least {@code size} bytes. Release it with {@link Lease#close()}. */
    public Lease acquire(int size) throws InterruptedException {
        if (size < 0 || size > MAX_BLOCK_BYTES) {
            throw new IllegalArgumentException("block buffer size " + size + " outside 0.." + MAX_BLOCK_BYTES);
        }
        byte[] b = free.take();
        if (b.length < size) {
            // Grow to the next MiB so that blocks of slightly different sizes reuse the array.
            int want = (int) Math.min(MAX_BLOCK_BYTES, ((long) size + (1 << 20) - 1) & ~((1L << 20) - 1));
            try {
                b = new byte[Math.max(want, size)];
            } catch (OutOfMemoryError e) {
                free.add(new byte[0]);
                throw e;
            }
        }
        return new Lease(b);
    }

    /** A buffer on loan; close it exactly once to give it back. */
    public final class Lease implements AutoCloseable {
        private byte[] array;

        private Lease(byte[] array) {
            this.array = array;
        }

        public byte[] array() {
            if (array == null) {
                throw new IllegalStateException("buffer already released");
            }
            return array;
        }

        /**
         * Makes {@link #array()} at least {@code size} bytes long, for a block whose plaintext is
         * longer than its file (S2-compressed). The contents are not kept; the larger array goes
         * back to the pool on {@link #close()}.
         */
        public byte[] ensureCapacity(int size) {
            if (size < 0 || size > MAX_BLOCK_BYTES) {
                throw new IllegalArgumentException("block buffer size " + size + " outside 0.." + MAX_BLOCK_BYTES);
            }
            byte[] a = array();
            if (a.length < size) {
                array = new byte[(int) Math.min(MAX_BLOCK_BYTES, ((long) size + (1 << 20) - 1) & ~((1L << 20) - 1))];
            }
            return array;
        }

        @Override
        public void close() {
            if (array != null) {
                free.add(array);
                array = null;
            }
        }
    }
}
