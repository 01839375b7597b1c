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
