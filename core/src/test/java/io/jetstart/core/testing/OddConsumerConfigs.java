package io.jetstart.core.testing;

import java.util.List;

/**
 * Consumer {@code meta.inf} files that are valid JSON (a matching {@code meta.sum} is written by
 * the tests) but odd values: a hand edit, a newer server's key, a tool's bug. The same table for
 * the runtime's view ({@code OddConsumerConfigTest}) and the servers' ({@code OddConsumerConfigIT}).
 * Each is the consumer {@code B}, a pull consumer with explicit acks, of a stream whose subjects
 * are {@code @.*} ({@code @} is replaced by the stream's name in lower case).
 */
public final class OddConsumerConfigs {
    private OddConsumerConfigs() {
    }

    /** What the runtime does with a case's consumer. */
    public enum Fate {
        /** Restored and delivered, with the server's semantics. */
        DELIVERED,
        /** Restored but reported, not delivered: the server would not restore it (a reason names why). */
        NOT_DELIVERED,
        /**
         * Restored by nats-server with a setting the runtime does not serve (priority groups):
         * reported, not delivered, without a warning on its meta.inf (the file is fine).
         */
        NOT_SERVED,
        /** Not restored (its meta.inf does not decode): reported among the unrestored consumers. */
        UNRESTORED,
        /**
         * Not delivered, and its stream served read-only with its other consumers: nats-server
         * 2.11+ stop the stream for it ("Stopping unsupported stream").
         */
        STREAM_READ_ONLY
    }

    /**
     * One case.
     *
     * @param what   the case in words
     * @param json   the whole meta.inf
     * @param fate   what the runtime does with it
     * @param reason a part of the runtime's reason ("" when delivered)
     */
    public record Case(String what, String json, Fate fate, String reason) {
        /** The meta.inf for a stream whose subjects are {@code <prefix>.*}. */
        public String json(String prefix) {
            return json.replace("@.", prefix + ".");
        }
    }

    /** The members (without braces) of consumer B's meta.inf as nats-server 2.10 writes a durable pull consumer with explicit acks. */
    public static final String BASE = "\"Created\":\"2026-01-01T00:00:00Z\",\"Name\":\"B\",\"durable_name\":\"B\",\"name\":\"B\","
            + "\"deliver_policy\":\"all\",\"ack_policy\":\"explicit\",\"ack_wait\":30000000000,\"max_deliver\":-1,"
            + "\"replay_policy\":\"instant\",\"max_waiting\":512,\"max_ack_pending\":1000,\"num_replicas\":0";

    static String with(String key, String value) {
        return "{" + MetaInfText.replaced(BASE, key, value) + "}";
    }

    static String with(String k1, String v1, String k2, String v2) {
        return "{" + MetaInfText.replaced(MetaInfText.replaced(BASE, k1, v1), k2, v2) + "}";
    }

    private static Case c(String what, String json, Fate fate, String reason) {
        return new Case(what, json, fate, reason);
    }

    public static List<Case> cases() {
        Fate ok = Fate.DELIVERED;
        Fate not = Fate.NOT_DELIVERED;
        Fate gone = Fate.UNRESTORED;
        Fate stopped = Fate.STREAM_READ_ONLY;
        Fate unserved = Fate.NOT_SERVED;
        return List.of(
                c("plain", "{" + BASE + "}", ok, ""),
                c("max_deliver -5", with("max_deliver", "-5"), ok, ""),
                c("max_deliver 2^63-1", with("max_deliver", "9223372036854775807"), ok, ""),
                c("ack_wait 2^63-1", with("ack_wait", "9223372036854775807"), ok, ""),
                c("max_ack_pending -5", with("max_ack_pending", "-5"), ok, ""),
                c("max_ack_pending 2^63-1", with("max_ack_pending", "9223372036854775807"), ok, ""),
                c("backoff of 2 with max_deliver 5", with("backoff", "[1000000000,2000000000]", "max_deliver", "5"), ok, ""),
                c("metadata with any keys", with("metadata", "{\"zzz\":\"1\",\"ZZZ\":\"\"}"), ok, ""),
                c("filter_subject", with("filter_subject", "\"@.x\""), ok, ""),
                c("an unknown key", with("zzz_future", "{\"a\":1}"), stopped, "json: unknown field \"zzz_future\""),
                c("JSON nested 10,000 deep under an unknown key", with("zzz", "[".repeat(9_999) + "]".repeat(9_999)), stopped,
                        "json: unknown field \"zzz\""),
                c("ack_policy in capitals (ACK_POLICY none)", "{" + BASE.replace("\"ack_policy\":\"explicit\"", "\"ACK_POLICY\":\"none\"") + "}",
                        not, "key \"ACK_POLICY\" is read by nats-server as \"ack_policy\""),
                c("an unknown ack_policy", with("ack_policy", "\"sometimes\""), gone, "ack_policy"),
                c("an unknown deliver_policy", with("deliver_policy", "\"later\""), gone, "deliver_policy"),
                c("an unknown replay_policy", with("replay_policy", "\"slow\""), gone, "replay_policy"),
                c("ack_wait -1", with("ack_wait", "-1"), not, "consumer ack wait needs to be positive"),
                c("a negative backoff", with("backoff", "[-1]"), not, "consumer backoff needs to be positive"),
                c("backoff of 3 with max_deliver 2", with("backoff", "[1000000000,2000000000,3000000000]", "max_deliver", "2"), not,
                        "max deliver is required to be > length of backoff values"),
                c("filter_subject and filter_subjects", with("filter_subject", "\"@.a\"", "filter_subjects", "[\"@.b\"]"), not,
                        "consumer cannot have both FilterSubject and FilterSubjects specified"),
                c("filter_subjects that overlap", with("filter_subjects", "[\"@.a\",\"@.*\"]"), not, "consumer subject filters cannot overlap"),
                c("filter_subjects with an empty one", with("filter_subjects", "[\"\"]"), not, "consumer filter in FilterSubjects cannot be empty"),
                c("durable_name B, name Z", with("name", "\"Z\""), not, "Consumer Durable and Name have to be equal"),
                c("deliver_subject with max_waiting", with("deliver_subject", "\"d.b\""), not, "consumer in push mode can not set max waiting"),
                c("deliver_subject (a push consumer)", with("deliver_subject", "\"d.b\"", "max_waiting", "0"), not, "push consumer"),
                c("opt_start_seq with deliver all", with("opt_start_seq", "5"), not,
                        "consumer delivery policy is deliver all, but optional start sequence is also set"),
                c("by_start_sequence without opt_start_seq", with("deliver_policy", "\"by_start_sequence\""), not,
                        "consumer delivery policy is deliver by start sequence, but optional start sequence is not set"),
                c("max_waiting -1", with("max_waiting", "-1"), not, "consumer max waiting needs to be positive"),
                c("num_replicas 3", with("num_replicas", "3"), not, "consumer config replica count exceeds parent stream"),
                c("flow_control on a pull consumer", with("flow_control", "true"), not, "consumer flow control requires a push based consumer"),
                c("idle_heartbeat on a pull consumer", with("idle_heartbeat", "1000000000"), not,
                        "consumer idle heartbeat requires a push based consumer"),
                c("max_expires 1ns", with("max_expires", "1"), not, "consumer max request expires needs to be >= 1ms"),
                c("sample_freq not a number", with("sample_freq", "\"often\""), not, "failed to parse consumer sampling configuration"),
                c("a description over 4 KiB", with("description", "\"" + "d".repeat(5000) + "\""), not,
                        "consumer description is too long"),
                // Priority groups (2.11+): 2.10 ignores the keys and restores a plain pull consumer.
                c("priority_policy pinned_client with a group", "{" + MetaInfText.replaced(MetaInfText.replaced(MetaInfText.replaced(BASE,
                        "priority_groups", "[\"g1\"]"), "priority_policy", "\"pinned_client\""), "priority_timeout", "120000000000") + "}",
                        unserved, "priority_policy 'pinned_client'"),
                c("priority_policy overflow with a group", with("priority_groups", "[\"g1\"]", "priority_policy", "\"overflow\""), unserved,
                        "priority_policy 'overflow'"),
                c("priority_policy prioritized with a group", with("priority_groups", "[\"g1\"]", "priority_policy", "\"prioritized\""),
                        unserved, "priority_policy 'prioritized'"),
                c("priority_groups without a policy", with("priority_groups", "[\"g1\"]"), not,
                        "consumer can not have priority groups when policy is none"),
                c("priority_policy pinned_client without a group", with("priority_policy", "\"pinned_client\""), not,
                        "Setting PriorityPolicy requires at least one PriorityGroup to be set"),
                c("ack_policy flow_control on a pull consumer", with("ack_policy", "\"flow_control\""), not,
                        "flow control ack policy requires a push based consumer"));
    }
}
