package io.jetstart.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Whole-file and tail reads with a size limit checked before anything is allocated, each done as
 * ONE operation through the {@link DiskGate}.
 *
 * <p>Design note: the size is taken from the open channel, not a separate stat, so the check and
 * the read see the same file even if it is renamed over meanwhile. A file can still change while it
 * is read (nats-server rewrites {@code index.db} in place): a file that shrank returns what was
 * there, a file that grew is read to its new end as long as it stays within the limit, so the caller
 * always gets one contiguous prefix of the file and never a buffer padded with zeros.
 */
public final class BoundedReads {
    /** Java arrays stop a little below {@code Integer.MAX_VALUE}. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;
    private static final int GROW_CHUNK = 64 * 1024;

    private BoundedReads() {
    }

    /**
     * Reads a whole file of at most {@code maxBytes}.
     *
     * @throws IOException naming the file and both sizes if it is (or grows) larger than
     *                     {@code maxBytes}; {@link java.nio.file.NoSuchFileException} if it is missing
     */
    public static byte[] readAll(Path file, long maxBytes, DiskGate gate) throws IOException {
        if (maxBytes < 0 || maxBytes > MAX_ARRAY) {
            throw new IllegalArgumentException("maxBytes must be in [0, " + MAX_ARRAY + "], got " + maxBytes);
        }
        return gate.run(() -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size > maxBytes) {
                    throw tooLarge(file, size, maxBytes);
                }
                byte[] buf = new byte[(int) size];
                int n = readFully(ch, ByteBuffer.wrap(buf));
                if (n < buf.length) {
                    return Arrays.copyOf(buf, n); // shrank while we read
                }
                return readGrowth(ch, file, buf, maxBytes);
            }
        });
    }

    /**
     * Continues past the size seen at open for as long as the file keeps growing. A one-byte probe
     * answers the common case (it did not grow) without allocating a chunk: a recovery reads nine
     * small files per stream, and a 64 KiB chunk each made 1,000 streams allocate ~600 MB.
     */
    private static byte[] readGrowth(FileChannel ch, Path file, byte[] buf, long maxBytes) throws IOException {
        ByteBuffer probe = ByteBuffer.allocate(1);
        if (readFully(ch, probe) == 0) {
            return buf;
        }
        int len = buf.length;
        if (len + 1L > maxBytes) {
            throw tooLarge(file, len + 1L, maxBytes);
        }
        buf = Arrays.copyOf(buf, (int) Math.min(maxBytes, Math.max(len + 1L, 2L * len)));
        buf[len++] = probe.get(0);
        ByteBuffer chunk = ByteBuffer.allocate(GROW_CHUNK);
        while (true) {
            chunk.clear();
            int n = readFully(ch, chunk);
            if (n == 0) {
                return len == buf.length ? buf : Arrays.copyOf(buf, len);
            }
            if (len + (long) n > maxBytes) {
                throw tooLarge(file, len + (long) n, maxBytes);
            }
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(maxBytes, Math.max((long) len + n, 2L * buf.length)));
            }
            System.arraycopy(chunk.array(), 0, buf, len, n);
            len += n;
        }
    }

    /**
     * Reads the last {@code n} bytes of a file (all of it if shorter), e.g. a block's last record
     * checksum for the {@code index.db} fast-path check. The tail is taken at the size seen when
     * the file was opened; if the file shrinks before the read, fewer bytes come back, which a
     * caller comparing checksums sees as a mismatch and treats as "not verified".
     */
    public static byte[] readTail(Path file, int n, DiskGate gate) throws IOException {
        if (n < 0) {
            throw new IllegalArgumentException("tail length must be >= 0, got " + n);
        }
        return gate.run(() -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                int want = (int) Math.min(n, size);
                ch.position(size - want);
                byte[] buf = new byte[want];
                int got = readFully(ch, ByteBuffer.wrap(buf));
                return got == want ? buf : Arrays.copyOf(buf, got);
            }
        });
    }

    /** Fills {@code dst} or stops at end of file; returns the bytes read. */
    private static int readFully(FileChannel ch, ByteBuffer dst) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = ch.read(dst);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static IOException tooLarge(Path file, long size, long maxBytes) {
        return new IOException(file + " is " + size + " bytes, more than the " + maxBytes
                + " bytes allowed for this file; refusing to read it");
    }
}
