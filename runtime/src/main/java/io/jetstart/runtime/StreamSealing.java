package io.jetstart.runtime;

import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * How a stream's files are written when the stream is encrypted (spec §1.3), as nats-server writes
 * them; everything passes through unchanged for a plain stream.
 *
 * <pre>
 *  msgs/&lt;n&gt;.key  nonce || seal(KEK(account, "stream:n"), seed)   written (synced) before &lt;n&gt;.blk exists
 *  msgs/&lt;n&gt;.blk  plaintext XOR keystream(seed, nonce) from file offset 0
 *  msgs/index.db  (nonce || seal(asset key, body)) || HH64(that)     the trailer hashes the sealed bytes
 *  meta.inf       nonce || seal(asset key, json);  meta.sum = HH64 of those stored bytes
 * </pre>
 *
 * <p>Design note: a plain stream opened with a key stays plain (the runtime converts nothing); a
 * stream whose {@code meta.key} opened gets a key file for every block the runtime creates, so no
 * block of an encrypted stream is ever plain. The key file goes first: a crash between the two
 * leaves a key file without a block, which the next block of that index replaces.
 */
final class StreamSealing {
    private final StreamKeys keys;
    private final HashChoice hashes;

    StreamSealing(StreamKeys keys, HashChoice hashes) {
        this.hashes = hashes;
        this.keys = keys;
    }

    boolean encrypted() {
        return keys.encrypted();
    }

    /** A new block {@code index} in {@code msgsDir}: its key file first when the stream is encrypted. */
    TailBlock newBlock(Path msgsDir, String stream, long index) throws IOException {
        if (!keys.encrypted()) {
            return TailBlock.create(msgsDir, stream, index, null, hashes);
        }
        StreamKeys.NewBlockKey k = keys.newBlock(index);
        AtomicFiles.write(msgsDir.resolve(index + ".key"), k.keyFile());
        return TailBlock.create(msgsDir, stream, index, k.keystream(), hashes);
    }

    /** The stored {@code index.db} for {@code plainFile} (an encoded index.db with its plaintext trailer). */
    byte[] indexDb(String stream, byte[] plainFile) {
        if (!keys.encrypted()) {
            return plainFile;
        }
        byte[] body = Arrays.copyOf(plainFile, plainFile.length - IndexDbCodec.TRAILER_LENGTH);
        return IndexDbCodec.withTrailer(stream, keys.seal(body));
    }

    /** Larger than any index.db a stream of 2^32 blocks and a few million subjects writes. */
    private static final long MAX_INDEX_DB_BYTES = 1L << 30;

    /**
     * The last block the stored {@code index.db} at {@code file} names, or -1 when there is none, or
     * it cannot be read, opened or decoded (what recovery then did not use either).
     */
    long indexDbLastBlock(Path file, String stream) {
        try {
            if (!java.nio.file.Files.isRegularFile(file) || java.nio.file.Files.size(file) > MAX_INDEX_DB_BYTES) {
                return -1;
            }
            byte[] bytes = java.nio.file.Files.readAllBytes(file);
            IndexDbCodec.checkTrailer(stream, bytes);
            int bodyLength = bytes.length - IndexDbCodec.TRAILER_LENGTH;
            byte[] body = keys.encrypted() ? keys.open(file, Arrays.copyOf(bytes, bodyLength)) : bytes;
            return IndexDbCodec.decodeBody(body, keys.encrypted() ? body.length : bodyLength).lastBlockIndex();
        } catch (IOException | io.jetstart.core.format.FormatException | io.jetstart.core.crypto.DecryptionException e) {
            return -1;
        }
    }

    /**
     * Whether the stored {@code index.db} at {@code file} holds {@code plainFile} (an encoded
     * index.db with its plaintext trailer): the same bytes for a plain stream, the same body under a
     * whole trailer and an opening seal for an encrypted one (a seal's nonce is new at each write, so
     * its stored bytes never repeat). False when there is none, or it cannot be read or opened.
     */
    boolean indexDbHolds(Path file, String stream, byte[] plainFile) {
        try {
            if (!java.nio.file.Files.isRegularFile(file)) {
                return false;
            }
            long size = java.nio.file.Files.size(file);
            // A plain file of another length differs without a read; a sealed one is the body, a
            // nonce, a tag and the trailer, never larger than the bound.
            if (keys.encrypted() ? size > MAX_INDEX_DB_BYTES : size != plainFile.length) {
                return false;
            }
            byte[] bytes = java.nio.file.Files.readAllBytes(file);
            if (!keys.encrypted()) {
                return Arrays.equals(bytes, plainFile);
            }
            IndexDbCodec.checkTrailer(stream, bytes);
            byte[] body = keys.open(file, Arrays.copyOf(bytes, bytes.length - IndexDbCodec.TRAILER_LENGTH));
            return Arrays.equals(body, 0, body.length, plainFile, 0, plainFile.length - IndexDbCodec.TRAILER_LENGTH);
        } catch (IOException | io.jetstart.core.format.FormatException | io.jetstart.core.crypto.DecryptionException e) {
            return false;
        }
    }

    /** The stored {@code meta.inf} for the JSON {@code metaInf}. */
    byte[] metaInf(byte[] metaInf) {
        return keys.seal(metaInf);
    }
}
