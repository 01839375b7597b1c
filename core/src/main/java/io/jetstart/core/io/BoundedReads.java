package io.jetstart.core.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Whole-file and tail reads with a size limit checked before anything is allocated, each done as
 * ONE operation through the {@link DiskGate}.
 *
 * <p>Design note: the size is taken from the open file, not a separate stat, so the check and
 * the read see the same file even if it is renamed over meanwhile. A file can still change while it
 * is read (nats-server rewrites {@code index.db} in place): a file that shrank returns what was
 * there, a file that grew is read to its new end as long as it stays within the limit, so the caller
 * always gets one contiguous prefix of the file and never a buffer padded with zeros.
 *
 * <p>A file of the default file system is read through a {@link RandomAccessFile}: a recovery reads
 * nine small files per stream, and a {@link FileChannel}'s open, size, read and close run several
 * times more Java code (option sets, the interruptible-channel bookkeeping, a temporary direct
 * buffer per read), which a fresh JVM runs uncompiled at first, on every worker at once: reading
 * 6,000 of {@code many}'s small files in a fresh C1 JVM took 90-94 ms of CPU through channels and
 * 69-71 ms this way, on two threads 99-117 against 73-76 ms (docs/benchmarks-passes.md, fourth pass on
 * {@code many}). The channel still opens what the plain open refuses, so a missing file is still a
 * {@link java.nio.file.NoSuchFileException}, an unreadable one an
 * {@link java.nio.file.AccessDeniedException}, and it reads for a thread already interrupted, which
 * gets the channel's {@link java.nio.channels.ClosedByInterruptException}. An interrupt that comes
 * during a plain read is seen at the next gate operation (a small file is read in microseconds).
 */
public final class BoundedReads {
    /** Java arrays stop a little below {@code Integer.MAX_VALUE}. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;
    private static final int GROW_CHUNK = 64 * 1024;
    /** The plain read's first buffer ({@link #readPlain}'s design note). */
    private static final int FIRST_READ = ReadBuffer.SIZE;

    private BoundedReads() {
    }

    /** Reads into {@code b} from {@code off}, at most {@code len} bytes: the count, or -1 at end of file. */
    @FunctionalInterface
    private interface Reads {
        int read(byte[] b, int off, int len) throws IOException;
    }

    /**
     * Reads a whole file of at most {@code maxBytes}.
     *
     * @throws IOException naming the file and both sizes if it is (or grows) larger than
     *                     {@code maxBytes}; {@link java.nio.file.NoSuchFileException} if it is missing
     */
    public static byte[] readAll(Path file, long maxBytes, DiskGate gate) throws IOException {
        return readAll(file, maxBytes, gate, null);
    }

    /**
     * As {@link #readAll(Path, long, DiskGate)}, the first read going into {@code first}'s buffer
     * instead of a new one (null: a new one). What comes back is always a new array of the file's
     * bytes; the buffer is only read into, and is given back before this returns.
     */
    public static byte[] readAll(Path file, long maxBytes, DiskGate gate, ReadBuffer first) throws IOException {
        if (maxBytes < 0 || maxBytes > MAX_ARRAY) {
            throw new IllegalArgumentException("maxBytes must be in [0, " + MAX_ARRAY + "], got " + maxBytes);
        }
        return gate.run(new ReadAll(file, maxBytes, first));
    }

    private static byte[] readAll(Path file, long size, long maxBytes, Reads in) throws IOException {
        if (size > maxBytes) {
            throw tooLarge(file, size, maxBytes);
        }
        byte[] buf = new byte[(int) size];
        int n = readFully(in, buf, 0, buf.length);
        if (n < buf.length) {
            return Arrays.copyOf(buf, n); // shrank while we read
        }
        return readGrowth(in, file, buf, maxBytes);
    }

    /**
     * The file opened for reading without a channel, or null where a channel must read it: a path
     * {@code java.io} may not name exactly ({@link PlainFileNames}), a thread already interrupted, or
     * a file the plain open refuses (the channel's open then says why, as before).
     */
    private static RandomAccessFile openPlain(Path file) {
        if (!PlainFileNames.sameThroughJavaIo(file) || Thread.currentThread().isInterrupted()) {
            return null;
        }
        try {
            return new RandomAccessFile(file.toFile(), "r");
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    /**
     * Continues past the size seen at open for as long as the file keeps growing. A one-byte probe
     * answers the common case (it did not grow) without allocating a chunk: a recovery reads nine
     * small files per stream, and a 64 KiB chunk each made 1,000 streams allocate ~600 MB.
     */
    private static byte[] readGrowth(Reads in, Path file, byte[] buf, long maxBytes) throws IOException {
        byte[] probe = new byte[1];
        if (readFully(in, probe, 0, 1) == 0) {
            return buf;
        }
        int len = buf.length;
        if (len + 1L > maxBytes) {
            throw tooLarge(file, len + 1L, maxBytes);
        }
        buf = Arrays.copyOf(buf, (int) Math.min(maxBytes, Math.max(len + 1L, 2L * len)));
        buf[len++] = probe[0];
        byte[] chunk = new byte[GROW_CHUNK];
        while (true) {
            int n = readFully(in, chunk, 0, chunk.length);
            if (n == 0) {
                return len == buf.length ? buf : Arrays.copyOf(buf, len);
            }
            if (len + (long) n > maxBytes) {
                throw tooLarge(file, len + (long) n, maxBytes);
            }
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(maxBytes, Math.max((long) len + n, 2L * buf.length)));
            }
            System.arraycopy(chunk, 0, buf, len, n);
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
        return gate.run(new ReadTail(file, n));
    }

    private static byte[] readTail(int want, Reads in) throws IOException {
        byte[] buf = new byte[want];
        int got = readFully(in, buf, 0, want);
        return got == want ? buf : Arrays.copyOf(buf, got);
    }

    /** Fills {@code len} bytes of {@code b} from {@code off} or stops at end of file; returns the bytes read. */
    private static int readFully(Reads in, byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int n = in.read(b, off + total, len - total);
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

    // Named classes, not lambdas: a stream's meta files and tail are read on the first stream's
    // way, where a fresh JVM would spin a lambda's class at run time (FileChecks' design note).

    /** The whole file through the gate ({@link #readAll(Path, long, DiskGate)}). */
    private static final class ReadAll implements DiskGate.Io<byte[]> {
        private final Path file;
        private final long maxBytes;
        private final ReadBuffer first;

        ReadAll(Path file, long maxBytes, ReadBuffer first) {
            this.file = file;
            this.maxBytes = maxBytes;
            this.first = first;
        }

        @Override
        public byte[] call() throws IOException {
            RandomAccessFile plain = openPlain(file);
            if (plain == null) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    return readAll(file, ch.size(), maxBytes, new ChannelReads(ch));
                }
            }
            byte[] head = first == null ? new byte[(int) Math.min(maxBytes + 1, FIRST_READ)] : first.lend();
            try (plain) {
                return readPlain(file, plain, maxBytes, head);
            } finally {
                if (first != null) {
                    first.giveBack(head);
                }
            }
        }
    }

    /**
     * A whole file through a plain open: one read into a first buffer of at most
     * {@link #FIRST_READ} bytes (and never more than the limit allows plus the one byte that shows
     * the file is over it). A read that does not fill it is the file's end: for a regular file,
     * which every store file is, {@code read(2)} returns fewer bytes than asked only at the end, so
     * neither the size nor a probe read is needed. A read that fills it asks the size and goes on as
     * {@link #readAll(Path, long, long, Reads)} does, the size checked against the limit before the
     * rest is allocated.
     *
     * <p>Design note: nine of a stream's ten small files are read this way (its {@code meta.inf},
     * {@code meta.sum}, {@code index.db}, and each consumer's {@code meta.inf}, {@code meta.sum} and
     * {@code o.dat}), and every one was {@code openat}, {@code fstat} (the open's directory check),
     * {@code fstat} (the size), {@code read}, {@code read} (the end) and {@code close}: dropping the
     * size and the probe is two system calls in six, ~18 a stream (docs/benchmarks-passes.md, "Fifth pass on
     * {@code many}"). The first buffer is small on purpose: every file allocates it, and one of 8 KiB
     * (the JDK's stack buffer) made a recovery of {@code many} allocate ~74 MB more, collected during
     * the run, and was slower than before; 1 KiB holds {@code many}'s files (16 to 442 bytes) and
     * most meta files; a larger file costs one read more than it did (the first, then the size and the rest).
     * A stream's reads share one first buffer ({@link ReadBuffer}), so only the exact copy is new.
     *
     * @param head the first buffer, at least {@code min(maxBytes + 1, FIRST_READ)} bytes: only its first {@code n}
     *             bytes, read from this file just now, are ever copied out of it
     */
    private static byte[] readPlain(Path file, RandomAccessFile plain, long maxBytes, byte[] head) throws IOException {
        int first = (int) Math.min(maxBytes + 1, FIRST_READ);
        int n = plain.read(head, 0, first);
        if (n < first) {
            return n <= 0 ? new byte[0] : Arrays.copyOf(head, n);
        }
        // The first buffer is full: the file is at least this long (or grew to it since the open).
        long size = Math.max(plain.length(), n);
        if (size > maxBytes) {
            throw tooLarge(file, size, maxBytes);
        }
        byte[] buf = new byte[(int) size];
        System.arraycopy(head, 0, buf, 0, n);
        Reads in = new PlainReads(plain);
        int m = n + readFully(in, buf, n, buf.length - n);
        if (m < buf.length) {
            return Arrays.copyOf(buf, m); // shrank while we read
        }
        return readGrowth(in, file, buf, maxBytes);
    }

    /** The file's last bytes through the gate ({@link #readTail(Path, int, DiskGate)}). */
    private static final class ReadTail implements DiskGate.Io<byte[]> {
        private final Path file;
        private final int n;

        ReadTail(Path file, int n) {
            this.file = file;
            this.n = n;
        }

        @Override
        public byte[] call() throws IOException {
            RandomAccessFile plain = openPlain(file);
            if (plain == null) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    long size = ch.size();
                    int want = (int) Math.min(n, size);
                    ch.position(size - want);
                    return readTail(want, new ChannelReads(ch));
                }
            }
            try (plain) {
                long size = plain.length();
                int want = (int) Math.min(n, size);
                plain.seek(size - want);
                return readTail(want, new PlainReads(plain));
            }
        }
    }

    private static final class ChannelReads implements Reads {
        private final FileChannel ch;

        ChannelReads(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return ch.read(ByteBuffer.wrap(b, off, len));
        }
    }

    private static final class PlainReads implements Reads {
        private final RandomAccessFile plain;

        PlainReads(RandomAccessFile plain) {
            this.plain = plain;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return plain.read(b, off, len);
        }
    }
}
