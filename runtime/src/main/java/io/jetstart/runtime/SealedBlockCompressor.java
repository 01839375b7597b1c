package io.jetstart.runtime;

import io.jetstart.core.compress.BlockCompression;
import io.jetstart.core.io.AtomicFiles;
import java.io.IOException;

/**
 * Compresses a block once the writer has rolled past it, for a stream with {@code compression: s2},
 * as nats-server does ({@code newMsgBlockForWrite} → {@code recompressOnDiskIfNeeded} →
 * {@code atomicOverwriteFile}): the block's plaintext in the {@code cmp} envelope (S2 stream of all
 * but the last 8 bytes, then those 8 bytes as they are), encrypted after compressing when the block
 * is (the same keystream from offset 0), written to a temp file, synced, renamed over the block,
 * and the directory synced. The last block is never compressed: it is still appended to.
 *
 * <p>Design note: the uncompressed block stays in place until the compressed one is durable under
 * its temp name; a crash at any point leaves one whole block (the old or the new) under the block's
 * name, both decoding to the same records. Readers holding an older view find the same plaintext
 * in either file ({@code core.store.BlockCache} checks which file it extends).
 */
final class SealedBlockCompressor {
    private SealedBlockCompressor() {
    }

    /** Whether the stream's config asks for compressed blocks. */
    static boolean wanted(io.jetstart.core.meta.StreamConfig c) {
        return "s2".equals(c.compression());
    }

    /** Replaces {@code sealed}'s file (flushed and synced, no longer appended to) by its compressed form. */
    static void compress(TailBlock sealed) throws IOException {
        int len = sealed.written();
        if (len < BlockCompression.TAIL) {
            return;
        }
        byte[] out = BlockCompression.compress(sealed.bytes(), 0, len);
        if (sealed.keystream() != null) {
            sealed.keystream().xor(out, 0, out.length, 0);
        }
        AtomicFiles.write(sealed.file, out);
    }
}
