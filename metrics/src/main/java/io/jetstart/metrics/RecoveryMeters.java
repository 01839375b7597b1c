package io.jetstart.metrics;

import io.jetstart.core.store.Problem;
import io.jetstart.recovery.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The cumulative recovery meters, all registered at bind time so that every outcome's series
 * exists (at 0) before the first failure: {@code rate()} and alerts on a series that appears only
 * when something goes wrong miss the first occurrence.
 */
record RecoveryMeters(MeterRegistry registry, LongTaskTimer recovery, Timer recoveryDuration,
                      Map<Outcome, Timer> streamDuration, Map<Outcome, Counter> streams, Counter consumersRestored,
                      Counter consumersFailed, Counter read, Counter recordsVerified, Counter checksumFailures, Counter lost,
                      Map<Problem.Severity, Counter> problems, DistributionSummary streamSize,
                      DistributionSummary streamMessages) {

    static RecoveryMeters register(MeterRegistry r, Tags tags) {
        Map<Outcome, Timer> durations = new EnumMap<>(Outcome.class);
        Map<Outcome, Counter> streams = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            durations.put(o, Timer.builder(RecoveryMeterNames.STREAM_DURATION)
                    .description("Time to recover one stream and its consumers, by outcome")
                    .tags(tags).tag("outcome", o.jsonName()).register(r));
            streams.put(o, Counter.builder(RecoveryMeterNames.STREAMS)
                    .description("Streams finished, by outcome: recovered (index.db), rebuilt (from blocks), failed, cancelled")
                    .tags(tags).tag("outcome", o.jsonName()).register(r));
        }
        Map<Problem.Severity, Counter> problems = new EnumMap<>(Problem.Severity.class);
        for (Problem.Severity s : Problem.Severity.values()) {
            problems.put(s, Counter.builder(RecoveryMeterNames.PROBLEMS)
                    .description("Problems found while opening streams, by severity: warning (came back whole), "
                            + "damage (data unreadable), fatal (stream could not be opened)")
                    .tags(tags).tag("severity", s.name().toLowerCase(Locale.ROOT)).register(r));
        }
        return new RecoveryMeters(r,
                LongTaskTimer.builder(RecoveryMeterNames.RECOVERY)
                        .description("Store recoveries in progress and how long they have been running")
                        .tags(tags).register(r),
                Timer.builder(RecoveryMeterNames.RECOVERY_DURATION)
                        .description("Wall time of each finished store recovery, discovery to last stream")
                        .tags(tags).register(r),
                durations, streams,
                consumers(r, tags, "restored"),
                consumers(r, tags, "failed"),
                Counter.builder(RecoveryMeterNames.READ).baseUnit("bytes")
                        .description("File bytes read by recovery (blocks, index.db)").tags(tags).register(r),
                Counter.builder(RecoveryMeterNames.RECORDS_VERIFIED)
                        .description("Message records whose checksum was verified").tags(tags).register(r),
                Counter.builder(RecoveryMeterNames.CHECKSUM_FAILURES)
                        .description("Records whose stored checksum did not match their bytes").tags(tags).register(r),
                Counter.builder(RecoveryMeterNames.LOST).baseUnit("bytes")
                        .description("Block bytes that could not be read back (state.lost.bytes)").tags(tags).register(r),
                problems,
                DistributionSummary.builder(RecoveryMeterNames.STREAM_SIZE).baseUnit("bytes")
                        .description("Size of each recovered stream (message bytes)").tags(tags).register(r),
                DistributionSummary.builder(RecoveryMeterNames.STREAM_MESSAGES).baseUnit("messages")
                        .description("Messages in each recovered stream").tags(tags).register(r));
    }

    private static Counter consumers(MeterRegistry r, Tags tags, String outcome) {
        return Counter.builder(RecoveryMeterNames.CONSUMERS)
                .description("Consumers finished, by outcome: restored or failed")
                .tags(tags).tag("outcome", outcome).register(r);
    }
}
