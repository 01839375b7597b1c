package io.jetstart.core.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fair, interruptible counting semaphore around each blocking disk operation, with the counters
 * operators need to see saturation: permits in use, waiters, operations and total time waited.
 *
 * <p>Fair so that a stream that has waited longest gets the next slot; with an unfair semaphore
 * a burst of small streams can starve a large one (nats-server #8434 starved a cluster for hours
 * with too few slots). Thread-safe; create it before the first fork and share it.
 */
public final class CountingDiskGate implements DiskGate {
    public static final int MIN_PERMITS = 1;
    public static final int MAX_PERMITS = 8192;

    private final int permits;
    private final Semaphore semaphore;
    private final AtomicInteger inUse = new AtomicInteger();
    private final AtomicInteger waiters = new AtomicInteger();
    private final AtomicInteger peakInUse = new AtomicInteger();
    private final LongAdder operations = new LongAdder();
    private final LongAdder waitNanos = new LongAdder();
    private final WaitListener listener;

    /** Notified after each acquisition with the time spent waiting (may be 0). */
    @FunctionalInterface
    public interface WaitListener {
        void waited(long nanos);
    }

    public CountingDiskGate(int permits) {
        this(permits, nanos -> { });
    }

    public CountingDiskGate(int permits, WaitListener listener) {
        if (permits < MIN_PERMITS || permits > MAX_PERMITS) {
            throw new IllegalArgumentException("dios must be between " + MIN_PERMITS + " and " + MAX_PERMITS + ", got " + permits);
        }
        this.permits = permits;
        this.semaphore = new Semaphore(permits, true);
        this.listener = listener;
    }

    /** The default for local SSDs: max(4, 2 × cores). See docs/recovery.md for network disks. */
    public static int defaultPermits() {
        return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    }

    @Override
    public <T> T run(Io<T> io) throws IOException {
        long start = System.nanoTime();
        waiters.incrementAndGet();
        try {
            semaphore.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException iie = new InterruptedIOException("interrupted while waiting for a disk permit");
            iie.initCause(e);
            throw iie;
        } finally {
            waiters.decrementAndGet();
        }
        long waited = System.nanoTime() - start;
        waitNanos.add(waited);
        operations.increment();
        int now = inUse.incrementAndGet();
        peakInUse.accumulateAndGet(now, Math::max);
        try {
            listener.waited(waited);
            return io.call();
        } finally {
            inUse.decrementAndGet();
            semaphore.release();
        }
    }

    public int permits() {
        return permits;
    }

    public int inUse() {
        return inUse.get();
    }

    public int peakInUse() {
        return peakInUse.get();
    }

    public int waiters() {
        return waiters.get();
    }

    public long operations() {
        return operations.sum();
    }

    public long totalWaitNanos() {
        return waitNanos.sum();
    }
}
