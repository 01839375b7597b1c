package io.jetstart.metrics;

import io.jetstart.recovery.ConsumerOutcome;
import io.jetstart.recovery.Outcome;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StreamReport;

/**
 * What the store holds now, for the store-level gauges. After a recovery the gauges show the
 * report's totals; an embedding runtime that publishes and deletes passes a live implementation
 * to {@link JetStartRecoveryMetrics#trackStore(StoreTotals)} to keep them current. Read from the
 * scrape thread: implementations must be thread-safe and cheap.
 */
public interface StoreTotals {
    long streams();

    long consumers();

    long messages();

    long bytes();

    /** The streams and consumers that came back from a recovery (failed and cancelled ones excluded). */
    static StoreTotals of(RecoveryReport report) {
        long streams = 0;
        long consumers = 0;
        for (StreamReport s : report.streams()) {
            if (s.outcome() == Outcome.RECOVERED || s.outcome() == Outcome.REBUILT) {
                streams++;
                consumers += s.consumers().stream().filter(c -> c instanceof ConsumerOutcome.Restored).count();
            }
        }
        return new Snapshot(streams, consumers, report.messages(), report.bytes());
    }

    /** Fixed totals. */
    record Snapshot(long streams, long consumers, long messages, long bytes) implements StoreTotals {
    }
}
