package io.jetstart.core.store;

import java.util.Map;

/**
 * nats-server 2.10's {@code checkAckFloor}, as {@code CONSUMER.INFO} shows it after a restart
 * (2.10.0–2.10.28, 2.11.0–2.11.2; see {@link io.jetstart.core.lines.ServerLine#reportsDriftedAckFloor}).
 *
 * <p>When a limits stream's first sequence has moved past a consumer's ack floor (max_msgs,
 * max_bytes, max_age removed what the consumer never acked), the consumer's acks goroutine raises
 * the in-memory floor once it starts, but only when the floor is more than 50 behind: to one below
 * the lowest pending entry, or, with nothing pending, to the delivered pair with the stream half
 * at least {@code first - 1}. It never writes {@code o.dat}; 2.10.29 and 2.11.3+ report the stored
 * floor instead, so they show the floor unchanged. Checked against real 2.10.27: a floor of 20
 * on a stream whose first sequence is 151 is reported as 150.
 *
 * <p>Runs after {@link ConsumerLoader#checkPending}, as the server runs it after its own
 * {@code checkPending} (called in {@code setLeader} before the acks goroutine starts), so no
 * pending entry below the first sequence is left for its terminate pass.
 */
final class AckFloorDrift {
    /** {@code minOffThreshold} in consumer.go. */
    static final long MIN_OFF_THRESHOLD = 50;

    private AckFloorDrift() {
    }

    static void apply(StreamStore s, RestoredConsumer c) {
        long first = s.firstSeq;
        if (c.ackFloorStream == 0 || first == 0 || c.ackFloorStream >= first - 1) {
            return;
        }
        if (first < MIN_OFF_THRESHOLD || c.ackFloorStream >= first - MIN_OFF_THRESHOLD) {
            return;
        }
        long psseq = 0;
        long pdseq = 0;
        for (Map.Entry<Long, Long> e : c.pending.entrySet()) {
            if (psseq == 0 || e.getKey() < psseq) {
                psseq = e.getKey();
                pdseq = e.getValue();
            }
        }
        if (psseq == 0) {
            // o.sseq - 1 and o.dseq - 1 after applyState: the delivered pair.
            psseq = Math.max(c.deliveredStream, first - 1);
            pdseq = c.deliveredConsumer;
        } else {
            psseq--;
            pdseq--;
        }
        c.ackFloorStream = psseq;
        c.ackFloorConsumer = pdseq;
    }
}
