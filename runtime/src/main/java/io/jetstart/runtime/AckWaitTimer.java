package io.jetstart.runtime;

/**
 * When a consumer's pending messages are checked for expiry next (nats-server's {@code ptmr} and
 * {@code ptmrEnd}): a wall-clock deadline, or stopped. The housekeeper asks {@link #due} on its
 * ticks; nothing here runs by itself. Not thread-safe: the consumer's lock guards it.
 */
final class AckWaitTimer {
    /** The timer's slack, nats-server's {@code ackWaitDelay}: deliveries close together expire in one check. */
    static final long ACK_WAIT_DELAY = 1_000_000L;
    /** How soon a check follows a nak with a delay (nats-server's {@code resetPtmr(10ms)}). */
    private static final long SOON = 10_000_000L;

    /** The deadline in wall nanos, 0 when stopped. */
    private long end;

    /** The delay for a wait of {@code wait} nanos (ack wait or a backoff step), slack included. */
    static long delay(long wait) {
        return wait + ACK_WAIT_DELAY;
    }

    /** Fires {@code delay} after {@code now}, whatever was set. */
    void resetTo(long now, long delay) {
        end = now + delay;
    }

    /** Fires {@code delay} after {@code now} if it is stopped or would fire later than that (trackPending). */
    void atMost(long now, long delay) {
        long deadline = now + delay;
        if (end == 0 || end > deadline) {
            end = deadline;
        }
    }

    /** A running timer fires shortly, so the next check works out the next expiry. */
    void soonIfRunning(long now) {
        if (end != 0) {
            end = now + SOON;
        }
    }

    void stop() {
        end = 0;
    }

    boolean due(long now) {
        return end != 0 && now >= end;
    }

    /** The deadline, Long.MAX_VALUE when stopped. */
    long next() {
        return end == 0 ? Long.MAX_VALUE : end;
    }
}
