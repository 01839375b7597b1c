package io.jetstart.core.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fair, interruptible counting semaphore around each blocking disk operation, with the counters
 * operators need to see saturation: permits in use, waiters, operations and total time waited.
 *
 * <p>Fair so that a stream that has waited longest gets the next slot; with an unfair semaphore
 * a burst of small streams can starve a large one (nats-server #8434 starved a cluster for hours
 * with too few slots). Thread-safe; create it before the first fork and share it.
 *
 * <p>Two classes of waiters: operations through {@link #ahead()} (the streams an operator named to
 * recover first) get a freed permit before any other waiter; within each class it is first come,
 * first served. A freed permit is handed to the waiter directly, so a thread arriving later never
 * takes it from under one that waits.
 */
public final class CountingDiskGate implements DiskGate {
    public static final int MIN_PERMITS = 1;
    public static final int MAX_PERMITS = 8192;
    /**
     * Loaded with the gate, not by the first wait. That wait comes with every permit taken and the
     * lock held, and the launcher's AOT cache did not hold the class (its training never fills the
     * gate), so a run whose gate filled read it from the jar there (the jar's first open, 15-20 ms
     * with the bench's jar), and every disk operation of the run waited for the lock meanwhile
     * (docs/benchmarks-passes.md, "Eighth pass on many"). Loaded here, it is in the cache the launcher
     * trains, and without a cache it is read before the run starts.
     */
    private static final Class<?> WAITER_LOADED = Waiter.class;

    private final int permits;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}: free permits, and the waiters of each class in arrival order. */
    private int free;
    private final ArrayDeque<Waiter> aheadQueue = new ArrayDeque<>();
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private final DiskGate aheadView = new DiskGate() {
        @Override
        public <T> T run(Io<T> io) throws IOException {
            return CountingDiskGate.this.run(io, true);
        }
    };
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
        this(permits, NoListener.INSTANCE);
    }

    public CountingDiskGate(int permits, WaitListener listener) {
        if (permits < MIN_PERMITS || permits > MAX_PERMITS) {
            throw new IllegalArgumentException("dios must be between " + MIN_PERMITS + " and " + MAX_PERMITS + ", got " + permits);
        }
        this.permits = permits;
        this.free = permits;
        this.listener = listener;
    }

    /** One thread waiting for a permit; {@code granted} is set by the releasing thread, under the lock. */
    private static final class Waiter {
        final Condition turn;
        boolean granted;

        Waiter(Condition turn) {
            this.turn = turn;
        }
    }

    /** The default for local SSDs: max(4, 2 × cores). See docs/recovery.md for network disks. */
    public static int defaultPermits() {
        return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    }

    @Override
    public <T> T run(Io<T> io) throws IOException {
        return run(io, false);
    }

    /**
     * The same gate, whose operations go before every waiting operation of {@link #run}: for the
     * streams to recover first. Same permits and counters.
     */
    public DiskGate ahead() {
        return aheadView;
    }

    private <T> T run(Io<T> io, boolean first) throws IOException {
        long start = System.nanoTime();
        waiters.incrementAndGet();
        try {
            acquire(first);
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
        peakInUse.accumulateAndGet(now, Max.INSTANCE);
        try {
            listener.waited(waited);
            return io.call();
        } finally {
            inUse.decrementAndGet();
            release();
        }
    }

    private void acquire(boolean first) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            if (free > 0 && aheadQueue.isEmpty() && (first || queue.isEmpty())) {
                free--;
                return;
            }
            Waiter w = new Waiter(lock.newCondition());
            (first ? aheadQueue : queue).addLast(w);
            try {
                while (!w.granted) {
                    w.turn.await();
                }
            } catch (InterruptedException e) {
                if (w.granted) {
                    // Granted as the interrupt came: pass the permit on, then report the interrupt.
                    handOver();
                } else {
                    (first ? aheadQueue : queue).remove(w);
                }
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    private void release() {
        lock.lock();
        try {
            handOver();
        } finally {
            lock.unlock();
        }
    }

    /** Gives a permit to the first waiter of the first class, or frees it. Under the lock. */
    private void handOver() {
        Waiter next = aheadQueue.pollFirst();
        if (next == null) {
            next = queue.pollFirst();
        }
        if (next == null) {
            free++;
            return;
        }
        next.granted = true;
        next.turn.signal();
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

    // Named classes, not lambdas: made as a store opens and run by the first disk operation, where a
    // fresh JVM would spin a lambda's class at run time (FileChecks' design note).

    private static final class NoListener implements WaitListener {
        static final NoListener INSTANCE = new NoListener();

        @Override
        public void waited(long nanos) {
        }
    }

    private static final class Max implements java.util.function.IntBinaryOperator {
        static final Max INSTANCE = new Max();

        @Override
        public int applyAsInt(int a, int b) {
            return Math.max(a, b);
        }
    }
}
