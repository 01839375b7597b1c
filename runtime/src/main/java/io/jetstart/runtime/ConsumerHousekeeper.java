package io.jetstart.runtime;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One thread per store that runs every consumer's timers: ack-wait expiries (nats-server's
 * {@code checkPending}), removal after {@code inactive_threshold}, and the {@code o.dat} writes
 * (at most every 100 ms per consumer while its state changes, as the server's flush loop).
 *
 * <p>Design note: one ticker instead of a timer per consumer keeps thousands of consumers at one
 * thread. It wakes every 10 ms (the o.dat cadence needs no finer) and, sooner, exactly when the
 * earliest ack-wait timer is due: which messages expire together decides the redelivery order
 * (nats-server sorts each check's expired messages), so the timers fire when the server's would.
 */
final class ConsumerHousekeeper {
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Supplier<Iterable<JetStartStream>> streams;
    private final Thread thread;
    private volatile boolean running = true;

    ConsumerHousekeeper(Supplier<Iterable<JetStartStream>> streams) {
        this.streams = streams;
        this.thread = Thread.ofPlatform().daemon().name("jetstart-consumers").unstarted(new Body());
    }

    void start() {
        thread.start();
    }

    /** The thread's body ({@link #run}); a named class, as it is made at each open (package-info). */
    private final class Body implements Runnable {
        @Override
        public void run() {
            ConsumerHousekeeper.this.run();
        }
    }

    private void run() {
        while (running) {
            long now = WriterLoop.wallNanos();
            long due = Long.MAX_VALUE;
            for (JetStartStream s : streams.get()) {
                due = Math.min(due, s.consumers().tick(now, false));
            }
            long wait = Math.min(TICK_NANOS, due - WriterLoop.wallNanos());
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    /**
     * NOTE: no close race here. The loop reads {@code running} before every park and each park
     * is bounded ({@link #TICK_NANOS}), so a stop between that read and the park (its unpark then
     * lost) costs at most one tick; a stop before {@link #start} leaves a thread that ends at its
     * first look. A tick never waits for a writer: it submits and looks at the future later
     * ({@link PullConsumer#stateToWriteAfterReleases}); close stops this thread before the writers.
     */
    void stop() throws InterruptedException {
        running = false;
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            thread.join();
        }
    }
}
