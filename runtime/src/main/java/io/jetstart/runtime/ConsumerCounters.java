package io.jetstart.runtime;

import java.util.concurrent.atomic.LongAdder;

/** A consumer's running totals, read by the metrics binder; written under the consumer's lock. */
public final class ConsumerCounters {
    private final LongAdder deliveries = new LongAdder();
    private final LongAdder acks = new LongAdder();
    private final LongAdder naks = new LongAdder();
    private final LongAdder redeliveries = new LongAdder();

    void delivered() {
        deliveries.increment();
    }

    void acked() {
        acks.increment();
    }

    void naked() {
        naks.increment();
    }

    void redelivered() {
        redeliveries.increment();
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
