package io.jetstart.runtime.kv;

/**
 * Receives a watch's entries, in revision order, on the watch's own virtual thread. A watcher that
 * throws ends its watch ({@link KeyValueWatch#failure()} says why).
 */
public interface KeyValueWatcher {
    void watch(KeyValueEntry entry);

    /** The initial entries have all been delivered (at once for {@link WatchOption#UPDATES_ONLY}). */
    default void endOfData() {
    }
}
