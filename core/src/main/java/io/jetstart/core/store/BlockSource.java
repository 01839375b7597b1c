package io.jetstart.core.store;

/**
 * Where {@link MessageReader} gets a block's plaintext: the block file read through the gate,
 * decrypted and decompressed as nats-server loads a block (spec §3.8, §3.9). {@link #files} reads
 * the file on every call (the CLI's tools); {@link BlockCache#source} keeps what it read for the
 * runtime's readers.
 */
public interface BlockSource {

    /**
     * The plaintext of block {@code b}: at least its first {@code b.length()} bytes when that is
     * ≥ 0 (the part of a growing block its view may read), else the whole block. The caller closes
     * the result when done with its bytes.
     *
     * @throws BlockUnreadableException when the file cannot be read, decrypted or decoded
     */
    BlockBytes load(StreamView.Block b) throws BlockUnreadableException, InterruptedException;

    /** Block file {@code file} is gone (its stream's writer removed it): whatever is kept of it can go. */
    default void forget(java.nio.file.Path file) {
    }

    /** Reads {@code store}'s block files with its gate, buffers and keys, on every call. */
    static BlockSource files(StreamStore store) {
        return new FileBlockSource(store);
    }
}
