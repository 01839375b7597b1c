package io.jetstart.core.store;

import io.jetstart.core.format.SequencePair;
import io.jetstart.core.meta.ConsumerConfig;
import java.util.List;

/** What nats-server reports in {@code CONSUMER.INFO} after a restore (spec 5.4). */
public record ConsumerInfo(String name, ConsumerConfig config, SequencePair delivered, SequencePair ackFloor,
                           long numAckPending, long numRedelivered, long numPending, List<Problem> problems) {
}
