package io.jetstart.runtime;

import java.time.Duration;

/**
 * One message as a pull consumer delivered it, with nats-server's delivery metadata (what jnats
 * reads from the reply subject {@code $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>...}).
 * Thread-safe: acknowledge it from any thread, at most once for a final answer (ack, nak, term;
 * later ones are ignored by the consumer as the server ignores them). Once the consumer is deleted
 * or its store closed, each of them fails with "consumer not found" (10014), as a fetch does: its
 * state is no longer written, so the answer would be lost.
 *
 * @param consumerSeq the consumer sequence of this delivery (a redelivery gets a new one)
 * @param deliveries  how many times this message has been delivered, this time included
 * @param pending     the consumer's {@code num_pending} once this delivery took its share, as
 *                    nats-server puts it into the reply subject's last token (jnats's
 *                    {@code pendingCount()}): the matching messages after the consumer's position,
 *                    one less for each new message of a batch, unchanged by a redelivery; counted
 *                    at the start of the fetch's pass from a count the consumer keeps per block
 *                    ({@code PendingCount}), so exact when nothing is published or removed while the
 *                    fetch delivers
 */
public record ConsumedMessage(PullConsumer consumer, long streamSeq, long consumerSeq, long deliveries, String subject,
                              long timeNanos, byte[] headers, byte[] payload, long pending) {

    /** Acknowledges: with ack policy all, every message delivered up to this one. */
    public void ack() {
        consumer.ack(this);
    }

    /** Asks for a redelivery as soon as possible. */
    public void nak() {
        consumer.nak(this, Duration.ZERO);
    }

    /** Asks for a redelivery after {@code delay} (the server's {@code -NAK {"delay":...}}). */
    public void nak(Duration delay) {
        consumer.nak(this, delay);
    }

    /** Stops redelivery of this message: acknowledged, never delivered again. */
    public void term() {
        consumer.term(this);
    }

    /** Restarts this message's ack wait (the server's {@code +WPI}). */
    public void inProgress() {
        consumer.inProgress(this);
    }
}
