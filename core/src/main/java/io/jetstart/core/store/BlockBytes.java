package io.jetstart.core.store;

/**
 * A block's plaintext as a {@link BlockSource} loaded it: {@code array[0, length)}, the index of its
 * records, and what to give back when the reader is done (a pooled buffer, or nothing for a cached
 * block, whose array nobody changes).
 */
public final class BlockBytes implements AutoCloseable {
    private final byte[] array;
    private final int length;
    private final RecordIndex index;
    private final Runnable release;

    BlockBytes(byte[] array, int length, RecordIndex index, Runnable release) {
        this.array = array;
        this.length = length;
        this.index = index;
        this.release = release;
    }

    byte[] array() {
        return array;
    }

    int length() {
        return length;
    }

    RecordIndex index() {
        return index;
    }

    @Override
    public void close() {
        release.run();
    }
}
