package io.jetstart.core.format;

import java.util.List;
import java.util.Objects;

/**
 * The delivery and acknowledgement state of one consumer, as stored in {@code obs/<c>/o.dat}.
 *
 * <p>A value holds exactly what was read, even where it breaks the writer's invariants (a hostile
 * file can put a pending entry above {@code delivered}); {@link ConsumerStateCodec#encode} is where
 * the invariants are enforced. Lists keep file order so that a decoded file re-encodes to the same
 * bytes; nats-server keeps them in Go maps, so their order carries no meaning.
 *
 * @param version     1 or 2 as read from the file header, or 0 for {@link #EMPTY} (a zero-length file)
 * @param delivered   last delivered consumer and stream sequence
 * @param ackFloor    highest consumer and stream sequence below which everything is acknowledged
 * @param baseSeconds the writer's base time (Unix seconds) that pending timestamps are stored
 *                    against; 0 when there are no pending entries (the file does not carry it then)
 * @param pending     delivered but unacknowledged messages, one per stream sequence
 * @param redelivered messages delivered more than once, with their delivery count
 */
public record ConsumerState(int version, SequencePair delivered, SequencePair ackFloor, long baseSeconds,
                            List<Pending> pending, List<Redelivery> redelivered) {

    /** What a zero-length {@code o.dat} means: no state at all (nats-server treats it the same way). */
    public static final ConsumerState EMPTY =
            new ConsumerState(0, SequencePair.ZERO, SequencePair.ZERO, 0, List.of(), List.of());

    /**
     * One pending (delivered, not yet acknowledged) message.
     *
     * @param timestampNanos delivery time in Unix nanoseconds; the file keeps whole seconds only
     */
    public record Pending(long streamSeq, long consumerSeq, long timestampNanos) {
    }

    /** A message delivered {@code count} times. */
    public record Redelivery(long streamSeq, long count) {
    }

    public ConsumerState {
        if (version < 0 || version > 2) {
            throw new IllegalArgumentException("o.dat version must be 0 (empty), 1 or 2, got " + version);
        }
        Objects.requireNonNull(delivered, "delivered");
        Objects.requireNonNull(ackFloor, "ackFloor");
        pending = List.copyOf(pending);
        redelivered = List.copyOf(redelivered);
    }

    /** True for a state with nothing delivered, nothing acknowledged and no entries. */
    public boolean isEmpty() {
        return delivered.equals(SequencePair.ZERO) && ackFloor.equals(SequencePair.ZERO)
                && pending.isEmpty() && redelivered.isEmpty();
    }
}
