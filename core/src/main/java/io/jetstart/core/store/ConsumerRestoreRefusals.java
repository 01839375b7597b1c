package io.jetstart.core.store;

import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.StreamConfig;

/**
 * Why a standalone nats-server would not restore a consumer whose {@code meta.inf} decodes: what
 * its strict decode refuses (2.11+: an unknown key), then the checks {@code addConsumerWithAssignment}
 * runs at start with {@code isRecovering} set ({@code setConsumerConfigDefaults},
 * {@code checkConsumerCfg}, the work-queue rules), in the server's words. The server then logs
 * {@code Error adding consumer "<name>": <reason>} (or {@code Error unmarshalling consumer
 * metafile}) and the consumer is not there: no deliveries, and on an interest stream no interest.
 *
 * <p>Design note: such a consumer is kept as a doubted one ({@link RestoredConsumer#doubt()}):
 * reported, not delivered, and it removes nothing and lets nothing be removed by interest. Had
 * the runtime delivered it, its acks would be written for a consumer the server does not have,
 * and a switch back would show the application a consumer gone (or, for a key in other letter
 * case, one with other settings). Where a rule differs between lines, the stricter is taken, so
 * that no line skips what the runtime served: a {@code max_waiting} below 0 is refused by 2.10
 * and made 0 by 2.11+; an {@code ack_wait} below 0 is taken by 2.10 and refused by 2.11+.
 * Checked on nats-server 2.10.27 and 2.15.1 (OddConsumerConfigIT).
 *
 * <p>The subject rules are a copy of the runtime's ({@code SubjectRules}): this module cannot see it.
 */
final class ConsumerRestoreRefusals {
    private static final int MAX_DESCRIPTION_BYTES = 4 * 1024;
    private static final int MAX_METADATA_BYTES = 128 * 1024;
    private static final int MAX_NAME_BYTES = 255;
    private static final long MIN_HEARTBEAT_NANOS = 100_000_000L;
    private static final long MIN_EXPIRES_NANOS = 1_000_000L;

    private ConsumerRestoreRefusals() {
    }

    /** The server's reason for not restoring {@code c} in {@code stream}, or null when it would restore it. */
    static String reason(ConsumerConfig c, StreamConfig stream) {
        for (String key : c.unknownKeys()) {
            String known = ConsumerConfig.knownKeyIgnoringCase(key);
            if (known != null) {
                // Every line reads it as the known key (Go matches keys in any letter case); the
                // runtime's getters would not, so it would deliver another consumer than the server.
                return "key \"" + key + "\" is read by nats-server as \"" + known + "\" (Go matches keys in any letter case); the runtime does not";
            }
            return "json: unknown field \"" + key + "\" (nats-server 2.11+ refuses the file; the runtime does not know the key)";
        }
        String r = checkConsumerCfg(c, stream);
        return r != null ? r : addConsumer(c, stream);
    }

    /** {@code checkConsumerCfg} after {@code setConsumerConfigDefaults}, in the server's order. */
    private static String checkConsumerCfg(ConsumerConfig c, StreamConfig stream) {
        long replicas = c.int64("num_replicas");
        if (replicas > 0 && replicas > Math.max(1, stream.replicas())) {
            return "consumer config replica count exceeds parent stream";
        }
        if (replicas < 0) {
            return "replicas count cannot be negative";
        }
        long ackWait = c.int64("ack_wait");
        long[] backoff = c.backoff();
        for (long b : backoff) {
            if (b < 0) {
                return "consumer backoff needs to be positive (nats-server 2.11+)";
            }
        }
        if (ackWait < 0) {
            return "consumer ack wait needs to be positive (nats-server 2.11+)";
        }
        // 2.10 keeps a max_deliver below -1 as written (so a backoff list is "longer" than it);
        // 2.11+ make it -1. The stricter reading.
        long maxDeliver = c.int64("max_deliver") == 0 ? -1 : c.int64("max_deliver");
        if (backoff.length > 0 && maxDeliver != -1 && backoff.length > maxDeliver) {
            return "max deliver is required to be > length of backoff values";
        }
        if (utf8(c.text("description")) > MAX_DESCRIPTION_BYTES) {
            return "consumer description is too long, maximum allowed is " + MAX_DESCRIPTION_BYTES;
        }
        String deliverSubject = c.text("deliver_subject");
        String ack = c.ackPolicy();
        if (!deliverSubject.isEmpty()) {
            if (deliverSubject.contains("*") || deliverSubject.contains(">")) {
                return "consumer deliver subject has wildcards";
            }
            if (!SubjectRules.validSubject(deliverSubject)) {
                return "consumer deliver subject is not a valid subject";
            }
            if (c.int64("max_waiting") > 0) {
                return "consumer in push mode can not set max waiting";
            }
            if (c.int64("max_ack_pending") > 0 && ack.equals("none")) {
                return "consumer requires ack policy for max ack pending";
            }
            long hb = c.int64("idle_heartbeat");
            if (hb > 0 && hb < MIN_HEARTBEAT_NANOS) {
                return "consumer idle heartbeat needs to be >= 100ms";
            }
        } else {
            if (ack.equals("none") && stream.retention() == StreamConfig.Retention.WORKQUEUE) {
                return "consumer in pull mode requires explicit ack policy on workqueue stream";
            }
            if (c.int64("rate_limit_bps") != 0) {
                return "consumer in pull mode can not have rate limit set";
            }
            if (c.int64("max_waiting") < 0) {
                return "consumer max waiting needs to be positive (nats-server 2.10)";
            }
            if (c.int64("idle_heartbeat") > 0) {
                return "consumer idle heartbeat requires a push based consumer";
            }
            if (c.flag("flow_control")) {
                return "consumer flow control requires a push based consumer";
            }
            if (c.int64("max_batch") < 0) {
                return "consumer max request batch needs to be > 0 (nats-server 2.10)";
            }
            long expires = c.int64("max_expires");
            if (expires > 0 && expires < MIN_EXPIRES_NANOS) {
                return "consumer max request expires needs to be >= 1ms";
            }
        }
        String limits = consumerLimits(c, stream);
        if (limits != null) {
            return limits;
        }
        if (c.flag("direct")) {
            if (deliverSubject.isEmpty()) {
                return "consumer direct requires a push based consumer";
            }
            if (!c.durableName().isEmpty()) {
                return "consumer direct requires an ephemeral consumer";
            }
        }
        String filters = filters(c);
        if (filters != null) {
            return filters;
        }
        String start = startPosition(c);
        if (start != null) {
            return start;
        }
        String freq = c.text("sample_freq");
        if (!freq.isEmpty() && !validSampling(freq)) {
            return "failed to parse consumer sampling configuration";
        }
        if (c.flag("flow_control") && c.int64("idle_heartbeat") == 0) {
            return "consumer with flow control also needs heartbeats";
        }
        String durable = c.durableName();
        String name = c.text("name");
        if (!durable.isEmpty() && !name.isEmpty() && !durable.equals(name)) {
            return "Consumer Durable and Name have to be equal if both are provided";
        }
        if (c.metadataBytes() > MAX_METADATA_BYTES) {
            return "consumer metadata exceeds maximum size of 128KB";
        }
        return null;
    }

    /** The stream's {@code consumer_limits} against the consumer's own values (0 takes the limit). */
    private static String consumerLimits(ConsumerConfig c, StreamConfig stream) {
        if (!stream.hasNonEmptyObject("consumer_limits")) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode limits = stream.json().path("consumer_limits");
        long maxAckPending = limits.path("max_ack_pending").asLong(0);
        if (maxAckPending > 0 && c.int64("max_ack_pending") > maxAckPending) {
            return "consumer max ack pending exceeds system limit of " + maxAckPending;
        }
        long inactive = limits.path("inactive_threshold").asLong(0);
        if (inactive > 0 && c.int64("inactive_threshold") > inactive) {
            return "consumer inactive threshold exceeds system limit of " + java.time.Duration.ofNanos(inactive);
        }
        return null;
    }

    private static String filters(ConsumerConfig c) {
        String single = c.text("filter_subject");
        if (!single.isEmpty() && c.listSize("filter_subjects") > 0) {
            return "consumer cannot have both FilterSubject and FilterSubjects specified";
        }
        java.util.List<String> all = c.filterSubjects();
        for (String f : all) {
            if (f == null || f.isEmpty()) {
                return "consumer filter in FilterSubjects cannot be empty";
            }
            if (!SubjectRules.validSubject(f)) {
                return "invalid subject";
            }
        }
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                // 2.10 refuses filters that collide (2.11+ only those one of which contains the other): the stricter.
                if (SubjectRules.collide(all.get(i), all.get(j))) {
                    return "consumer subject filters cannot overlap";
                }
            }
        }
        return null;
    }

    /** The deliver policy against {@code opt_start_seq} and {@code opt_start_time}, in checkConsumerCfg's words. */
    private static String startPosition(ConsumerConfig c) {
        String policy = c.deliverPolicy();
        boolean seq = c.int64("opt_start_seq") != 0;
        boolean time = c.hasValue("opt_start_time");
        String words = switch (policy) {
            case "last_per_subject" -> "last per subject";
            case "by_start_sequence" -> "by start sequence";
            case "by_start_time" -> "by start time";
            default -> policy;
        };
        switch (policy) {
            case "all", "last", "new", "last_per_subject" -> {
                if (seq) {
                    return "consumer delivery policy is deliver " + words + ", but optional start sequence is also set";
                }
                if (time) {
                    return "consumer delivery policy is deliver " + words + ", but optional start time is also set";
                }
                if (policy.equals("last_per_subject") && c.filterSubjects().isEmpty()) {
                    return "consumer delivery policy is deliver last per subject, but optional filter subject is not set";
                }
            }
            case "by_start_sequence" -> {
                if (!seq) {
                    return "consumer delivery policy is deliver by start sequence, but optional start sequence is not set";
                }
                if (time) {
                    return "consumer delivery policy is deliver by start sequence, but optional start time is also set";
                }
            }
            case "by_start_time" -> {
                if (!time) {
                    return "consumer delivery policy is deliver by start time, but optional start time is not set";
                }
                if (seq) {
                    return "consumer delivery policy is deliver by start time, but optional start sequence is also set";
                }
            }
            default -> {
                // The decode refused any other value before this (MetaFiles).
            }
        }
        return null;
    }

    /** What addConsumerWithAssignment refuses after checkConsumerCfg, one consumer at a time. */
    private static String addConsumer(ConsumerConfig c, StreamConfig stream) {
        if (utf8(c.durableName()) > MAX_NAME_BYTES) {
            return "consumer name is too long, maximum allowed is " + MAX_NAME_BYTES;
        }
        if (stream.retention() == StreamConfig.Retention.WORKQUEUE && !c.flag("direct")) {
            if (!c.ackPolicy().equals("explicit")) {
                return "workqueue stream requires explicit ack";
            }
            if (!c.deliverPolicy().equals("all")) {
                return "consumer must be deliver all on workqueue stream";
            }
        }
        return null;
    }

    private static boolean validSampling(String freq) {
        String s = freq.endsWith("%") ? freq.substring(0, freq.length() - 1) : freq;
        if (s.isEmpty()) {
            return false;
        }
        int from = s.charAt(0) == '+' ? 1 : 0;
        if (from == s.length() || s.length() - from > 18) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }


    private static int utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
