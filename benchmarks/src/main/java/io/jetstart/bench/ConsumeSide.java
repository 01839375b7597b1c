package io.jetstart.bench;

/**
 * One side of {@code jetstart bench consume}: a stream of {@code messages} messages that a fresh
 * durable pull consumer (deliver all, explicit acks) fetches and acknowledges, once per timed run.
 */
sealed interface ConsumeSide extends AutoCloseable permits RuntimeConsumeSide, ServerConsumeSide {
    /** What the table calls this side. */
    String label();

    /**
     * Creates consumer {@code "BENCH" + run}, fetches and acks every message in batches, and returns
     * the nanoseconds from the first fetch until the consumer's ack floor is the stream's last
     * sequence; the consumer is deleted afterwards (not timed).
     */
    long consumeAll(int run) throws Exception;

    @Override
    void close() throws Exception;
}
