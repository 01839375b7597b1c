package io.jetstart.runtime;

/**
 * Hears of each batch a stream's writer has committed (written, synced per policy, acks
 * completed). Called on the writer's thread: it must be quick and must not throw.
 */
@FunctionalInterface
public interface CommitListener {
    CommitListener NONE = (stream, publishes, lastSeq) -> { };

    /**
     * @param publishes messages stored by the batch
     * @param lastSeq   the stream's last sequence after it
     */
    void batchCommitted(String stream, int publishes, long lastSeq);
}
