package io.jetstart.runtime;

import java.util.List;

/**
 * A consumer's config as the runtime runs it: nats-server's defaults applied
 * ({@code setConsumerConfigDefaults}), durations in nanoseconds.
 *
 * @param durable          true when {@code durable_name} is set; an ephemeral consumer is removed
 *                         after {@code inactiveThresholdNanos} without activity
 * @param maxDeliver       -1 for unlimited
 * @param maxAckPending    -1 or 0 for unlimited (0 only with ack policy none)
 * @param requestLimits    max_batch, max_expires, max_bytes and max_waiting (512 when unset, the
 *                         server's default for a pull consumer, restored ones included)
 * @param deliverSubject   empty for a pull consumer; the runtime delivers only pull consumers
 */
record ConsumerSettings(String name, boolean durable, String deliverPolicy, long optStartSeq, long optStartTimeNanos,
                        AckPolicy ackPolicy, long ackWaitNanos, long maxDeliver, long[] backoffNanos,
                        List<String> filters, long maxAckPending, PullRequestLimits requestLimits, boolean headersOnly,
                        long inactiveThresholdNanos, String deliverSubject) {

    /** {@code ack_policy}. */
    enum AckPolicy { NONE, ALL, EXPLICIT }

    ConsumerSettings {
        filters = List.copyOf(filters);
        backoffNanos = backoffNanos.clone();
    }

    boolean push() {
        return !deliverSubject.isEmpty();
    }

    /** The ack wait (or backoff step) for a message redelivered {@code redeliveries} times. */
    long backoffAt(long redeliveries) {
        if (backoffNanos.length == 0) {
            return ackWaitNanos;
        }
        int i = (int) Math.max(0, Math.min(redeliveries, backoffNanos.length - 1));
        return backoffNanos[i];
    }
}
