package io.jetstart.metrics;

/**
 * Every meter name jetstart registers, for alerts and dashboards written against them. The
 * Prometheus forms (units and {@code _total} appended) are listed in docs/metrics.md.
 */
public final class RecoveryMeterNames {
    /** LongTaskTimer: recoveries running now and for how long. */
    public static final String RECOVERY = "jetstart.recovery.active";
    /** Timer: wall time of each finished recovery. */
    public static final String RECOVERY_DURATION = "jetstart.recovery.duration";
    /** Timer, tag {@code outcome}: one stream's recovery, consumers included. */
    public static final String STREAM_DURATION = "jetstart.recovery.stream.duration";
    /** Counter, tag {@code outcome}: streams finished. */
    public static final String STREAMS = "jetstart.recovery.streams";
    /** Counter, tag {@code outcome} (restored, failed): consumers finished. */
    public static final String CONSUMERS = "jetstart.recovery.consumers";
    /** Counter, bytes: file bytes read (blocks, index.db). */
    public static final String READ = "jetstart.recovery.read";
    /** Counter: message records whose checksum was verified. */
    public static final String RECORDS_VERIFIED = "jetstart.recovery.records.verified";
    /** Counter: records whose stored checksum did not match. */
    public static final String CHECKSUM_FAILURES = "jetstart.recovery.checksum.failures";
    /** Counter, bytes: block bytes that could not be read back (nats-server's state.lost.bytes). */
    public static final String LOST = "jetstart.recovery.lost";
    /** Counter, tag {@code severity}: problems reported (warning, damage, fatal). */
    public static final String PROBLEMS = "jetstart.recovery.problems";
    /** Gauge, only while recovering: streams not finished. */
    public static final String STREAMS_REMAINING = "jetstart.recovery.streams.remaining";
    /** Gauge, bytes, only while recovering: block bytes not done. */
    public static final String REMAINING = "jetstart.recovery.remaining";
    /** Gauge, tag {@code phase} (messages, consumers), only while recovering: streams running. */
    public static final String STREAMS_ACTIVE = "jetstart.recovery.streams.active";
    /** Gauge, only while recovering: the dios gate's permits. */
    public static final String GATE_PERMITS = "jetstart.recovery.gate.permits";
    /** Gauge, only while recovering: disk operations holding a permit. */
    public static final String GATE_IN_USE = "jetstart.recovery.gate.in.use";
    /** Gauge, only while recovering: disk operations waiting for a permit. */
    public static final String GATE_WAITERS = "jetstart.recovery.gate.waiters";
    /** FunctionTimer: time disk operations waited for a permit, and how many were granted. */
    public static final String GATE_WAIT = "jetstart.recovery.gate.wait";
    /** DistributionSummary, bytes: size of each recovered stream. */
    public static final String STREAM_SIZE = "jetstart.recovery.stream.size";
    /** DistributionSummary, messages: messages in each recovered stream. */
    public static final String STREAM_MESSAGES = "jetstart.recovery.stream.messages";
    /** Gauge, after recovery: streams serving. */
    public static final String STORE_STREAMS = "jetstart.store.streams";
    /** Gauge, after recovery: consumers serving. */
    public static final String STORE_CONSUMERS = "jetstart.store.consumers";
    /** Gauge, after recovery: messages stored. */
    public static final String STORE_MESSAGES = "jetstart.store.messages";
    /** Gauge, bytes, after recovery: message bytes stored. */
    public static final String STORE_SIZE = "jetstart.store.size";

    private RecoveryMeterNames() {
    }
}
