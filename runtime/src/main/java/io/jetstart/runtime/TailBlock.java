package io.jetstart.runtime;

import io.jetstart.core.crypto.BlockKeystream;
import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.io.WriteErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The block the writer appends to, held in memory whole (at most the block size) with its open
 * channel: records are laid out here first, then written by {@link #flush} in one write of
 * everything not yet on disk, at the offset where the file ends.
 *
 * <pre>
 *   buf   [0 ............ synced ............ written ............ length)
 *          fsynced          written, not fsynced    laid out, not written
 * </pre>
 *
 * <p>Design note: keeping the block in memory lets the writer read back messages of the batch in
 * flight (limits remove them, reads of the last block need them) without reading the file, and
 * it gives the last 8 bytes {@code index.db} names without a read. Writer thread only, but for
 * {@link #heldBytes} and {@link #committed}.
 *
 * <p>An idle block's bytes are let go ({@link #release}: the writer does it once the stream has
 * been idle for a while, as nats-server drops a block's cache after {@code CacheExpire}) and read
 * back from the file the first time anything needs them ({@link #reload}). Its channel is closed
 * with them and opened again by the next write: an open store of 10,000 idle streams held 10,000
 * descriptors (one per tail) until 2026-12, half the 20,000 a process may open here, so a store of
 * twice that many streams failed with "Too many open files" (nats-server closes an idle block's
 * file too, {@code closeFDsIdle}, 30 s without a write, at its sync). What the writer asks
 * of an idle tail without appending (the last checksum for {@code index.db}, the rebuild floor, the
 * lengths) is kept small beside them, so the interval sync of an idle stream reads nothing. Until
 * 2026-12 every writable stream held its tail whole for good: bench {@code many} (1,000 streams of
 * 134 KB tails) idle held 134 MiB of them (docs/benchmarks-passes.md, "An idle stream's tail block").
 *
 * <p>An encrypted block (its {@code <n>.key} written before the block was created) keeps its
 * plaintext here and writes ciphertext: each flush XORs the new bytes with the block's keystream at
 * their file offset (nats-server's {@code mb.bek}, a stream cipher over the whole file).
 */
final class TailBlock implements AutoCloseable {
    /**
     * The array a new block starts with; it doubles as records are laid out, up to the block size.
     * 64 KiB until 2026-12: 1,000 streams created with one message each held 98 MiB of live heap until
     * their tails expired, 39 MiB with 4 KiB, and publishing was no slower (docs/benchmarks-passes.md, "An
     * idle stream's tail block").
     */
    static final int INITIAL_CAPACITY = 4 << 10;
    private static final boolean POSIX = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    final long index;
    final Path file;
    /** The open file, or null while released ({@link #release}); {@link #channel} opens it again. */
    private FileChannel ch;
    private final String stream;
    private final HashChoice hashes;
    /** The record checksum: the scalar one until the JVM's choice is made ({@link HashChoice}), then the chosen one. */
    private RecordHash hash;
    private boolean chosen;
    /** The block's keystream, or null for a plain block. */
    private final BlockKeystream keystream;
    /**
     * The block's plaintext in {@code [0, length)}, or null while released. Volatile, as
     * {@link #written}, for {@link #committed} on other threads: {@code written} is read first, and
     * every array this field takes holds the bytes written before it was set.
     */
    private volatile byte[] buf;
    private int length;
    private volatile int written;
    private int synced;
    /** The last 8 bytes written when the bytes were released: {@link #lastChecksum} without them, and a check of the reload. */
    private byte[] lastEight;
    /** Whether the bytes were used since {@link #takeUsed} (an append, a read of them, a reload). */
    private boolean used = true;
    /** What the block's records are, for {@link #rebuildFloor}; null until known (an adopted block is read once). */
    private io.jetstart.core.store.RebuildFloor.Tally records;

    private TailBlock(long index, Path file, FileChannel ch, String stream, HashChoice hashes, BlockKeystream keystream, byte[] buf,
                      int length) {
        this.index = index;
        this.file = file;
        this.ch = ch;
        this.stream = stream;
        this.hashes = hashes;
        this.chosen = hashes.made();
        this.hash = hashes.forBlock(stream, index);
        this.keystream = keystream;
        this.buf = buf;
        this.length = length;
        this.written = length;
        this.synced = length;
        this.records = length == 0 ? new io.jetstart.core.store.RebuildFloor.Tally() : null;
    }

    /**
     * {@link io.jetstart.core.store.RebuildFloor} of this block: what nats-server 2.10's rebuild
     * starts it at when it holds tombstones only. Kept as records are laid out (an adopted block's
     * records are read once, from memory). Never needs a reload: {@link #release} tallies first.
     */
    long rebuildFloor() {
        if (records == null) {
            records = new io.jetstart.core.store.RebuildFloor.Tally().read(buf, length);
        }
        return records.floor();
    }

    /** Whether the block's only record is a tombstone for {@code seq} (what a rebuild starts at {@code seq + 1}). */
    boolean onlyTombstoneOf(long seq) {
        return length == Records.EMPTY_RECORD_LENGTH && rebuildFloor() == seq + 1;
    }

    /**
     * The index a new block after {@code last} gets: above every block file in {@code msgsDir}, so a
     * file left behind (an empty block a crash left between its creation and its first write, a
     * damaged block recovery ignored) is never reused or overwritten.
     */
    static long nextIndex(Path msgsDir, long last) throws IOException {
        long highest = last;
        try (java.nio.file.DirectoryStream<Path> files = java.nio.file.Files.newDirectoryStream(msgsDir, "*.blk")) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                try {
                    highest = Math.max(highest, Long.parseLong(n.substring(0, n.length() - 4)));
                } catch (NumberFormatException ignored) {
                    // Not a block name nats-server would read either.
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return last + 1;
        }
        return highest + 1;
    }

    /** A new, empty block file, encrypted with {@code keystream} when it is not null. */
    static TailBlock create(Path msgsDir, String stream, long index, BlockKeystream keystream, HashChoice hashes) throws IOException {
        Path file = msgsDir.resolve(index + ".blk");
        java.util.Set<StandardOpenOption> create = java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        // 0600, nats-server's defaultFilePerms, like every other file the runtime writes (AtomicFiles).
        FileChannel ch = POSIX ? FileChannel.open(file, create, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))) : FileChannel.open(file, create);
        return new TailBlock(index, file, ch, stream, hashes, keystream, new byte[INITIAL_CAPACITY], 0);
    }

    /**
     * The existing last block whose {@code len} bytes of plaintext (all verified, no damaged tail) are
     * {@code content}; {@code keystream} encrypts what is appended (null: a plain block).
     */
    static TailBlock adopt(Path file, String stream, long index, byte[] content, int len, BlockKeystream keystream, HashChoice hashes)
            throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
        byte[] buf = Arrays.copyOf(content, Math.max(INITIAL_CAPACITY, len));
        return new TailBlock(index, file, ch, stream, hashes, keystream, buf, len);
    }

    /** The checksum for the next record: the chosen one as soon as the choice is made (the values are the same). */
    private RecordHash hash() {
        if (!chosen && hashes.made()) {
            hash = hashes.forBlock(stream, index);
            chosen = true;
        }
        return hash;
    }

    int length() {
        return length;
    }

    /** The keystream of an encrypted block, or null. */
    BlockKeystream keystream() {
        return keystream;
    }

    int written() {
        return written;
    }

    /** The block's plaintext in {@code [0, length())}, read back from the file if it was released. */
    byte[] bytes() throws IOException {
        return held();
    }

    /** The bytes, read back first if released; marks them used. */
    private byte[] held() throws IOException {
        byte[] b = buf;
        if (b == null) {
            b = reload();
        }
        used = true;
        return b;
    }

    /**
     * For a reader on another thread: the array that holds what was written, {@code [0, lengthOut[0])},
     * or null while released (the reader then reads the file, which holds the same bytes).
     * NOTE: {@link #written} is read before {@link #buf}: an array set after that length was
     * written holds those bytes too (a grown copy, a reload), so the pair is never half of a change.
     */
    byte[] committed(int[] lengthOut) {
        int w = written;
        byte[] b = buf;
        if (b == null) {
            return null;
        }
        lengthOut[0] = w;
        return b;
    }

    /** Bytes of heap the block's content takes now: 0 once released. Any thread. */
    int heldBytes() {
        byte[] b = buf;
        return b == null ? 0 : b.length;
    }

    /** Whether the bytes were used since the last call (which clears it). */
    boolean takeUsed() {
        boolean u = used;
        used = false;
        return u;
    }

    /**
     * Lets the bytes go, everything laid out having been written ({@link #flush}); what is kept
     * of them is the tally of records and the last checksum. Does nothing (false) while something
     * is laid out and not written.
     */
    boolean release() throws IOException {
        byte[] b = buf;
        if (b == null || written != length) {
            return false;
        }
        rebuildFloor();
        lastEight = lastChecksum();
        // Closed before the bytes go: whoever sees them gone (heldBytes) sees the file closed too.
        closeChannel();
        buf = null;
        return true;
    }

    /**
     * Closes the file while the block is idle, synced first: a sync after it would need the file
     * opened again only to sync it (nats-server does that; an idle stream synced early loses
     * nothing). The next write opens it again ({@link #channel}).
     */
    private void closeChannel() throws IOException {
        FileChannel c = ch;
        if (c == null) {
            return;
        }
        sync();
        ch = null;
        c.close();
    }

    /**
     * The file to append to, opened again after {@link #release}. A channel closed by an interrupt
     * ({@code ClosedByInterruptException}) stays closed and fails the write, as before: only one this
     * block closed itself is opened again.
     */
    private FileChannel channel() throws IOException {
        FileChannel c = ch;
        if (c == null) {
            try {
                c = FileChannel.open(file, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw WriteErrors.naming("open", file, e);
            }
            ch = c;
        }
        return c;
    }

    /**
     * Reads the block back after {@link #release}: the file must be the length the writer wrote and
     * end in the checksum it wrote last; anything else means something other than this writer changed
     * it, and appending after it would build on bytes nobody checked: the error names the file and
     * nothing is laid out (the writer refuses every later write, the stream stays readable).
     */
    private byte[] reload() throws IOException {
        int w = written;
        long appendingTo = ch != null && ch.isOpen() ? ch.size() : w;
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            if (size != w || appendingTo != w) {
                throw new IOException("block file " + file + " is " + Math.max(size, appendingTo) + " bytes where this writer wrote " + w
                        + " (its bytes were out of memory, the stream idle): changed by something else, nothing more is appended");
            }
            // w is what this writer wrote, at most the block size: no hostile length here.
            byte[] b = new byte[Math.max(INITIAL_CAPACITY, w + INITIAL_CAPACITY)];
            ByteBuffer bb = ByteBuffer.wrap(b, 0, w);
            while (bb.hasRemaining()) {
                if (in.read(bb, bb.position()) < 0) {
                    throw new IOException("block file " + file + " ends at " + bb.position() + " where this writer wrote " + w
                            + ": changed by something else, nothing more is appended");
                }
            }
            if (keystream != null) {
                keystream.xor(b, 0, w, 0);
            }
            if (w >= 8 && !Arrays.equals(b, w - 8, w, lastEight, 0, 8)) {
                throw new IOException("block file " + file + ": its last 8 bytes are not the checksum this writer wrote last at offset "
                        + (w - 8) + ": changed by something else, nothing more is appended");
            }
            buf = b;
            return b;
        }
    }

    /** Whether a record of {@code rl} bytes goes into this block: nats-server rolls when {@code rbytes + rl > blockSize}. */
    boolean fits(int rl, int blockSize) {
        return length == 0 || (long) length + rl <= blockSize;
    }

    /** Lays out a message record; returns its length. */
    int appendMessage(long seq, long ts, byte[] subject, byte[] headers, byte[] payload) throws IOException {
        int rl = Records.messageLength(subject.length, headers.length, payload.length);
        byte[] b = ensure(rl);
        Records.writeMessage(b, length, hash(), seq, ts, subject, headers.length == 0 ? null : headers, payload);
        length += rl;
        if (records != null) {
            records.message();
        }
        return rl;
    }

    /** Lays out a delete tombstone for {@code seq} with the removed message's time. */
    void appendTombstone(long seq, long ts) throws IOException {
        appendEmpty(seq, ts, true);
        if (records != null) {
            records.tombstone(seq);
        }
    }

    /**
     * Lays out a skip record for {@code seq} (nats-server's {@code SkipMsg} record: {@code seq | ebit},
     * no subject, no payload), which 2.10.x and 2.12+ take, in a block without a message before it, as
     * the block's start: {@code seq + 1} ({@link io.jetstart.core.store.RebuildFloor}).
     */
    void appendSkip(long seq, long ts) throws IOException {
        appendEmpty(seq, ts, false);
        if (records != null) {
            records.skip(seq);
        }
    }

    /** Lays out a 30-byte record without subject or payload: a tombstone ({@code tbit}) or a skip ({@code ebit}). */
    private void appendEmpty(long seq, long ts, boolean tombstone) throws IOException {
        ByteWriter w = new ByteWriter(Records.EMPTY_RECORD_LENGTH);
        if (tombstone) {
            Records.writeTombstone(w, hash(), seq, ts);
        } else {
            Records.writeSkip(w, hash(), seq, ts);
        }
        byte[] b = ensure(Records.EMPTY_RECORD_LENGTH);
        System.arraycopy(w.array(), 0, b, length, Records.EMPTY_RECORD_LENGTH);
        length += Records.EMPTY_RECORD_LENGTH;
    }

    /** The bytes, held and with room for {@code extra} more. */
    private byte[] ensure(int extra) throws IOException {
        byte[] b = held();
        if (length + extra > b.length) {
            b = Arrays.copyOf(b, Math.max(b.length * 2, length + extra));
            buf = b;
        }
        return b;
    }

    /** Writes everything laid out since the last flush, at the file offset where it belongs. */
    void flush() throws IOException {
        if (written == length) {
            return;
        }
        // Laid out since the last flush: held (a release waits for a flush).
        byte[] b = buf;
        ByteBuffer bb = ByteBuffer.wrap(b, written, length - written);
        if (keystream != null) {
            byte[] cipher = Arrays.copyOfRange(b, written, length);
            keystream.xor(cipher, 0, cipher.length, written);
            bb = ByteBuffer.wrap(cipher);
        }
        long pos = written;
        FileChannel c = channel();
        try {
            while (bb.hasRemaining()) {
                pos += c.write(bb, pos);
            }
        } catch (IOException e) {
            throw WriteErrors.naming("write", file, e);
        }
        written = length;
    }

    /** fsync of what {@link #flush} wrote. */
    void sync() throws IOException {
        if (synced == written) {
            return;
        }
        try {
            channel().force(false);
        } catch (IOException e) {
            throw WriteErrors.naming("sync", file, e);
        }
        synced = written;
    }

    boolean dirty() {
        return synced != length;
    }

    /** The last 8 bytes written (zeros for an empty block): what {@code index.db} names. Kept while released. */
    byte[] lastChecksum() {
        byte[] b = buf;
        if (b == null) {
            return lastEight.clone();
        }
        return written >= 8 ? Arrays.copyOfRange(b, written - 8, written) : new byte[8];
    }

    /**
     * Replaces the block's file with the laid-out content, everything flushed first, atomically
     * (temp file, fsync, rename, fsync of the directory), and goes on appending to the new file:
     * for a secure erase, which changes bytes already written ({@link SecureErase}).
     */
    void replaceFileAtomically() throws IOException {
        // An erased record is no longer a message: what the records are is read again when asked.
        byte[] b = held();
        records = null;
        flush();
        SecureErase.replace(file, Arrays.copyOf(b, length));
        FileChannel old = ch;
        ch = FileChannel.open(file, StandardOpenOption.WRITE);
        if (old != null) {
            old.close();
        }
        synced = written;
    }

    @Override
    public void close() throws IOException {
        FileChannel c = ch;
        if (c != null) {
            c.close();
        }
    }
}
