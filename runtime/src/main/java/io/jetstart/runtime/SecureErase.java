package io.jetstart.runtime;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.CompressionEnvelope;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.MessageRecord;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * nats-server's secure erase of one message record ({@code mb.eraseMsg}): the record keeps its
 * length and place, its sequence gets the erase bit, its time becomes 0, its subject is gone, and
 * subject, headers and payload are overwritten with random bytes under a valid checksum, so the
 * block still reads cleanly and the server (and jetstart) treat the record as deleted.
 *
 * <p>Crash safety: the block is never changed in place. Its new content is written to a temp file,
 * fsynced, renamed over the block and the directory fsynced ({@link AtomicFiles}), as the server's
 * {@code atomicOverwriteFile} does: after a crash the block is either the old one or the new one,
 * never a torn record the server would cut the block at. The writer writes and syncs the message's
 * tombstone before (as the server writes it first), so the message is deleted either way; only an
 * erase whose call did not return may have left the old bytes in the block.
 *
 * <p>Compressed and encrypted blocks are refused for now (the record's offset in the file is not
 * its offset in the block's content, and the block would have to be re-encoded).
 */
final class SecureErase {
    /** Largest block file read whole for an erase (nats-server's blocks are at most 8 MiB; a compacted one is smaller). */
    private static final long MAX_BLOCK_FILE = 64L << 20;

    private final String stream;
    private final SecureRandom random = new SecureRandom();

    SecureErase(String stream) {
        this.stream = stream;
    }

    /** Where message {@code seq} is in a block's content. */
    record Location(long blockIndex, int offset, int length) {
    }

    /** A sealed block's file, read whole, with the clear errors for blocks erase cannot rewrite yet. */
    byte[] readPlainBlock(Path msgsDir, long blockIndex) throws IOException {
        Path file = msgsDir.resolve(blockIndex + ".blk");
        if (Files.exists(msgsDir.resolve(blockIndex + ".key"))) {
            throw new UnsupportedOperationException("secure erase in an encrypted block (" + file
                    + ") is not supported by the runtime yet; delete the message instead");
        }
        long size = Files.size(file);
        if (size > MAX_BLOCK_FILE) {
            throw new IOException(file + ": " + size + " bytes, more than the " + MAX_BLOCK_FILE + " a block can have");
        }
        byte[] bytes = Files.readAllBytes(file);
        checkUncompressed(file, bytes, bytes.length);
        return bytes;
    }

    static void checkUncompressed(Path file, byte[] bytes, int length) {
        boolean compressed;
        try {
            compressed = CompressionEnvelope.originalSize(bytes, length).isPresent();
        } catch (FormatException e) {
            compressed = true;
        }
        if (compressed) {
            throw new UnsupportedOperationException("secure erase in a compressed block (" + file
                    + ") is not supported by the runtime yet; delete the message instead");
        }
    }

    /**
     * Finds live message {@code seq} in {@code buf[0, length)}: records are walked from the start and
     * each is verified, up to the one wanted.
     *
     * @throws IOException naming the file and offset when the record is not there or a record before it is damaged
     */
    Location locate(Path file, long blockIndex, byte[] buf, int length, long seq) throws IOException {
        RecordHash hash = RecordHashes.forBlock(stream, blockIndex);
        int off = 0;
        while (off < length) {
            MessageRecord r;
            try {
                r = Records.read(buf, off, length, hash);
            } catch (FormatException e) {
                throw new IOException(file + " at offset " + e.offset() + ": " + e.getMessage() + " (looking for message " + seq
                        + " to erase)", e);
            }
            if (r.seq() == seq && r.kind() == MessageRecord.Kind.MESSAGE) {
                return new Location(blockIndex, off, r.rawLength());
            }
            off += r.rawLength();
        }
        throw new IOException(file + ": message " + seq + " is not among the block's " + length + " bytes of records");
    }

    /** Overwrites the record at {@code at} in {@code buf} with its erased form (random filler, valid checksum). */
    void overwrite(byte[] buf, Location at, long seq) {
        byte[] filler = new byte[at.length() - Records.EMPTY_RECORD_LENGTH];
        random.nextBytes(filler);
        ByteWriter w = new ByteWriter(at.length());
        Records.writeErased(w, RecordHashes.forBlock(stream, at.blockIndex()), seq, at.length(), filler);
        System.arraycopy(w.array(), 0, buf, at.offset(), at.length());
    }

    /** Replaces a sealed block with {@code content} atomically (temp file, fsync, rename, fsync of the directory). */
    static void replace(Path file, byte[] content) throws IOException {
        AtomicFiles.write(file, content);
    }
}
