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
 * thread. While a consumer has something to write or hand on it ticks every 10 ms (the o.dat
 * cadence needs no finer), and it wakes exactly when the earliest ack-wait timer or inactivity
 * limit is due: which messages expire together decides the redelivery order (nats-server sorts
 * each check's expired messages), so the timers fire when the server's would. With nothing to do
 * it sleeps until a consumer's change {@link #wake}s it (at most {@link #IDLE_NANOS}): a tick
 * every 10 ms over 2,000 idle consumers took 12 % of a core in a store that did nothing.
 */
final class ConsumerHousekeeper {
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** The longest an idle housekeeper sleeps: a net for a change no {@link #wake} told it of. */
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Supplier<Iterable<JetStartStream>> streams;
    private final Thread thread;
    private volatile boolean running = true;
    /** Set while the thread sleeps past a tick: only then does a {@link #wake} unpark it. */
    private volatile boolean idle;
    /** Set by {@link #wake}, cleared before each tick: a change the tick may not have seen. */
    private volatile boolean changed;
    /** Ticks run, for a test. */
    private volatile long ticks;

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

    /**
     * A consumer's state changed (a delivery, an ack, a new config...): a tick must look at it
     * within {@link #TICK_NANOS}. Cheap when the thread is ticking anyway: two volatile reads.
     *
     * <p>NOTE: no lost wake. The changer writes {@link #changed} and then reads {@link #idle}; the
     * thread writes {@code idle} and then reads {@code changed} before it sleeps (all volatile), so
     * one of the two sees the other's write: the thread does not sleep, or it is unparked (a permit
     * given before the park makes the park return at once). A change made before the thread
     * cleared {@code changed} is one its tick sees.
     */
    void wake() {
        if (!changed) {
            changed = true;
        }
        if (idle) {
            LockSupport.unpark(thread);
        }
    }

    long ticks() {
        return ticks;
    }

    private void run() {
        while (running) {
            changed = false;
            long now = WriterLoop.wallNanos();
            long due = Long.MAX_VALUE;
            for (JetStartStream s : streams.get()) {
                due = Math.min(due, s.consumers().tick(now, false));
            }
            ticks++;
            long wait = due == Long.MAX_VALUE ? IDLE_NANOS : Math.min(IDLE_NANOS, due - WriterLoop.wallNanos());
            if (wait <= 0) {
                continue;
            }
            if (wait <= TICK_NANOS) {
                // Busy, or a timer due soon: a wake would only cut this short.
                LockSupport.parkNanos(wait);
                continue;
            }
            idle = true;
            if (!changed && running) {
                LockSupport.parkNanos(wait);
            }
            idle = false;
        }
    }

    /**
     * NOTE: no close race here. The loop reads {@code running} before every park, and a stop
     * between that read and the park has given the thread a permit (an unpark before a park makes
     * it return at once); a stop before {@link #start} leaves a thread that ends at its first look. A tick never waits for a writer: it submits and looks at the future later
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
