package io.jetstart.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.ConsumerConfigRules;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Consumer configs as nats-server checks and completes them ({@code consumer.go:
 * checkConsumerCfg}, {@code setConsumerConfigDefaults}, the work-queue checks of
 * {@code addConsumerWithAssignment}), with the server's error codes and texts, and the
 * {@code meta.inf} JSON the server writes ({@code FileConsumerInfo}: {@code "Created"},
 * {@code "Name"}, then the config keys of 2.10 in the server's order, empty values left out).
 * The checks themselves are {@link ConsumerConfigRules} in core.store, the copy a restore is
 * checked by too; here are the names' characters (a create's only), the defaults and the file.
 */
final class ConsumerDefinitions {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long DEFAULT_ACK_WAIT = 30_000_000_000L;
    static final long DEFAULT_MAX_ACK_PENDING = 1000;
    static final long DEFAULT_MAX_WAITING = 512;
    /** JsDeleteWaitTimeDefault: an ephemeral with no inactive_threshold goes after 5 s without activity. */
    static final long EPHEMERAL_INACTIVE_DEFAULT = 5_000_000_000L;
    private static final String NAME_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ConsumerDefinitions() {
    }

    /** A consumer config from JSON with nats-server's field names (durations in nanoseconds). */
    static ConsumerConfig parse(String json) {
        try {
            return ConsumerConfig.parse(json.getBytes(StandardCharsets.UTF_8));
        } catch (FormatException e) {
            throw JetStreamApiException.invalidConfig(e.getMessage());
        }
    }

    /**
     * Checks {@code config} against {@code stream} as the server does on create and returns the
     * {@code meta.inf} JSON with the server's defaults ({@code "Created"} and {@code "Name"} first).
     */
    static ObjectNode complete(ConsumerConfig config, StreamConfig stream, long createdNanos) {
        ObjectNode in = config.json();
        String durable = text(in, "durable_name");
        String name = text(in, "name");
        if (!name.isEmpty() && !validName(name)) {
            throw JetStreamApiException.invalidConfig("consumer name can not contain '.', '*', '>', '\\', '/'");
        }
        if (!durable.isEmpty() && !validName(durable)) {
            throw JetStreamApiException.invalidConfig("consumer durable name can not contain '.', '*', '>', '\\', '/'");
        }
        // checkConsumerCfg and addConsumerWithAssignment's own checks, as the newest line runs them
        // (one copy with the restore's: core.store's ConsumerConfigRules).
        java.util.Optional<ConsumerConfigRules.Refusal> refused = ConsumerConfigRules.check(config, stream, ConsumerConfigRules.When.CREATE);
        if (refused.isPresent()) {
            throw refusal(refused.get());
        }
        // Priority groups pass the server's checks but are not served here: refused rather than a
        // consumer that delivers to every fetch as if they were not set (OddConsumerConfigIT).
        java.util.Optional<String> unserved = ConsumerConfigRules.notServed(config);
        if (unserved.isPresent()) {
            throw new UnsupportedOperationException(unserved.get() + "; create it without priority_policy and priority_groups");
        }
        String deliverSubject = text(in, "deliver_subject");
        String ackPolicy = in.path("ack_policy").asText("none");
        String replay = in.path("replay_policy").asText("instant");
        long ackWait = in.path("ack_wait").asLong(0);
        long maxDeliver = in.path("max_deliver").asLong(0);
        if (maxDeliver == 0 || maxDeliver < -1) {
            maxDeliver = -1;
        }
        List<Long> backoff = new ArrayList<>();
        in.path("backoff").forEach(b -> backoff.add(b.asLong()));
        long maxWaiting = Math.max(0, in.path("max_waiting").asLong(0));
        String filter = text(in, "filter_subject");
        List<String> filters = new ArrayList<>();
        in.path("filter_subjects").forEach(f -> filters.add(f.asText()));
        String policy = config.deliverPolicy();
        long optSeq = in.path("opt_start_seq").asLong(0);
        boolean optTime = in.hasNonNull("opt_start_time");
        // setConsumerConfigDefaults.
        if (deliverSubject.isEmpty() && maxWaiting == 0) {
            maxWaiting = DEFAULT_MAX_WAITING;
        }
        if (ackWait == 0 && !ackPolicy.equals("none")) {
            ackWait = DEFAULT_ACK_WAIT;
        }
        if (!backoff.isEmpty()) {
            ackWait = backoff.get(0);
        }
        JsonNode limits = stream.json().path("consumer_limits");
        long maxAckPending = in.path("max_ack_pending").asLong(0);
        if (maxAckPending < -1) {
            maxAckPending = -1;
        }
        if (maxAckPending == 0) {
            maxAckPending = limits.path("max_ack_pending").asLong(0);
        }
        long inactive = Math.max(0, in.path("inactive_threshold").asLong(0));
        if (inactive == 0) {
            inactive = limits.path("inactive_threshold").asLong(0);
        }
        if (maxAckPending == 0 && !ackPolicy.equals("none")) {
            maxAckPending = DEFAULT_MAX_ACK_PENDING;
        }
        String consumerName = !durable.isEmpty() ? durable : !name.isEmpty() ? name : generatedName();
        refused = ConsumerConfigRules.addConsumer(config, consumerName, stream);
        if (refused.isPresent()) {
            throw refusal(refused.get());
        }
        if (durable.isEmpty() && inactive == 0) {
            inactive = EPHEMERAL_INACTIVE_DEFAULT;
        }

        ObjectNode n = JSON.createObjectNode();
        n.put("Created", in.hasNonNull("Created") ? in.get("Created").asText() : GoTime.format(createdNanos));
        n.put("Name", consumerName);
        putText(n, "durable_name", durable);
        n.put("name", consumerName);
        putText(n, "description", text(in, "description"));
        n.put("deliver_policy", policy);
        if (optSeq > 0) {
            n.put("opt_start_seq", optSeq);
        }
        if (optTime) {
            n.set("opt_start_time", in.get("opt_start_time"));
        }
        n.put("ack_policy", ackPolicy);
        if (ackWait > 0) {
            n.put("ack_wait", ackWait);
        }
        n.put("max_deliver", maxDeliver);
        if (!backoff.isEmpty()) {
            ArrayNode b = n.putArray("backoff");
            backoff.forEach(b::add);
        }
        putText(n, "filter_subject", filter);
        if (!filters.isEmpty()) {
            ArrayNode f = n.putArray("filter_subjects");
            filters.forEach(f::add);
        }
        n.put("replay_policy", replay);
        putText(n, "sample_freq", text(in, "sample_freq"));
        if (maxWaiting > 0) {
            n.put("max_waiting", maxWaiting);
        }
        if (maxAckPending != 0) {
            n.put("max_ack_pending", maxAckPending);
        }
        if (in.path("headers_only").asBoolean(false)) {
            n.put("headers_only", true);
        }
        for (String k : List.of("max_batch", "max_expires", "max_bytes")) {
            long v = in.path(k).asLong(0);
            if (v > 0) {
                n.put(k, v);
            }
        }
        putText(n, "deliver_subject", deliverSubject);
        putText(n, "deliver_group", text(in, "deliver_group"));
        if (inactive > 0) {
            n.put("inactive_threshold", inactive);
        }
        n.put("num_replicas", 0);
        if (in.has("metadata") && in.get("metadata").size() > 0) {
            n.set("metadata", in.get("metadata"));
        }
        // Keys of newer servers the caller gave (pause_until, priority_policy none): kept, after ours.
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(PauseUntil.KEY)) {
                // A *time.Time: null is left out (omitempty), a time written back as Go writes it.
                if (e.getValue().isTextual()) {
                    n.put(PauseUntil.KEY, goTime(e.getValue().asText()));
                }
                continue;
            }
            if (!n.has(e.getKey()) && !List.of("opt_start_seq", "max_waiting", "max_ack_pending", "inactive_threshold",
                    "ack_wait", "backoff", "filter_subjects", "filter_subject", "durable_name", "description",
                    "deliver_subject", "deliver_group", "sample_freq", "max_batch", "max_expires", "max_bytes",
                    "headers_only", "metadata", "rate_limit_bps", "idle_heartbeat", "flow_control").contains(e.getKey())) {
                n.set(e.getKey(), e.getValue());
            }
        }
        return n;
    }

    /**
     * An RFC 3339 time (checked when the config was parsed) as Go's JSON writes it back: the
     * fraction without trailing zeros, the caller's offset kept ({@code Z} for UTC). The server
     * turns {@code pause_until} to UTC only on an update; a create keeps the offset it was given.
     */
    static String goTime(String rfc3339) {
        java.time.OffsetDateTime t = java.time.OffsetDateTime.parse(rfc3339);
        StringBuilder sb = new StringBuilder(java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").format(t));
        if (t.getNano() != 0) {
            String frac = String.format("%09d", t.getNano());
            int end = frac.length();
            while (frac.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(frac, 0, end);
        }
        return sb.append(t.getOffset().getTotalSeconds() == 0 ? "Z" : t.getOffset().getId()).toString();
    }

    /** The typed settings of a completed (or restored) meta.inf. */
    static ConsumerSettings settings(ConsumerConfig c) {
        ObjectNode j = c.json();
        ConsumerSettings.AckPolicy ack = switch (c.ackPolicy()) {
            case "explicit" -> ConsumerSettings.AckPolicy.EXPLICIT;
            case "all" -> ConsumerSettings.AckPolicy.ALL;
            default -> ConsumerSettings.AckPolicy.NONE;
        };
        long[] backoff = new long[j.path("backoff").size()];
        for (int i = 0; i < backoff.length; i++) {
            backoff[i] = j.path("backoff").get(i).asLong();
        }
        long ackWait = j.path("ack_wait").asLong(0);
        if (ackWait <= 0 && ack != ConsumerSettings.AckPolicy.NONE) {
            ackWait = DEFAULT_ACK_WAIT;
        }
        long optTime = j.hasNonNull("opt_start_time") ? GoTime.parse(j.get("opt_start_time").asText()) : 0;
        boolean durable = !c.durableName().isEmpty();
        long inactive = j.path("inactive_threshold").asLong(0);
        if (!durable && inactive <= 0) {
            inactive = EPHEMERAL_INACTIVE_DEFAULT;
        }
        return new ConsumerSettings(c.name(), durable, c.deliverPolicy(), j.path("opt_start_seq").asLong(0), optTime, ack,
                ackWait, c.maxDeliver(), backoff, c.filterSubjects(), j.path("max_ack_pending").asLong(0),
                requestLimits(j), j.path("headers_only").asBoolean(false), inactive,
                text(j, "deliver_subject"));
    }

    /**
     * A pull consumer's request limits from its (completed or restored) config. A {@code max_waiting}
     * of 0 or below is the server's default 512: {@code setConsumerConfigDefaults} runs on a
     * restored consumer too, so a {@code meta.inf} without the key waits as a created one does.
     */
    private static PullRequestLimits requestLimits(ObjectNode j) {
        long maxWaiting = j.path("max_waiting").asLong(0);
        return new PullRequestLimits(Math.max(0, j.path("max_batch").asLong(0)), Math.max(0, j.path("max_expires").asLong(0)),
                Math.max(0, j.path("max_bytes").asLong(0)), maxWaiting > 0 ? maxWaiting : DEFAULT_MAX_WAITING);
    }

    /**
     * What {@code updateConfig} lets change on an existing consumer (consumer.go): the description,
     * ack wait, max deliver, backoff, max ack pending, max waiting, headers only, filters,
     * inactive threshold, metadata, sample frequency and the pull request limits.
     */
    static void checkUpdate(ObjectNode old, ObjectNode updated) {
        if (!text(old, "deliver_subject").equals(text(updated, "deliver_subject"))) {
            throw updateError("can not update push consumer to pull based");
        }
        if (!old.path("deliver_policy").equals(updated.path("deliver_policy"))) {
            throw updateError("deliver policy can not be updated");
        }
        // By value: a config read back from its file holds 3 as an int node, a completed one as a
        // long node, and Jackson's equals tells those apart (every update of a by_start_sequence
        // consumer was refused).
        if (old.path("opt_start_seq").asLong(0) != updated.path("opt_start_seq").asLong(0)) {
            throw updateError("start sequence can not be updated");
        }
        if (!old.path("opt_start_time").equals(updated.path("opt_start_time"))) {
            throw updateError("start time can not be updated");
        }
        if (!old.path("ack_policy").equals(updated.path("ack_policy"))) {
            throw updateError("ack policy can not be updated");
        }
        if (!old.path("replay_policy").equals(updated.path("replay_policy"))) {
            throw updateError("replay policy can not be updated");
        }
    }

    private static JetStreamApiException updateError(String err) {
        return new JetStreamApiException(500, 10012, err);
    }

    static JetStreamApiException notFound() {
        return api404(10014, "consumer not found");
    }

    static JetStreamApiException alreadyExists() {
        return api(10148, "consumer already exists");
    }

    static JetStreamApiException doesNotExist() {
        return api(10149, "consumer does not exist");
    }

    static JetStreamApiException workQueueMultipleUnfiltered() {
        return api(10099, "multiple non-filtered consumers not allowed on workqueue stream");
    }

    static JetStreamApiException workQueueNotUnique() {
        return api(10100, "filtered consumer not unique on workqueue stream");
    }

    private static JetStreamApiException api(int errCode, String text) {
        return new JetStreamApiException(400, errCode, text);
    }

    private static JetStreamApiException api404(int errCode, String text) {
        return new JetStreamApiException(404, errCode, text);
    }

    private static JetStreamApiException refusal(ConsumerConfigRules.Refusal r) {
        return new JetStreamApiException(r.status(), r.errCode(), r.description());
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? "" : v.asText();
    }

    private static void putText(ObjectNode n, String key, String value) {
        if (!value.isEmpty()) {
            n.put(key, value);
        }
    }

    /** isValidName: not empty, no whitespace, '.', '*', '>', path separators. */
    static boolean validName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '*' || c == '>' || c == '/' || c == '\\' || Character.isWhitespace(c) || c == 0) {
                return false;
            }
        }
        return true;
    }

    private static String generatedName() {
        StringBuilder sb = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            sb.append(NAME_CHARS.charAt(RANDOM.nextInt(NAME_CHARS.length())));
        }
        return sb.toString();
    }
}
