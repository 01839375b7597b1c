package io.jetstart.runtime;

/**
 * Hears of each batch a stream's writer has committed (written and synced per policy), just
 * before its acks complete. Called on the writer's thread: it must be quick and must not throw
 * (a store skips a listener's exception; the writer and the other listeners go on).
 */
@FunctionalInterface
public interface CommitListener {
    CommitListener NONE = new CommitListener() {
        // Not a lambda: this field is made when the first listener's class is initialised, at each
        // JVM's first open, where a lambda's class is spun at run time (package-info).
        @Override
        public void batchCommitted(CommittedBatch batch) {
        }
    };

    void batchCommitted(CommittedBatch batch);

    /**
     * A sync of the stream's blocks completed: every message up to {@code point.lastSeq()} is on
     * stable storage (with {@link SyncPolicy#INTERVAL}, at each interval, on flush and on close;
     * with {@link SyncPolicy#ALWAYS}, after each batch). Writer thread; quick, must not throw.
     */
    default void synced(SyncPoint point) {
    }

    /**
     * The store is closing: called on the closing thread as {@link JetStartStore#close} starts,
     * before its writers stop (again when a later close resumes an interrupted one; a listener
     * that throws is skipped). A listener that runs a thread of its own (a KV watch) ends it here,
     * so that thread does not outlive {@link JetStartStore#close}. Every listener added hears it:
     * {@link JetStartStore#addCommitListener} refuses one once the close has begun.
     */
    default void storeClosing() {
    }

    /** Everything of {@code account > stream} up to {@code lastSeq} has been fsynced. */
    record SyncPoint(String account, String stream, long lastSeq) {
    }

    /**
     * One committed batch.
     *
     * @param publishes        messages the batch stored (duplicates and refusals excluded)
     * @param bytes            their record bytes
     * @param lastSeq          the stream's last sequence after it: every message up to it is committed
     * @param syncNanos        time in fsync for this batch, 0 when it was not synced
     * @param publishLatencies per stored message, nanoseconds from enqueue to ack
     * @param queued           operations still waiting in the stream's queue
     */
    record CommittedBatch(String account, String stream, int publishes, long bytes, long lastSeq, long syncNanos,
                          long[] publishLatencies, int queued) {
    }
}
