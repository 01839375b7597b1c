package io.jetstart.core.store;

import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.CompressedBlockException;
import java.io.IOException;

/**
 * Reads a stream's block file whole into a pooled buffer on every load, decrypts it with its key
 * file's keystream and decompresses it: the server's order (spec §3.8: decrypt, then decompress).
 */
final class FileBlockSource implements BlockSource {
    private final StreamStore store;

    FileBlockSource(StreamStore store) {
        this.store = store;
    }

    @Override
    public BlockBytes load(StreamView.Block b) throws BlockUnreadableException, InterruptedException {
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        boolean handedOut = false;
        try {
            int raw;
            try {
                raw = BlockFiles.readRaw(b.file(), store.ctx.buffers(), lease, store.ctx.gate());
            } catch (IOException e) {
                throw new BlockUnreadableException(b.file(), -1, "cannot read block: " + e.getClass().getSimpleName() + ": "
                        + e.getMessage(), e);
            }
            try {
                store.decryptBlock(b.index(), lease[0].array(), raw);
            } catch (StoreException e) {
                throw new BlockUnreadableException(b.file(), -1, "cannot decrypt block: " + e.getMessage(), e);
            }
            int len;
            try {
                len = BlockFiles.decompress(b.file(), lease[0], raw).length();
            } catch (CompressedBlockException e) {
                throw new BlockUnreadableException(b.file(), e.offset(), "compressed block does not decode: " + e.reason(), e);
            }
            byte[] buf = lease[0].array();
            BlockBuffers.Lease l = lease[0];
            BlockBytes out = new BlockBytes(buf, len, RecordIndex.of(buf, len), l::close);
            handedOut = true;
            return out;
        } finally {
            if (!handedOut && lease[0] != null) {
                lease[0].close();
            }
        }
    }
}
