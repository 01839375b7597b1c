package io.jetstart.runtime;

import io.jetstart.core.crypto.BlockKeystream;
import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.RecordHash;
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
 * it gives the last 8 bytes {@code index.db} names without a read. Writer thread only.
 *
 * <p>An encrypted block (its {@code <n>.key} written before the block was created) keeps its
 * plaintext here and writes ciphertext: each flush XORs the new bytes with the block's keystream at
 * their file offset (nats-server's {@code mb.bek}, a stream cipher over the whole file).
 */
final class TailBlock implements AutoCloseable {
    private static final boolean POSIX = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    final long index;
    final Path file;
    private FileChannel ch;
    private final String stream;
    private final HashChoice hashes;
    /** The record checksum: the scalar one until the JVM's choice is made ({@link HashChoice}), then the chosen one. */
    private RecordHash hash;
    private boolean chosen;
    /** The block's keystream, or null for a plain block. */
    private final BlockKeystream keystream;
    private byte[] buf;
    private int length;
    private int written;
    private int synced;
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
     * records are read once, from memory).
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
        return new TailBlock(index, file, ch, stream, hashes, keystream, new byte[64 << 10], 0);
    }

    /**
     * The existing last block whose {@code len} bytes of plaintext (all verified, no damaged tail) are
     * {@code content}; {@code keystream} encrypts what is appended (null: a plain block).
     */
    static TailBlock adopt(Path file, String stream, long index, byte[] content, int len, BlockKeystream keystream, HashChoice hashes)
            throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
        byte[] buf = Arrays.copyOf(content, Math.max(64 << 10, len));
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

    byte[] bytes() {
        return buf;
    }

    /** Whether a record of {@code rl} bytes goes into this block: nats-server rolls when {@code rbytes + rl > blockSize}. */
    boolean fits(int rl, int blockSize) {
        return length == 0 || (long) length + rl <= blockSize;
    }

    /** Lays out a message record; returns its length. */
    int appendMessage(long seq, long ts, byte[] subject, byte[] headers, byte[] payload) {
        int rl = Records.messageLength(subject.length, headers.length, payload.length);
        ensure(rl);
        Records.writeMessage(buf, length, hash(), seq, ts, subject, headers.length == 0 ? null : headers, payload);
        length += rl;
        if (records != null) {
            records.message();
        }
        return rl;
    }

    /** Lays out a delete tombstone for {@code seq} with the removed message's time. */
    void appendTombstone(long seq, long ts) {
        ByteWriter w = new ByteWriter(Records.EMPTY_RECORD_LENGTH);
        Records.writeTombstone(w, hash(), seq, ts);
        ensure(Records.EMPTY_RECORD_LENGTH);
        System.arraycopy(w.array(), 0, buf, length, Records.EMPTY_RECORD_LENGTH);
        length += Records.EMPTY_RECORD_LENGTH;
        if (records != null) {
            records.tombstone(seq);
        }
    }

    private void ensure(int extra) {
        if (length + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + extra));
        }
    }

    /** Writes everything laid out since the last flush, at the file offset where it belongs. */
    void flush() throws IOException {
        if (written == length) {
            return;
        }
        ByteBuffer bb = ByteBuffer.wrap(buf, written, length - written);
        if (keystream != null) {
            byte[] cipher = Arrays.copyOfRange(buf, written, length);
            keystream.xor(cipher, 0, cipher.length, written);
            bb = ByteBuffer.wrap(cipher);
        }
        long pos = written;
        while (bb.hasRemaining()) {
            pos += ch.write(bb, pos);
        }
        written = length;
    }

    /** fsync of what {@link #flush} wrote. */
    void sync() throws IOException {
        if (synced == written) {
            return;
        }
        ch.force(false);
        synced = written;
    }

    boolean dirty() {
        return synced != length;
    }

    /** The last 8 bytes written (zeros for an empty block): what {@code index.db} names. */
    byte[] lastChecksum() {
        return written >= 8 ? Arrays.copyOfRange(buf, written - 8, written) : new byte[8];
    }

    /**
     * Replaces the block's file with the laid-out content, everything flushed first, atomically
     * (temp file, fsync, rename, fsync of the directory), and goes on appending to the new file:
     * for a secure erase, which changes bytes already written ({@link SecureErase}).
     */
    void replaceFileAtomically() throws IOException {
        // An erased record is no longer a message: what the records are is read again when asked.
        records = null;
        flush();
        SecureErase.replace(file, Arrays.copyOf(buf, length));
        FileChannel old = ch;
        ch = FileChannel.open(file, StandardOpenOption.WRITE);
        old.close();
        synced = written;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
