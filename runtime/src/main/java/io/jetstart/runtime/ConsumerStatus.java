package io.jetstart.runtime;

import io.jetstart.core.format.SequencePair;
import io.jetstart.core.meta.ConsumerConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * A consumer's state as nats-server reports it in {@code CONSUMER.INFO}.
 *
 * @param delivered      last delivered consumer and stream sequence
 * @param ackFloor       everything at or below is acknowledged
 * @param numWaiting     fetches waiting for messages now
 * @param notDelivered   why the runtime does not deliver this consumer (a push consumer, a consumer
 *                       of a read-only stream); empty for a served pull consumer
 * @param pauseRemaining what is left of the consumer's {@code pause_until} (the server's
 *                       {@code pause_remaining}); zero when it is not paused
 */
public record ConsumerStatus(String stream, String name, ConsumerConfig config, SequencePair delivered,
                             SequencePair ackFloor, long numAckPending, long numRedelivered, long numPending,
                             long numWaiting, Optional<String> notDelivered, Duration pauseRemaining) {

    /** Whether it delivers nothing until its {@code pause_until} (the server's {@code paused}). */
    public boolean paused() {
        return pauseRemaining.isPositive();
    }
}
