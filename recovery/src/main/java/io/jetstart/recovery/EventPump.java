package io.jetstart.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.LoggerFactory;

/**
 * Carries events from many stream threads to one reporter thread, which alone calls the listener.
 *
 * <p>Design note: stream threads only do a lock-free offer onto the JDK's
 * {@link ConcurrentLinkedQueue} (a CAS on its tail), so they never contend on a logger, a console or
 * a meter registry. It was JCTools' unbounded MPSC queue: a run carries a few events per stream,
 * too few for its chunked array to matter, while its 12 classes were read from the application's
 * jar and verified on the opening thread of every fresh JVM's {@code JetStart.open}, before the
 * recovery thread could start (2-3 ms of the first stream's way; the JDK's queue is two classes of
 * the runtime image, which are not verified; docs/benchmarks-passes.md, "Per-stream readiness", tenth pass). The reporter sleeps when the queue is empty, and
 * an offer wakes it only when it is asleep: it used to poll every 200 µs instead, and those 5,000
 * wake-ups a second used 0.13-0.17 s of CPU in a fresh JVM's 1-2 s rebuild of seed8 (8 streams,
 * 128 events), on the same two cores as the block scans. {@link #close()} drains every event
 * before returning, so the listener has seen {@code RecoveryFinished} by the time
 * {@code recover()} returns. With {@link RecoveryListener#NONE} there is nobody to deliver to, so
 * there is no reporter thread either.
 *
 * <p>NOTE: the wake-up is a Dekker handshake: the reporter announces {@code sleeping} and then
 * looks at the queue once more; an emitter offers and then looks at {@code sleeping}. Both sides'
 * steps are volatile (the queue's offer is a CAS, its emptiness check volatile reads), so at
 * least one of them sees the other's write: the reporter finds the event, or the emitter unparks
 * it (a permit given before the park makes the park return at once). The timed park is a safety
 * net only, bounding how late an event could be if that reasoning were ever wrong.
 */
final class EventPump implements AutoCloseable {
    private final ConcurrentLinkedQueue<RecoveryEvent> queue = new ConcurrentLinkedQueue<>();
    private final RecoveryListener listener;
    private final Thread reporter;
    private volatile boolean closing;
    /** True while the reporter is (about to be) parked: an emitter must unpark it. */
    private volatile boolean sleeping;
    /** Longest park: the safety net of the wake-up handshake (see the class note). */
    private static final long MAX_PARK_NANOS = 20_000_000;
    /** True from {@link #holdUntilStarted} until {@link #releaseWith}: events go to {@code held}. */
    private volatile boolean holding;
    private final ReentrantLock holdLock = new ReentrantLock();
    private final List<RecoveryEvent> held = new ArrayList<>();

    /** Whether {@link #reporter} has been started (by the first offer, or by close with events queued). */
    private final AtomicBoolean started = new AtomicBoolean();

    /**
     * The reporter's thread is started by the first event offered, not here: a run whose first
     * streams are named holds their events until discovery's {@code RecoveryStarted}, so the
     * thread's start (0.1-0.4 ms of a warm open) was on the named streams' way for nothing
     * (docs/benchmarks-passes.md, "Per-stream readiness", fourth pass).
     */
    EventPump(RecoveryListener listener) {
        this.listener = listener;
        this.reporter = listener == RecoveryListener.NONE ? null
                : Thread.ofPlatform().daemon().name("jetstart-events").unstarted(new DrainLoop());
    }

    /**
     * From now until {@link #releaseWith}, events are kept back: streams started before the store was
     * discovered report after the {@code RecoveryStarted} that discovery ends with, as every other
     * stream does (listeners take that event as the first).
     */
    void holdUntilStarted() {
        holding = true;
    }

    /** Emits {@code started}, then every event held back since {@link #holdUntilStarted}, in their order; a no-op when nothing is held. */
    void releaseWith(RecoveryEvent started) {
        holdLock.lock();
        try {
            if (!holding) {
                return;
            }
            offer(started);
            for (RecoveryEvent e : held) {
                offer(e);
            }
            held.clear();
            holding = false;
        } finally {
            holdLock.unlock();
        }
    }

    /**
     * Starts the reporter's thread now rather than at the first event offered; nothing when there is
     * no listener or it is started already. For a thread that is otherwise idle while the run starts:
     * a platform thread's start waits until the new thread runs, and at the first event that wait is
     * the emitter's ({@link StoreRecovery#startEventReporter}).
     */
    void start() {
        if (reporter != null && started.compareAndSet(false, true)) {
            reporter.start();
        }
    }

    void emit(RecoveryEvent e) {
        if (reporter == null) {
            return;
        }
        if (holding) {
            holdLock.lock();
            try {
                // Looked at again under the lock: a release in between has offered the held ones.
                if (holding) {
                    held.add(e);
                    return;
                }
            } finally {
                holdLock.unlock();
            }
        }
        offer(e);
    }

    private void offer(RecoveryEvent e) {
        if (reporter == null) {
            return;
        }
        queue.offer(e);
        if (!started.get() && started.compareAndSet(false, true)) {
            reporter.start();
        } else if (sleeping) {
            LockSupport.unpark(reporter);
        }
    }

    private void drainLoop() {
        while (true) {
            RecoveryEvent e = queue.poll();
            if (e != null) {
                deliver(e);
                continue;
            }
            if (closing && queue.isEmpty()) {
                return;
            }
            sleeping = true;
            if (queue.isEmpty() && !closing) {
                LockSupport.parkNanos(this, MAX_PARK_NANOS);
            }
            sleeping = false;
        }
    }

    private void deliver(RecoveryEvent e) {
        try {
            listener.onEvent(e);
        } catch (RuntimeException ex) {
            // A faulty listener must not stop the others' events, nor recovery.
            LoggerFactory.getLogger(EventPump.class).warn("recovery listener failed on {}", e, ex);
        }
    }

    @Override
    public void close() {
        closing = true;
        if (reporter == null) {
            return;
        }
        if (started.compareAndSet(false, true)) {
            // Nothing was offered (or an offer is under way and lost the race to start it): the
            // reporter delivers what is queued and ends; with nothing queued it is not started.
            if (queue.isEmpty()) {
                return;
            }
            reporter.start();
        }
        LockSupport.unpark(reporter);
        boolean interrupted = false;
        while (reporter.isAlive()) {
            try {
                reporter.join();
            } catch (InterruptedException ie) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The reporter thread's body ({@link #drainLoop}); a named class, made at each open (package-info). */
    private final class DrainLoop implements Runnable {
        @Override
        public void run() {
            drainLoop();
        }
    }
}
