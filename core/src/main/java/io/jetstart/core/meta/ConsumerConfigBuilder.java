package io.jetstart.core.meta;

import static io.jetstart.core.meta.ConfigJson.NODES;
import static io.jetstart.core.meta.ConfigJson.bad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.GoTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a pull consumer's {@link ConsumerConfig} with typed setters named after nats-server's
 * JSON fields ({@code max_ack_pending} is {@link #maxAckPending}):
 *
 * <pre>{@code
 * ConsumerConfig c = ConsumerConfig.builder()
 *         .durableName("billing")
 *         .filterSubject("orders.*")
 *         .ackWait(Duration.ofSeconds(30))
 *         .maxDeliver(5)
 *         .build();
 * }</pre>
 *
 * <p>{@link #build} writes the JSON of nats-server's {@code ConsumerConfig} for these settings, as
 * Go encodes it (its field order, {@code omitempty} keys only when set, durations in nanoseconds,
 * times in RFC 3339), and reads it with {@link ConsumerConfig#parse}. Unlike a stream's, a
 * consumer's defaults depend on its stream ({@code consumer_limits}) and are the server's to fill
 * in when the consumer is created ({@code setConsumerConfigDefaults}: the runtime's
 * {@code createConsumer}); what a setter leaves unset is left out. One default is the builder's:
 * {@code ack_policy} is explicit, as in jnats and nats.go's {@code jetstream} package (Go's zero
 * value would be none).
 *
 * <p>Setters check the ranges nats-server's {@code checkConsumerCfg} checks and throw
 * {@link IllegalArgumentException} naming the field; {@link #build} checks the rules between
 * fields (deliver policy and start, filters, backoff and max_deliver, name and durable name). The
 * rules that need the stream (work-queue retention, overlapping filters, the stream's consumer
 * limits) are the create's, with the server's error codes. Only pull consumers have setters: the
 * runtime serves no push consumer. Not thread-safe.
 */
public final class ConsumerConfigBuilder {

    /** {@code deliver_policy}: where delivery starts. */
    public enum DeliverPolicy {
        ALL, LAST, NEW, BY_START_SEQUENCE, BY_START_TIME, LAST_PER_SUBJECT;

        String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code ack_policy}. */
    public enum AckPolicy { NONE, ALL, EXPLICIT }

    /** {@code replay_policy}. */
    public enum ReplayPolicy { INSTANT, ORIGINAL }

    /** The server's ConsumerConfig keys in Go's order ({@code FileConsumerInfo} puts Created and Name first). */
    private static final List<String> ORDER = List.of("Created", "Name", "durable_name", "name", "description",
            "deliver_policy", "opt_start_seq", "opt_start_time", "ack_policy", "ack_wait", "max_deliver", "backoff",
            "filter_subject", "filter_subjects", "replay_policy", "rate_limit_bps", "sample_freq", "max_waiting",
            "max_ack_pending", "flow_control", "headers_only", "max_batch", "max_expires", "max_bytes", "deliver_subject",
            "deliver_group", "idle_heartbeat", "inactive_threshold", "num_replicas", "mem_storage", "direct", "sourcing",
            "metadata", "pause_until", "priority_groups", "priority_policy", "priority_timeout");

    /** Keys Go writes always (not {@code omitempty}), with this builder's value when none is set. */
    private static final Map<String, JsonNode> ALWAYS = Map.of(
            "deliver_policy", NODES.textNode("all"),
            "ack_policy", NODES.textNode("explicit"),
            "replay_policy", NODES.textNode("instant"),
            "num_replicas", NODES.numberNode(0));

    /** 2262-04-11: the last instant whose Unix nanoseconds fit a long. */
    private static final Instant LAST_TIME = Instant.ofEpochSecond(Long.MAX_VALUE / 1_000_000_000L);

    private final ObjectNode base;
    private final Map<String, JsonNode> set = new LinkedHashMap<>();

    private ConsumerConfigBuilder(ObjectNode base) {
        this.base = base;
    }

    static ConsumerConfigBuilder empty() {
        return new ConsumerConfigBuilder(NODES.objectNode());
    }

    static ConsumerConfigBuilder from(ConsumerConfig config) {
        return new ConsumerConfigBuilder(config.json());
    }

    /** {@code durable_name}: a durable consumer's name (without it the consumer is ephemeral); "" removes it. */
    public ConsumerConfigBuilder durableName(String durableName) {
        return optionalName("durable_name", durableName);
    }

    /** {@code name}: the consumer's name; with a durable name it must be the same; "" removes it. */
    public ConsumerConfigBuilder name(String name) {
        return optionalName("name", name);
    }

    /** {@code description}, at most 4 KiB; "" removes it. */
    public ConsumerConfigBuilder description(String description) {
        ConfigJson.checkDescription(description);
        return put("description", description.isEmpty() ? null : NODES.textNode(description));
    }

    /**
     * {@code deliver_policy} (default all); {@link DeliverPolicy#BY_START_SEQUENCE} needs
     * {@link #optStartSeq}, {@link DeliverPolicy#BY_START_TIME} {@link #optStartTime},
     * {@link DeliverPolicy#LAST_PER_SUBJECT} a filter (checked by {@link #build}).
     */
    public ConsumerConfigBuilder deliverPolicy(DeliverPolicy policy) {
        return put("deliver_policy", NODES.textNode(policy.json()));
    }

    /** {@code opt_start_seq}: the first stream sequence, at least 1, with deliver policy by_start_sequence. */
    public ConsumerConfigBuilder optStartSeq(long seq) {
        if (seq < 1) {
            throw bad("opt_start_seq", "is " + seq + "; it must be at least 1");
        }
        return put("opt_start_seq", NODES.numberNode(seq));
    }

    /** {@code opt_start_time}: the first message's time, with deliver policy by_start_time. */
    public ConsumerConfigBuilder optStartTime(Instant time) {
        Objects.requireNonNull(time, "opt_start_time");
        if (time.isBefore(Instant.EPOCH) || time.isAfter(LAST_TIME)) {
            throw bad("opt_start_time", "is " + time + "; it must be from 1970 to " + LAST_TIME);
        }
        long nanos = time.getEpochSecond() * 1_000_000_000L + time.getNano();
        return put("opt_start_time", NODES.textNode(nanos == 0 ? "1970-01-01T00:00:00Z" : GoTime.format(nanos)));
    }

    /** {@code ack_policy}: explicit unless set (see the class comment). */
    public ConsumerConfigBuilder ackPolicy(AckPolicy policy) {
        return put("ack_policy", NODES.textNode(policy.name().toLowerCase(Locale.ROOT)));
    }

    /** {@code ack_wait}: how long a delivery waits for its ack; {@link Duration#ZERO} leaves the server's 30 s. */
    public ConsumerConfigBuilder ackWait(Duration ackWait) {
        long n = ConfigJson.nanos("ack_wait", ackWait);
        return put("ack_wait", n == 0 ? null : NODES.numberNode(n));
    }

    /** {@code max_deliver}: deliveries of one message, -1 or 0 for no limit (0 leaves it unset), else at least 1. */
    public ConsumerConfigBuilder maxDeliver(int maxDeliver) {
        if (maxDeliver < -1) {
            throw bad("max_deliver", "is " + maxDeliver + "; it must be -1 or 0 (no limit) or at least 1");
        }
        return put("max_deliver", maxDeliver == 0 ? null : NODES.numberNode(maxDeliver));
    }

    /** {@code backoff}: the redelivery delays in order (the first replaces ack_wait); none removes it. */
    public ConsumerConfigBuilder backoff(Duration... delays) {
        ArrayNode a = NODES.arrayNode();
        for (Duration d : delays) {
            a.add(ConfigJson.nanos("backoff", d));
        }
        return put("backoff", a.isEmpty() ? null : a);
    }

    /** {@code filter_subject}: the one subject (wildcards allowed) delivered; "" removes it. */
    public ConsumerConfigBuilder filterSubject(String subject) {
        Objects.requireNonNull(subject, "filter_subject");
        if (!subject.isEmpty()) {
            checkSubject("filter_subject", subject);
        }
        return put("filter_subject", subject.isEmpty() ? null : NODES.textNode(subject));
    }

    /** {@code filter_subjects}: several subjects delivered, none twice; none removes it. */
    public ConsumerConfigBuilder filterSubjects(String... subjects) {
        return filterSubjects(List.of(subjects));
    }

    /** {@link #filterSubjects(String...)} from a list. */
    public ConsumerConfigBuilder filterSubjects(List<String> subjects) {
        Set<String> seen = new HashSet<>();
        ArrayNode a = NODES.arrayNode();
        for (String s : subjects) {
            Objects.requireNonNull(s, "filter_subjects");
            checkSubject("filter_subjects", s);
            if (!seen.add(s)) {
                throw bad("filter_subjects", "\"" + s + "\" is given twice");
            }
            a.add(s);
        }
        return put("filter_subjects", a.isEmpty() ? null : a);
    }

    /** {@code replay_policy}: instant (the default) or original. */
    public ConsumerConfigBuilder replayPolicy(ReplayPolicy policy) {
        return put("replay_policy", NODES.textNode(policy.name().toLowerCase(Locale.ROOT)));
    }

    /** {@code max_waiting}: pull requests waiting at once, at least 1; 0 leaves the server's 512. */
    public ConsumerConfigBuilder maxWaiting(int maxWaiting) {
        return put("max_waiting", positiveOrUnset("max_waiting", maxWaiting));
    }

    /** {@code max_ack_pending}: deliveries awaiting their ack, -1 for no limit, else at least 1; 0 leaves the default. */
    public ConsumerConfigBuilder maxAckPending(int maxAckPending) {
        if (maxAckPending < -1) {
            throw bad("max_ack_pending", "is " + maxAckPending + "; it must be -1 (no limit), 0 (the default) or at least 1");
        }
        return put("max_ack_pending", maxAckPending == 0 ? null : NODES.numberNode(maxAckPending));
    }

    /** {@code headers_only}: deliver the headers and the payload's size, not the payload. */
    public ConsumerConfigBuilder headersOnly(boolean on) {
        return put("headers_only", on ? NODES.booleanNode(true) : null);
    }

    /** {@code max_batch}: the largest batch one pull request may ask for; 0 for no limit. */
    public ConsumerConfigBuilder maxBatch(int maxBatch) {
        return put("max_batch", positiveOrUnset("max_batch", maxBatch));
    }

    /** {@code max_expires}: the longest a pull request may wait, at least 1 ms; {@link Duration#ZERO} for no limit. */
    public ConsumerConfigBuilder maxExpires(Duration maxExpires) {
        long n = ConfigJson.nanos("max_expires", maxExpires);
        if (n != 0 && n < 1_000_000L) {
            throw bad("max_expires", "is " + maxExpires + "; it must be 0 (no limit) or at least 1ms");
        }
        return put("max_expires", n == 0 ? null : NODES.numberNode(n));
    }

    /** {@code max_bytes}: the most bytes one pull request may ask for; 0 for no limit. */
    public ConsumerConfigBuilder maxBytes(int maxBytes) {
        return put("max_bytes", positiveOrUnset("max_bytes", maxBytes));
    }

    /** {@code inactive_threshold}: how long the consumer may go unused before it is removed; {@link Duration#ZERO} for the default. */
    public ConsumerConfigBuilder inactiveThreshold(Duration threshold) {
        long n = ConfigJson.nanos("inactive_threshold", threshold);
        return put("inactive_threshold", n == 0 ? null : NODES.numberNode(n));
    }

    /** {@code metadata}: string pairs, at most 128 KiB of keys and values; an empty map removes it. */
    public ConsumerConfigBuilder metadata(Map<String, String> metadata) {
        return put("metadata", ConfigJson.metadata(metadata));
    }

    /**
     * {@code pause_until} (nats-server 2.11+): the consumer delivers nothing before this time, written
     * in UTC as the server's pause request writes it; {@code null} removes it. A time in the past is
     * kept and pauses nothing, as the server keeps it. 2.10 ignores the key.
     */
    public ConsumerConfigBuilder pauseUntil(Instant until) {
        return put("pause_until", until == null ? null : NODES.textNode(GoTime.format(until)));
    }

    /**
     * The config: the JSON of the server's {@code ConsumerConfig} for these settings, read by
     * {@link ConsumerConfig#parse}.
     *
     * @throws IllegalArgumentException when fields contradict each other, naming them
     */
    public ConsumerConfig build() {
        ObjectNode out = ConfigJson.ordered(ConfigJson.merge(base, set), ORDER, ALWAYS);
        check(out);
        try {
            return ConsumerConfig.parse(GoJsonWriter.write(out));
        } catch (FormatException e) {
            throw new IllegalStateException("a built consumer config does not parse: " + e.getMessage(), e);
        }
    }

    /** The rules between fields ({@code checkConsumerCfg}, the deliver policy checks). */
    private static void check(ObjectNode c) {
        String durable = c.path("durable_name").asText("");
        String name = c.path("name").asText("");
        if (!durable.isEmpty() && !name.isEmpty() && !durable.equals(name)) {
            throw new IllegalArgumentException("durable_name \"" + durable + "\" and name \"" + name + "\" must be the same when both are set");
        }
        boolean filter = c.hasNonNull("filter_subject");
        boolean filters = c.hasNonNull("filter_subjects") && !c.get("filter_subjects").isEmpty();
        if (filter && filters) {
            throw new IllegalArgumentException("filter_subject and filter_subjects cannot both be set");
        }
        String policy = c.path("deliver_policy").asText("all");
        boolean seq = c.path("opt_start_seq").asLong(0) > 0;
        boolean time = c.hasNonNull("opt_start_time");
        switch (policy) {
            case "by_start_sequence" -> {
                if (!seq) {
                    throw new IllegalArgumentException("deliver_policy by_start_sequence needs opt_start_seq");
                }
                if (time) {
                    throw new IllegalArgumentException("deliver_policy by_start_sequence excludes opt_start_time");
                }
            }
            case "by_start_time" -> {
                if (!time) {
                    throw new IllegalArgumentException("deliver_policy by_start_time needs opt_start_time");
                }
                if (seq) {
                    throw new IllegalArgumentException("deliver_policy by_start_time excludes opt_start_seq");
                }
            }
            default -> {
                if (seq || time) {
                    throw new IllegalArgumentException("deliver_policy " + policy + " excludes " + (seq ? "opt_start_seq" : "opt_start_time")
                            + " (set deliver_policy by_start_" + (seq ? "sequence" : "time") + ")");
                }
                if (policy.equals("last_per_subject") && !filter && !filters) {
                    throw new IllegalArgumentException("deliver_policy last_per_subject needs filter_subject or filter_subjects");
                }
            }
        }
        int backoff = c.path("backoff").size();
        long maxDeliver = c.path("max_deliver").asLong(0);
        if (backoff > 0 && maxDeliver > 0 && backoff > maxDeliver) {
            throw new IllegalArgumentException("backoff has " + backoff + " delays, more than max_deliver (" + maxDeliver + ")");
        }
    }

    private ConsumerConfigBuilder optionalName(String field, String name) {
        Objects.requireNonNull(name, field);
        if (name.isEmpty()) {
            return put(field, null);
        }
        ConfigJson.checkName(field, name);
        return put(field, NODES.textNode(name));
    }

    private static JsonNode positiveOrUnset(String field, int v) {
        if (v < 0) {
            throw bad(field, "is " + v + "; it cannot be negative");
        }
        return v == 0 ? null : NODES.numberNode(v);
    }

    private static void checkSubject(String field, String s) {
        String problem = ConfigJson.subjectProblem(s);
        if (problem != null) {
            throw bad(field, "\"" + s + "\" " + problem);
        }
    }

    private ConsumerConfigBuilder put(String key, JsonNode value) {
        set.put(key, value);
        return this;
    }
}
