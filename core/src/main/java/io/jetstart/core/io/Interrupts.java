package io.jetstart.core.io;

import java.io.IOException;

/**
 * Turns an interrupted disk operation ({@code InterruptedIOException}, or the
 * {@code ClosedByInterruptException} that {@code Thread.interrupt} causes in a channel read) into
 * the {@link InterruptedException} callers treat as cancellation, never as damage (design.md §4).
 */
public final class Interrupts {
    private Interrupts() {
    }

    /**
     * The cancellation of a read of {@code what} (a file, or a description), caused by {@code e};
     * the interrupt flag is cleared, as InterruptedException's contract says.
     */
    public static InterruptedException cancelled(Object what, IOException e) {
        return withCause(new InterruptedException("cancelled while reading " + what), e);
    }

    /** As {@link #cancelled}, for any disk operation: {@code "cancelled during " + operation}. */
    public static InterruptedException cancelledDuring(String operation, IOException e) {
        return withCause(new InterruptedException("cancelled during " + operation), e);
    }

    /**
     * Waits until every thread of {@code threads} has ended, without giving up on an interrupt: for
     * waits that are short and whose callers count on every thread having ended (a runner's last
     * tasks, a batch of file writes). An interrupt meanwhile is kept for the caller.
     */
    public static void joinAll(Iterable<Thread> threads) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static InterruptedException withCause(InterruptedException ie, IOException e) {
        Thread.interrupted();
        ie.initCause(e);
        return ie;
    }
}
