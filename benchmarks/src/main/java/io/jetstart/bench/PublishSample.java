package io.jetstart.bench;

/**
 * One timed publish run.
 *
 * @param messages     messages acknowledged
 * @param elapsedNanos from the first publish to the last ack
 * @param p50Nanos     median publish latency (enqueue to ack), -1 when not measured (the floor)
 * @param p99Nanos     99th percentile of the same, -1 when not measured
 * @param batchBytes   for an in-process run: the record bytes of each batch the writer committed,
 *                     in order (what the floor replays); empty otherwise
 * @param failure      null when the run came back whole, else why not
 */
record PublishSample(long messages, long elapsedNanos, long p50Nanos, long p99Nanos, long[] batchBytes, String failure) {
    static PublishSample failed(String why) {
        return new PublishSample(0, 0, -1, -1, new long[0], why);
    }

    boolean ok() {
        return failure == null;
    }

    double msgsPerSecond() {
        return elapsedNanos <= 0 ? 0 : messages * 1e9 / elapsedNanos;
    }

    static PublishSample of(long[] latencies, long elapsedNanos, long[] batchBytes) {
        return new PublishSample(latencies.length, elapsedNanos, Latencies.percentile(latencies, 50),
                Latencies.percentile(latencies, 99), batchBytes, null);
    }
}
