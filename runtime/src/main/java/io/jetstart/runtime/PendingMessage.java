package io.jetstart.runtime;

/**
 * A delivered message not yet acknowledged: its consumer sequence and a time (nats-server's
 * {@code Pending}). The consumer's copy holds the delivery time, which redelivery moves; its file
 * store's copy the time {@code o.dat} records. Mutable, guarded by the consumer's lock.
 */
final class PendingMessage {
    final long dseq;
    long ts;

    PendingMessage(long dseq, long ts) {
        this.dseq = dseq;
        this.ts = ts;
    }
}
