package io.jetstart.core.store;

import io.jetstart.core.format.SequencePair;
import io.jetstart.core.meta.ConsumerConfig;
import java.util.List;

/**
 * What nats-server reports in {@code CONSUMER.INFO} after a restore (spec 5.4).
 *
 * @param doubt why the consumer's {@code meta.inf} may be damaged ({@link RestoredConsumer#doubt()}); not reported by the server
 * @param serverSkips whether nats-server would not restore it at all (its doubt then says why): on a
 *                    work-queue stream it then holds no message against another consumer's ack
 */
public record ConsumerInfo(String name, ConsumerConfig config, SequencePair delivered, SequencePair ackFloor,
                           long numAckPending, long numRedelivered, long numPending, List<Problem> problems,
                           java.util.Optional<String> doubt, boolean serverSkips) {
}
