package io.jetstart.runtime;

import java.util.concurrent.atomic.LongAdder;

/**
 * Running totals of deliveries, acks, naks and redeliveries: one per consumer, and one per store
 * that every consumer's counts also go to (and stay in after the consumer is deleted), so a
 * store-wide counter never goes down. Read by the metrics binder.
 */
public final class ConsumerCounters {
    private final ConsumerCounters parent;
    private final LongAdder deliveries = new LongAdder();
    private final LongAdder acks = new LongAdder();
    private final LongAdder naks = new LongAdder();
    private final LongAdder redeliveries = new LongAdder();

    ConsumerCounters(ConsumerCounters parent) {
        this.parent = parent;
    }

    void delivered() {
        deliveries.increment();
        if (parent != null) {
            parent.delivered();
        }
    }

    void acked() {
        acks.increment();
        if (parent != null) {
            parent.acked();
        }
    }

    void naked() {
        naks.increment();
        if (parent != null) {
            parent.naked();
        }
    }

    void redelivered() {
        redeliveries.increment();
        if (parent != null) {
            parent.redelivered();
        }
    }

    /** Messages delivered, redeliveries included. */
    public long deliveries() {
        return deliveries.sum();
    }

    public long acks() {
        return acks.sum();
    }

    public long naks() {
        return naks.sum();
    }

    public long redeliveries() {
        return redeliveries.sum();
    }
}
