package io.jetstart.core.io;

import io.jetstart.core.compress.BlockCompression;
import io.jetstart.core.format.FormatException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Blocking access to the files of a stream's {@code msgs/} directory, one gated operation each.
 *
 * <p>Every method treats an interrupt ({@link ClosedByInterruptException}, which the JDK raises
 * when a thread is interrupted inside a {@link FileChannel} read) as cancellation and throws
 * {@link InterruptedException}, never as a damaged file.
 */
public final class BlockFiles {
    private BlockFiles() {
    }

    /** Block indexes of {@code msgs/}: names ending in {@code .blk} that parse as {@code %d.blk}, ascending. */
    public static List<Long> listBlocks(Path msgsDir, DiskGate gate) throws IOException, InterruptedException {
        return listMsgs(msgsDir, gate).blocks();
    }

    /** One listing of {@code msgs/}: its block indexes (as {@link #listBlocks}) and whether it holds 2.9 {@code .idx} files. */
    public static MsgsListing listMsgs(Path msgsDir, DiskGate gate) throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        try {
            gate.run(() -> {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(msgsDir)) {
                    for (Path p : ds) {
                        names.add(p.getFileName().toString());
                    }
                }
                return null;
            });
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw interrupted(e);
        }
        return MsgsListing.of(names);
    }

    /** The index of a block file's name ({@code %d.blk}, index &gt; 0), or -1 when the name is not a block's. */
    public static long blockIndexOf(String fileName) {
        if (!fileName.endsWith(".blk")) {
            return -1;
        }
        long idx = parseIndex(fileName.substring(0, fileName.length() - 4));
        return idx > 0 ? idx : -1;
    }

    /**
     * The block index nats-server 2.10.x reads from a name that is not {@code <n>.blk} but starts
     * with it ({@code 177.blk.123.tmp}, {@code 5.blk.bak}): its {@code fmt.Sscanf(name, "%d.blk")}
     * ignores what follows, so it reads such a file as that block a second time when it rebuilds
     * (2.15.1 checks the suffix first). -1 for every other name, blocks included.
     */
    public static long lookalikeIndexOf(String fileName) {
        int dot = fileName.indexOf(".blk");
        if (dot <= 0 || fileName.length() == dot + 4) {
            return -1;
        }
        long idx = parseIndex(fileName.substring(0, dot));
        return idx > 0 ? idx : -1;
    }

    /** Go's {@code fmt.Sscanf("%d.blk")} accepts a decimal prefix; we require the whole name. */
    static long parseIndex(String digits) {
        if (digits.isEmpty() || digits.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= 0xffff_ffffL ? v : -1;
    }

    public static Path blockPath(Path msgsDir, long index) {
        return msgsDir.resolve(index + ".blk");
    }

    /**
     * What {@link #read} left in the lease.
     *
     * @param length       bytes of block plaintext in the lease's array, from 0
     * @param fileLength   bytes read from the file
     * @param decompressed whether the file was S2-compressed (spec §3.8), so offsets into the
     *                     plaintext are not offsets into the file
     */
    public record BlockRead(int length, int fileLength, boolean decompressed) {
    }

    /**
     * Reads a whole block into a leased buffer and returns its length; the plaintext when the
     * block is compressed. See {@link #read}.
     */
    public static int readBlock(Path file, BlockBuffers buffers, BlockBuffers.Lease[] leaseOut, DiskGate gate)
            throws IOException, InterruptedException {
        return read(file, buffers, leaseOut, gate).length();
    }

    /**
     * Reads a whole block into a leased buffer, and decompresses it there when nats-server
     * compressed it (a {@code cmp} envelope, spec §3.8, which the server looks for on every block
     * load whatever the stream's config says), so every reader sees the plaintext records:
     * {@link #readRaw} then {@link #decompress}. A reader of an encrypted block calls the two
     * itself and decrypts in between, as the server does (decrypt, then decompress).
     *
     * @throws CompressedBlockException when the envelope or the S2 data cannot be decoded
     */
    public static BlockRead read(Path file, BlockBuffers buffers, BlockBuffers.Lease[] leaseOut, DiskGate gate)
            throws IOException, InterruptedException {
        int n = readRaw(file, buffers, leaseOut, gate);
        return decompress(file, leaseOut[0], n);
    }

    /**
     * Reads a whole block file, as stored, into a leased buffer and returns its length. The size
     * is checked against {@link BlockBuffers#MAX_BLOCK_BYTES} before anything is allocated. The
     * file may shrink while read; growth past the stat size is ignored, as nats-server reads only
     * what it stat'ed. On Java 22+ the bytes are copied through a short-lived memory mapping
     * ({@link BlockReads}), one copy instead of a channel read's two.
     */
    public static int readRaw(Path file, BlockBuffers buffers, BlockBuffers.Lease[] leaseOut, DiskGate gate)
            throws IOException, InterruptedException {
        try {
            long size = gate.run(FileChecks.size(file));
            if (size > BlockBuffers.MAX_BLOCK_BYTES) {
                throw new IOException(file + ": block is " + size + " bytes, larger than any nats-server writes ("
                        + BlockBuffers.MAX_BLOCK_BYTES + "); not read");
            }
            BlockBuffers.Lease lease = buffers.acquire((int) size);
            leaseOut[0] = lease;
            byte[] buf = lease.array();
            return gate.run(new ReadInto(file, buf, (int) size));
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw interrupted(e);
        }
    }

    /**
     * Replaces the block bytes {@code lease[0, n)} (decrypted, if the block was encrypted) by the
     * block's plaintext when they hold a compression envelope; a plain block stays as it is. The
     * plaintext length is known (from the S2 chunk headers, within the size the envelope declares)
     * before the buffer grows to hold it. CPU work: call it outside the gate.
     *
     * @throws CompressedBlockException when the envelope or the S2 data cannot be decoded
     */
    public static BlockRead decompress(Path file, BlockBuffers.Lease lease, int n) throws CompressedBlockException {
        byte[] buf = lease.array();
        try {
            Optional<BlockCompression.Compressed> c = BlockCompression.inspect(buf, n, BlockBuffers.MAX_BLOCK_BYTES);
            if (c.isEmpty()) {
                return new BlockRead(n, n, false);
            }
            // The compressed bytes are smaller than the plaintext; copy them out and decode into the lease.
            byte[] stored = Arrays.copyOf(buf, n);
            BlockCompression.decode(c.get(), stored, lease.ensureCapacity(c.get().plaintextLength()));
            return new BlockRead(c.get().plaintextLength(), n, true);
        } catch (FormatException e) {
            throw new CompressedBlockException(file, e.offset(), e.reason(), n);
        }
    }

    /** Reads the last {@code n} bytes of a file (fewer when it is shorter); see {@link BoundedReads#readTail}. */
    public static byte[] readTail(Path file, int n, DiskGate gate) throws IOException, InterruptedException {
        try {
            return BoundedReads.readTail(file, n, gate);
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw interrupted(e);
        }
    }

    /** A whole small file (index.db, o.dat, .idx), size checked before allocation; see {@link BoundedReads#readAll}. */
    public static byte[] readSmallFile(Path file, long maxBytes, DiskGate gate) throws IOException, InterruptedException {
        return readSmallFile(file, maxBytes, gate, null);
    }

    /** As {@link #readSmallFile(Path, long, DiskGate)}, read first into {@code first}'s buffer (null: a new one). */
    public static byte[] readSmallFile(Path file, long maxBytes, DiskGate gate, ReadBuffer first)
            throws IOException, InterruptedException {
        try {
            return BoundedReads.readAll(file, maxBytes, gate, first);
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw interrupted(e);
        }
    }

    public static boolean exists(Path file, DiskGate gate) throws IOException, InterruptedException {
        try {
            return gate.run(FileChecks.exists(file));
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw interrupted(e);
        }
    }

    private static InterruptedException interrupted(IOException e) {
        return Interrupts.cancelledDuring("a disk operation", e);
    }

    /**
     * A block read into a leased buffer ({@link BlockReads#read}). A named class, not a lambda: the
     * first stream's tail check reads its block on its way (FileChecks' design note).
     */
    private static final class ReadInto implements DiskGate.Io<Integer> {
        private final Path file;
        private final byte[] buf;
        private final int size;

        ReadInto(Path file, byte[] buf, int size) {
            this.file = file;
            this.buf = buf;
            this.size = size;
        }

        @Override
        public Integer call() throws IOException {
            return BlockReads.read(file, buf, size);
        }
    }
}
