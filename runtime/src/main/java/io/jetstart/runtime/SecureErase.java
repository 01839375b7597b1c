package io.jetstart.runtime;

import io.jetstart.core.compress.BlockCompression;
import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.CompressionEnvelope;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.MessageRecord;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StreamMutator;
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
 * <p>A compressed block is erased in its content: decompressed, the record overwritten there, and
 * written back S2-compressed when the stream's config asks for compression (else plain), as the
 * server's {@code eraseMsg} → {@code atomicOverwriteFile(buf, !isLastBlock)} recompresses the
 * block's decompressed cache with the stream's algorithm. Encrypted blocks are refused (nats-server
 * does not erase in an encrypted stream either: its erase of those is a plain delete).
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

    /**
     * A sealed block's content (its records, decompressed when the file is compressed), with the
     * clear errors for blocks erase cannot rewrite: an encrypted one, and a compressed one the
     * stream's state cannot read whole (damage found in it): only its valid prefix would be known.
     */
    byte[] readSealedBlock(StreamMutator state, Path msgsDir, long blockIndex) throws IOException, InterruptedException {
        Path file = msgsDir.resolve(blockIndex + ".blk");
        if (Files.exists(msgsDir.resolve(blockIndex + ".key"))) {
            throw new UnsupportedOperationException("secure erase in an encrypted block (" + file
                    + ") is not supported by the runtime (nats-server only deletes in an encrypted stream); delete the message instead");
        }
        StreamMutator.SealedContent content = state.readSealed(blockIndex);
        if (content != null) {
            return content.plaintext();
        }
        long size = Files.size(file);
        if (size > MAX_BLOCK_FILE) {
            throw new IOException(file + ": " + size + " bytes, more than the " + MAX_BLOCK_FILE + " a block can have");
        }
        byte[] bytes = Files.readAllBytes(file);
        boolean compressed;
        try {
            compressed = CompressionEnvelope.originalSize(bytes, bytes.length).isPresent();
        } catch (FormatException e) {
            compressed = true;
        }
        if (compressed) {
            throw new UnsupportedOperationException("secure erase in a compressed block that does not read whole (" + file
                    + "); delete the message instead");
        }
        return bytes;
    }

    /**
     * What a sealed block's file becomes after an erase: its content S2-compressed when the stream
     * asks for compression, as the server writes a block before the last ({@code atomicOverwriteFile}
     * with compression allowed), else the content as it is.
     */
    static byte[] sealedFile(StreamConfig config, byte[] content, int length) {
        if (SealedBlockCompressor.wanted(config) && length >= BlockCompression.TAIL) {
            return BlockCompression.compress(content, 0, length);
        }
        return length == content.length ? content : java.util.Arrays.copyOf(content, length);
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
