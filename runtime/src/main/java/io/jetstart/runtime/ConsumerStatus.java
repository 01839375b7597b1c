package io.jetstart.runtime;

import io.jetstart.core.format.SequencePair;
import io.jetstart.core.meta.ConsumerConfig;
import java.util.Optional;

/**
 * A consumer's state as nats-server reports it in {@code CONSUMER.INFO}.
 *
 * @param delivered      last delivered consumer and stream sequence
 * @param ackFloor       everything at or below is acknowledged
 * @param numWaiting     fetches waiting for messages now
 * @param notDelivered   why the runtime does not deliver this consumer (a push consumer, a consumer
 *                       of a read-only stream); empty for a served pull consumer
 */
public record ConsumerStatus(String stream, String name, ConsumerConfig config, SequencePair delivered,
                             SequencePair ackFloor, long numAckPending, long numRedelivered, long numPending,
                             long numWaiting, Optional<String> notDelivered) {
}
