package io.jetstart.runtime;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The store's one timer for writers that hold no thread: a writer that lets its thread go with a
 * timer still ahead (an interval sync of a changed stream, an age or TTL expiry) asks for a ring at
 * that time, and the ring wakes it through the path every offer takes ({@link WriterLoop#ring}),
 * which starts a thread if none runs.
 *
 * <p>Design note: the ring carries no deadline and decides nothing. The writer's own timers say what
 * is due when its run looks, so a ring that comes early, late or twice costs a look and nothing
 * else, and a ring cannot be lost between the writer's decision to end its run and the end: the
 * writer marks itself idle and then looks at its queue and rung flag once more, the ring sets the
 * flag and then looks at the mark (both fenced), so one of the two sees the other. A store-wide alarm
 * thread tried on 2026-12-07 unparked writers that parked without a timeout, and lost a wake-up there
 * (a TTL expiry missed in 3 runs of 4 of {@code KeyValueTtlTest}).
 *
 * <p>Made with the store, before any stream is recovered (a shared service started lazily inside
 * the parallel open is what crashed nats-server's shared clock); ended by the store's close after
 * every writer has stopped.
 */
final class WriterAlarms implements AutoCloseable {
    private final ScheduledThreadPoolExecutor timer;
    private final OneThread thread = new OneThread();

    WriterAlarms() {
        timer = new ScheduledThreadPoolExecutor(1, thread);
        // A writer that asks for an earlier ring cancels its later one: gone from the queue at once,
        // not held until its time (a busy store would keep one per stream and cycle).
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * Starts the timer's thread: at the store's start, after the recovery's thread (a platform
     * thread's start waits until the new thread runs), not at the first ring inside the parallel open.
     */
    void start() {
        timer.prestartCoreThread();
    }

    /**
     * Makes the timer's thread and keeps it, for the close to wait for. Not named {@code
     * jetstart-writer...}: a writer's threads are gone once a close returns, and tests look for them by that name.
     */
    private static final class OneThread implements java.util.concurrent.ThreadFactory {
        private final java.util.List<Thread> made = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = Thread.ofPlatform().daemon().name("jetstart-alarms").unstarted(r);
            made.add(t);
            return t;
        }
    }

    /** One ring of a writer. */
    private static final class Ring implements Runnable {
        private final WriterLoop writer;

        Ring(WriterLoop writer) {
            this.writer = writer;
        }

        @Override
        public void run() {
            writer.ring();
        }
    }

    /**
     * Rings {@code writer} once {@link System#nanoTime} has reached {@code dueNanos}.
     *
     * @return the ring, to cancel; null when the store is closing (its writers are being stopped, and
     *     a stop does its last sync whatever is due)
     */
    ScheduledFuture<?> at(long dueNanos, WriterLoop writer) {
        try {
            return timer.schedule(new Ring(writer), Math.max(0, dueNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            return null;
        }
    }

    /** Rings waiting now (for tests and the docs' measurements). */
    int waiting() {
        return timer.getQueue().size();
    }

    /** Ends the timer and waits for its thread: no thread of the store is left once its close returns. */
    @Override
    public void close() {
        timer.shutdownNow();
        io.jetstart.core.io.Interrupts.joinAll(thread.made);
    }
}
