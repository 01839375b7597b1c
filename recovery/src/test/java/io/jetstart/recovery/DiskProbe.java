package io.jetstart.recovery;

import io.jetstart.core.io.DiskGate;
import java.io.InterruptedIOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Wraps a recovery's shared disk gate and watches every operation that passes it: how many run at
 * once (counted by the probe itself, not by the gate), how many there were, and which threads ran
 * them. Optionally holds operations, as a slow disk would, so that operations overlap even when
 * the store sits in the page cache, or so that chosen streams are still busy when a test needs them
 * to be.
 */
final class DiskProbe implements UnaryOperator<DiskGate> {
    private final long holdNanos;
    private final Predicate<Thread> holds;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final LongAdder operations = new LongAdder();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    /** Holds every operation {@code holdNanos}. */
    DiskProbe(long holdNanos) {
        this(holdNanos, t -> true);
    }

    /** Holds the operations of the threads that {@code holds} picks {@code holdNanos}; the others not at all. */
    DiskProbe(long holdNanos, Predicate<Thread> holds) {
        this.holdNanos = holdNanos;
        this.holds = holds;
    }

    @Override
    public DiskGate apply(DiskGate gate) {
        return new DiskGate() {
            @Override
            public <T> T run(Io<T> io) throws java.io.IOException {
                return gate.run(() -> {
                    threads.add(Thread.currentThread());
                    operations.increment();
                    peak.accumulateAndGet(active.incrementAndGet(), Math::max);
                    try {
                        if (holdNanos > 0 && holds.test(Thread.currentThread())) {
                            hold();
                        }
                        return io.call();
                    } finally {
                        active.decrementAndGet();
                    }
                });
            }
        };
    }

    private void hold() throws InterruptedIOException {
        try {
            Thread.sleep(holdNanos / 1_000_000, (int) (holdNanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while holding a disk operation");
        }
    }

    /** The most operations that were inside the gate at one moment. */
    int peak() {
        return peak.get();
    }

    long operations() {
        return operations.sum();
    }

    /** Every thread that ran a disk operation. */
    Set<Thread> threads() {
        return Set.copyOf(threads);
    }
}
