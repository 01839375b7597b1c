package io.jetstart.runtime;

/** When appended messages are forced to disk. */
public enum SyncPolicy {
    /** fsync after each batch, before its acks complete: an acked message survives a power cut. */
    ALWAYS,
    /**
     * fsync every {@link RuntimeOptions#syncInterval()} (nats-server's {@code sync_interval},
     * default 2 min): an acked message survives a crash of the process at once, a power cut only
     * once the next sync has run.
     */
    INTERVAL
}
