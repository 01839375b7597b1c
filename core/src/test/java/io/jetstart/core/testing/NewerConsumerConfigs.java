package io.jetstart.core.testing;

import java.util.List;

/**
 * Consumer create requests with the settings of nats-server 2.11+ that the runtime does not serve
 * (priority groups: {@code priority_policy}, {@code priority_groups}, {@code priority_timeout};
 * {@code ack_policy: flow_control}), each with what nats-server 2.15.1 answers: the same table for
 * the runtime's view ({@code NewerConsumerConfigTest}) and the servers' ({@code OddConsumerConfigIT}).
 * Each is the durable consumer {@code B} of a stream whose subjects are {@code @.*} ({@code @} is
 * replaced by the stream's name in lower case).
 */
public final class NewerConsumerConfigs {
    private NewerConsumerConfigs() {
    }

    /**
     * One create request.
     *
     * @param what      the case in words
     * @param workQueue whether the stream has work-queue retention (else limits)
     * @param config    the consumer config (the request's {@code config})
     * @param errCode   the {@code err_code} 2.15.1 refuses it with, 0 where it creates it
     * @param text      2.15.1's description where it refuses; where it creates the consumer, a part
     *                  of the runtime's refusal naming what it does not serve
     */
    public record Create(String what, boolean workQueue, String config, int errCode, String text) {
        /** The config for a stream whose subjects are {@code <prefix>.*}. */
        public String config(String prefix) {
            return config.replace("@.", prefix + ".");
        }
    }

    private static final String PULL = "\"durable_name\":\"B\",\"ack_policy\":\"explicit\"";
    private static final String PUSH = "\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"deliver_subject\":\"d.b\"";

    private static Create refused(String what, String config, int errCode, String text) {
        return new Create(what, false, "{" + config + "}", errCode, text);
    }

    private static Create notServed(String what, String config, String text) {
        return new Create(what, false, "{" + config + "}", 0, text);
    }

    public static List<Create> creates() {
        String groups = ",\"priority_groups\":[\"g1\"]";
        return List.of(
                notServed("pinned_client with a group", PULL + ",\"priority_policy\":\"pinned_client\"" + groups,
                        "priority_policy 'pinned_client'"),
                notServed("pinned_client with a group and priority_timeout", PULL + ",\"priority_policy\":\"pinned_client\"" + groups
                        + ",\"priority_timeout\":5000000000", "priority_policy 'pinned_client'"),
                notServed("overflow with a group", PULL + ",\"priority_policy\":\"overflow\"" + groups, "priority_policy 'overflow'"),
                notServed("prioritized with a group", PULL + ",\"priority_policy\":\"prioritized\"" + groups,
                        "priority_policy 'prioritized'"),
                refused("groups without a policy", PULL + groups, 10196, "consumer can not have priority groups when policy is none"),
                refused("groups with policy none", PULL + ",\"priority_policy\":\"none\"" + groups, 10196,
                        "consumer can not have priority groups when policy is none"),
                refused("pinned_client without a group", PULL + ",\"priority_policy\":\"pinned_client\"", 10159,
                        "Setting PriorityPolicy requires at least one PriorityGroup to be set"),
                refused("overflow with an empty group list", PULL + ",\"priority_policy\":\"overflow\",\"priority_groups\":[]", 10159,
                        "Setting PriorityPolicy requires at least one PriorityGroup to be set"),
                refused("priority_timeout without a policy", PULL + ",\"priority_timeout\":5000000000", 10197,
                        "PinnedTTL cannot be set when PriorityPolicy is none"),
                refused("an empty group name", PULL + ",\"priority_policy\":\"overflow\",\"priority_groups\":[\"\"]", 10161,
                        "Group name cannot be an empty string"),
                refused("a group name of 17 characters", PULL + ",\"priority_policy\":\"overflow\",\"priority_groups\":[\"abcdefghijklmnopq\"]",
                        10162, "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters"),
                refused("a group name with a dot", PULL + ",\"priority_policy\":\"overflow\",\"priority_groups\":[\"g.1\"]", 10162,
                        "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters"),
                refused("pinned_client with a group on a push consumer", PUSH + ",\"priority_policy\":\"pinned_client\"" + groups, 10178,
                        "priority groups can not be used with push consumers"),
                refused("ack_policy flow_control on a pull consumer",
                        "\"durable_name\":\"B\",\"ack_policy\":\"flow_control\"", 10218, "flow control ack policy requires a push based consumer"),
                refused("ack_policy flow_control with max_ack_pending -1 on a push consumer",
                        "\"durable_name\":\"B\",\"ack_policy\":\"flow_control\",\"deliver_subject\":\"d.b\",\"max_ack_pending\":-1", 10220,
                        "flow control ack policy requires max ack pending"),
                refused("ack_policy flow_control with ack_wait on a push consumer",
                        "\"durable_name\":\"B\",\"ack_policy\":\"flow_control\",\"deliver_subject\":\"d.b\",\"ack_wait\":1000000000", 10221,
                        "flow control ack policy requires unset ack wait"),
                refused("ack_policy flow_control with max_deliver 3 on a push consumer",
                        "\"durable_name\":\"B\",\"ack_policy\":\"flow_control\",\"deliver_subject\":\"d.b\",\"max_deliver\":3", 10222,
                        "flow control ack policy requires unset max deliver"),
                notServed("ack_policy flow_control on a push consumer",
                        "\"durable_name\":\"B\",\"ack_policy\":\"flow_control\",\"deliver_subject\":\"d.b\"", "push consumers"),
                new Create("ack_policy flow_control on a pull consumer of a work queue", true,
                        "{\"durable_name\":\"B\",\"ack_policy\":\"flow_control\"}", 10218,
                        "flow control ack policy requires a push based consumer"),
                new Create("overflow with a group on a work queue", true,
                        "{" + PULL + ",\"filter_subject\":\"@.b\",\"priority_policy\":\"overflow\"" + groups + "}", 0,
                        "priority_policy 'overflow'"));
    }
}
