package io.jetstart.runtime;

/**
 * Hears of the streams a store knows: each stream recovery starts on, each stream created, and
 * each stream deleted (what per-stream metrics follow). Called on the thread that made the change
 * (recovery's reporter, the creating or deleting caller): it must be quick and must not throw.
 */
public interface StreamListener {
    /** A stream the store now knows; {@code handle} says where it is (recovering, ready, ...). */
    void streamKnown(StreamHandle handle);

    /** A stream deleted with {@link JetStartStore#deleteStream}. */
    default void streamRemoved(String account, String name) {
    }
}
