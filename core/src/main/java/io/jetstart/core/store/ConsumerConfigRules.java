package io.jetstart.core.store;

import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.StreamConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * nats-server's rules for a consumer config ({@code consumer.go}: {@code checkConsumerCfg} after
 * {@code setConsumerConfigDefaults}, then the checks of {@code addConsumerWithAssignment}), in the
 * server's order, with its {@code err_code} and text: one copy for a create (the runtime's
 * {@code ConsumerDefinitions}, which adds the server's defaults and writes the file) and a restore
 * ({@link ConsumerRestoreRefusals}, which adds what the decode refuses).
 *
 * <p>Design note: the two differ only where the server lines differ, and {@link When} says which
 * reading is taken. A create is checked as the newest line checks it (the runtime writes files
 * that line reads); a restore by the stricter of 2.10 and 2.11+, so that no line skips a consumer
 * the runtime delivered: 2.10 refuses a {@code max_waiting} or {@code max_batch} below 0 that 2.11+
 * make 0, keeps a {@code max_deliver} below -1 that 2.11+ make -1 (so a {@code backoff} list is
 * "longer" than it), and refuses filters that merely collide where 2.11+ refuse only one inside
 * another. 2.10 does not know priority groups (it ignores their keys) nor
 * {@code ack_policy: flow_control} (its decode fails); 2.11+ check them at create and at start
 * alike (OddConsumerConfigIT: 2.15.1 refuses at start what it refuses at create).
 *
 * <p>What the runtime does not serve although a server takes it is not here: see
 * {@link #notServed}.
 */
public final class ConsumerConfigRules {
    private static final int MAX_DESCRIPTION_BYTES = 4 * 1024;
    private static final int MAX_METADATA_BYTES = 128 * 1024;
    private static final int MAX_NAME_BYTES = 255;
    private static final int MAX_GROUP_NAME = 16;
    private static final long MIN_HEARTBEAT_NANOS = 100_000_000L;
    private static final long MIN_EXPIRES_NANOS = 1_000_000L;

    private ConsumerConfigRules() {
    }

    /** Which reading of a rule the lines differ on is taken. */
    public enum When {
        /** A create or update: the newest line's reading (2.15.1). */
        CREATE,
        /** A restore at start: the stricter of 2.10's and 2.11+'s. */
        RESTORE
    }

    /**
     * A config the server refuses.
     *
     * @param status      the HTTP-like status of the API answer (400, or 500 for 10052)
     * @param errCode     the server's {@code err_code}
     * @param description the server's text
     * @param lines       the server lines that refuse it where not all do ("nats-server 2.11+"), else ""
     */
    public record Refusal(int status, int errCode, String description, String lines) {
        /** The text with the lines that refuse it, for a restore's report. */
        public String reason() {
            return lines.isEmpty() ? description : description + " (" + lines + ")";
        }
    }

    /** {@code checkConsumerCfg} after the defaults, for {@code c} in {@code stream}; empty when it passes. */
    public static Optional<Refusal> check(ConsumerConfig c, StreamConfig stream, When when) {
        Refusal r = checkConsumerCfg(c, stream, when);
        return r == null ? Optional.empty() : Optional.of(r);
    }

    /**
     * What {@code addConsumerWithAssignment} refuses after {@code checkConsumerCfg}, one consumer at
     * a time: the name's length and, on a work-queue stream, the ack and deliver policies.
     */
    public static Optional<Refusal> addConsumer(ConsumerConfig c, String name, StreamConfig stream) {
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return refused(10102, "consumer name is too long, maximum allowed is " + MAX_NAME_BYTES);
        }
        if (stream.retention() == StreamConfig.Retention.WORKQUEUE && !c.flag("direct") && !c.flag("sourcing")) {
            String ack = c.ackPolicy();
            if (!ack.equals("explicit") && !ack.equals("flow_control")) {
                return refused(10098, "workqueue stream requires explicit ack");
            }
            if (!c.deliverPolicy().equals("all")) {
                return refused(10101, "consumer must be deliver all on workqueue stream");
            }
        }
        return Optional.empty();
    }

    /**
     * What a server takes but the runtime does not serve (priority groups: it has no pull request
     * groups, pinning or priorities, so such a consumer would deliver to every fetch as a plain
     * one), in words for a refusal or a report; empty when it serves the config.
     */
    public static Optional<String> notServed(ConsumerConfig c) {
        String policy = c.text("priority_policy");
        if (!policy.isEmpty() && !policy.equals("none")) {
            return Optional.of("priority groups (priority_policy '" + policy + "', groups " + c.strings("priority_groups")
                    + ") are not served by the embedded runtime: it would deliver to every fetch without the policy");
        }
        return Optional.empty();
    }

    /**
     * The subjects of two filter sets that some subject matches both of, as pairs ({@code a}'s
     * first): what the server's {@code partitionUnique} finds on a work-queue stream. An empty set
     * (no filter) overlaps anything: one pair then, its side written {@code >}.
     */
    public static List<String[]> overlaps(List<String> a, List<String> b) {
        List<String[]> out = new java.util.ArrayList<>();
        if (a.isEmpty() || b.isEmpty()) {
            out.add(new String[] {a.isEmpty() ? ">" : a.getFirst(), b.isEmpty() ? ">" : b.getFirst()});
            return out;
        }
        for (String x : a) {
            for (String y : b) {
                if (SubjectRules.collide(x, y)) {
                    out.add(new String[] {x, y});
                }
            }
        }
        return out;
    }

    private static Refusal checkConsumerCfg(ConsumerConfig c, StreamConfig stream, When when) {
        boolean restore = when == When.RESTORE;
        long replicas = c.int64("num_replicas");
        if (replicas > 0 && replicas > Math.max(1, stream.replicas())) {
            return refusal(10126, "consumer config replica count exceeds parent stream");
        }
        if (replicas < 0) {
            return refusal(10133, "replicas count cannot be negative");
        }
        String ack = c.ackPolicy();
        if (!List.of("none", "all", "explicit", "flow_control").contains(ack)) {
            return refusal(10181, "consumer ack policy invalid");
        }
        String replay = c.text("replay_policy");
        if (!replay.isEmpty() && !replay.equals("instant") && !replay.equals("original")) {
            return refusal(10182, "consumer replay policy invalid");
        }
        long[] backoff = c.backoff();
        for (long b : backoff) {
            if (b < 0) {
                return new Refusal(400, 10184, "consumer backoff needs to be positive", restore ? "nats-server 2.11+" : "");
            }
        }
        long ackWait = c.int64("ack_wait");
        if (ackWait < 0) {
            return new Refusal(400, 10183, "consumer ack wait needs to be positive", restore ? "nats-server 2.11+" : "");
        }
        String deliverSubject = c.text("deliver_subject");
        // setConsumerConfigDefaults makes a flow-control ack policy's consumer flow controlled with
        // a 1 s heartbeat (its heartbeat check never fires); ack wait is not defaulted for it.
        boolean ackFlowControl = ack.equals("flow_control");
        boolean flowControl = ackFlowControl || c.flag("flow_control");
        long heartbeat = ackFlowControl ? 1_000_000_000L : c.int64("idle_heartbeat");
        long maxAckPending = c.int64("max_ack_pending");
        if (maxAckPending < -1) {
            maxAckPending = -1;
        }
        long maxDeliver = c.int64("max_deliver");
        if (maxDeliver == 0 || (!restore && maxDeliver < -1)) {
            maxDeliver = -1;
        }
        if (ackFlowControl) {
            if (deliverSubject.isEmpty()) {
                return refusal(10218, "flow control ack policy requires a push based consumer");
            }
            if (maxAckPending < 0) {
                return refusal(10220, "flow control ack policy requires max ack pending");
            }
            if (ackWait != 0 || backoff.length > 0) {
                return refusal(10221, "flow control ack policy requires unset ack wait");
            }
            if (maxDeliver > 0) {
                return refusal(10222, "flow control ack policy requires unset max deliver");
            }
        }
        if (backoff.length > 0 && maxDeliver != -1 && backoff.length > maxDeliver) {
            return refusal(10116, "max deliver is required to be > length of backoff values");
        }
        if (utf8(c.text("description")) > MAX_DESCRIPTION_BYTES) {
            return refusal(10107, "consumer description is too long, maximum allowed is " + MAX_DESCRIPTION_BYTES);
        }
        Refusal mode = deliverSubject.isEmpty() ? pull(c, stream, restore, heartbeat, flowControl)
                : push(c, deliverSubject, ack, heartbeat);
        if (mode != null) {
            return mode;
        }
        Refusal limits = consumerLimits(c, stream);
        if (limits != null) {
            return limits;
        }
        if (c.flag("direct")) {
            if (deliverSubject.isEmpty()) {
                return refusal(10090, "consumer direct requires a push based consumer");
            }
            if (!c.durableName().isEmpty()) {
                return refusal(10091, "consumer direct requires an ephemeral consumer");
            }
        }
        Refusal filters = filters(c, restore);
        if (filters != null) {
            return filters;
        }
        Refusal start = startPosition(c);
        if (start != null) {
            return start;
        }
        String freq = c.text("sample_freq");
        if (!freq.isEmpty() && !validSampling(freq)) {
            return refusal(10095, "failed to parse consumer sampling configuration: strconv.Atoi: parsing \""
                    + (freq.endsWith("%") ? freq.substring(0, freq.length() - 1) : freq) + "\": invalid syntax");
        }
        if (flowControl && heartbeat == 0) {
            return refusal(10108, "consumer with flow control also needs heartbeats");
        }
        String durable = c.durableName();
        String name = c.text("name");
        if (!durable.isEmpty() && !name.isEmpty() && !durable.equals(name)) {
            return refusal(10132, "Consumer Durable and Name have to be equal if both are provided");
        }
        if (c.metadataBytes() > MAX_METADATA_BYTES) {
            return refusal(10135, "consumer metadata exceeds maximum size of 128KB");
        }
        return priority(c, deliverSubject);
    }

    /** The push-mode rules. */
    private static Refusal push(ConsumerConfig c, String deliverSubject, String ack, long heartbeat) {
        if (deliverSubject.contains("*") || deliverSubject.contains(">")) {
            return refusal(10079, "consumer deliver subject has wildcards");
        }
        if (!SubjectRules.validSubject(deliverSubject)) {
            return refusal(10112, "invalid push consumer deliver subject");
        }
        if (c.int64("max_waiting") > 0) {
            return refusal(10080, "consumer in push mode can not set max waiting");
        }
        if (c.int64("max_ack_pending") > 0 && ack.equals("none")) {
            return refusal(10082, "consumer requires ack policy for max ack pending");
        }
        if (heartbeat > 0 && heartbeat < MIN_HEARTBEAT_NANOS) {
            return refusal(10083, "consumer idle heartbeat needs to be >= 100ms");
        }
        return null;
    }

    /** The pull-mode rules; a restore refuses what 2.10 refuses and 2.11+ make 0. */
    private static Refusal pull(ConsumerConfig c, StreamConfig stream, boolean restore, long heartbeat, boolean flowControl) {
        if (c.ackPolicy().equals("none") && stream.retention() == StreamConfig.Retention.WORKQUEUE) {
            return refusal(10084, "consumer in pull mode requires explicit ack policy on workqueue stream");
        }
        if (c.int64("rate_limit_bps") != 0) {
            return refusal(10086, "consumer in pull mode can not have rate limit set");
        }
        if (restore && c.int64("max_waiting") < 0) {
            return new Refusal(400, 10087, "consumer max waiting needs to be positive", "nats-server 2.10");
        }
        if (heartbeat > 0) {
            return refusal(10088, "consumer idle heartbeat requires a push based consumer");
        }
        if (flowControl) {
            return refusal(10089, "consumer flow control requires a push based consumer");
        }
        if (restore && c.int64("max_batch") < 0) {
            return new Refusal(400, 10114, "consumer max request batch needs to be > 0", "nats-server 2.10");
        }
        long expires = c.int64("max_expires");
        if (expires > 0 && expires < MIN_EXPIRES_NANOS) {
            return refusal(10115, "consumer max request expires needs to be >= 1ms");
        }
        return null;
    }

    /** The stream's {@code consumer_limits} against the consumer's own values (0 takes the limit, so passes). */
    private static Refusal consumerLimits(ConsumerConfig c, StreamConfig stream) {
        if (!stream.hasNonEmptyObject("consumer_limits")) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode limits = stream.json().path("consumer_limits");
        long maxAckPending = limits.path("max_ack_pending").asLong(0);
        if (maxAckPending > 0 && c.int64("max_ack_pending") > maxAckPending) {
            return refusal(10121, "consumer max ack pending exceeds system limit of " + maxAckPending);
        }
        long inactive = limits.path("inactive_threshold").asLong(0);
        if (inactive > 0 && c.int64("inactive_threshold") > inactive) {
            return refusal(10153, "consumer inactive threshold exceeds system limit of " + java.time.Duration.ofNanos(inactive));
        }
        return null;
    }

    private static Refusal filters(ConsumerConfig c, boolean restore) {
        String single = c.text("filter_subject");
        if (!single.isEmpty() && c.listSize("filter_subjects") > 0) {
            return refusal(10136, "consumer cannot have both FilterSubject and FilterSubjects specified");
        }
        if (!single.isEmpty() && !SubjectRules.validSubject(single)) {
            return new Refusal(500, 10052, "invalid subject", "");
        }
        List<String> all = c.filterSubjects();
        for (String f : all) {
            if (f == null || f.isEmpty()) {
                return refusal(10139, "consumer filter in FilterSubjects cannot be empty");
            }
        }
        for (int i = 0; i < all.size(); i++) {
            if (!SubjectRules.validSubject(all.get(i))) {
                return new Refusal(500, 10052, "invalid subject", "");
            }
            for (int j = 0; j < all.size(); j++) {
                if (i == j) {
                    continue;
                }
                // 2.10 refuses filters that collide, 2.11+ only one inside another.
                boolean overlap = restore ? SubjectRules.collide(all.get(i), all.get(j)) : SubjectRules.subsetMatch(all.get(i), all.get(j));
                if (overlap) {
                    return refusal(10138, "consumer subject filters cannot overlap");
                }
            }
        }
        return null;
    }

    /** The deliver policy against {@code opt_start_seq} and {@code opt_start_time}, in checkConsumerCfg's words. */
    private static Refusal startPosition(ConsumerConfig c) {
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
                    return policyError("consumer delivery policy is deliver " + words + ", but optional start sequence is also set");
                }
                if (time) {
                    return policyError("consumer delivery policy is deliver " + words + ", but optional start time is also set");
                }
                if (policy.equals("last_per_subject") && c.filterSubjects().isEmpty()) {
                    return policyError("consumer delivery policy is deliver last per subject, but optional filter subject is not set");
                }
            }
            case "by_start_sequence" -> {
                if (!seq) {
                    return policyError("consumer delivery policy is deliver by start sequence, but optional start sequence is not set");
                }
                if (time) {
                    return policyError("consumer delivery policy is deliver by start sequence, but optional start time is also set");
                }
            }
            case "by_start_time" -> {
                if (!time) {
                    return policyError("consumer delivery policy is deliver by start time, but optional start time is not set");
                }
                if (seq) {
                    return policyError("consumer delivery policy is deliver by start time, but optional start sequence is also set");
                }
            }
            default -> {
                return policyError("consumer delivery policy invalid: " + policy);
            }
        }
        return null;
    }

    /**
     * Priority groups (2.11+; 2.10 ignores the keys): a policy needs a pull consumer and groups of
     * valid names, groups or a pinned timeout need a policy (2.15.1 at create and at start alike).
     */
    private static Refusal priority(ConsumerConfig c, String deliverSubject) {
        String policy = c.text("priority_policy");
        List<String> groups = c.strings("priority_groups");
        if (!policy.isEmpty() && !policy.equals("none")) {
            if (!deliverSubject.isEmpty()) {
                return refusal(10178, "priority groups can not be used with push consumers");
            }
            if (groups.isEmpty()) {
                return refusal(10159, "Setting PriorityPolicy requires at least one PriorityGroup to be set");
            }
            for (String g : groups) {
                if (g.isEmpty()) {
                    return refusal(10161, "Group name cannot be an empty string");
                }
                if (!validGroupName(g)) {
                    return refusal(10162, "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters");
                }
            }
            return null;
        }
        if (!groups.isEmpty()) {
            return refusal(10196, "consumer can not have priority groups when policy is none");
        }
        if (c.int64("priority_timeout") > 0) {
            return refusal(10197, "PinnedTTL cannot be set when PriorityPolicy is none");
        }
        return null;
    }

    /** {@code ^[a-zA-Z0-9/_=-]{1,16}$} (consumer.go: validGroupName). */
    private static boolean validGroupName(String g) {
        if (g.isEmpty() || g.length() > MAX_GROUP_NAME) {
            return false;
        }
        for (int i = 0; i < g.length(); i++) {
            char ch = g.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                    || ch == '/' || ch == '_' || ch == '=' || ch == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** strconv.Atoi of the value without a trailing {@code %}, not below 0. */
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

    private static Refusal refusal(int errCode, String description) {
        return new Refusal(400, errCode, description, "");
    }

    private static Optional<Refusal> refused(int errCode, String description) {
        return Optional.of(refusal(errCode, description));
    }

    private static Refusal policyError(String description) {
        return refusal(10094, description);
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
