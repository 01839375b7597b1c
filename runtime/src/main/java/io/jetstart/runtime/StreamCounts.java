package io.jetstart.runtime;

/**
 * How many of a store's streams are in each readiness state ({@link JetStartStore#streamStates}):
 * recovering (its handle not yet complete), ready (served, writable), read-only (served, with a
 * reason) and failed (its recovery or hand-over failed). Store-wide readiness in numbers, for a
 * health check or the metrics binder's gauges.
 */
public record StreamCounts(long recovering, long ready, long readOnly, long failed) {
    /** Every stream the store knows, whatever its state. */
    public long total() {
        return recovering + ready + readOnly + failed;
    }
}
