package io.jetstart.recovery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one after another on the calling thread: the baseline, and what {@code inspect} uses.
 *
 * <p>A deadline interrupts the task running when it passes, exactly as the parallel runners cancel
 * theirs: without that, one large stream could overrun {@code --deadline} by its whole rebuild.
 */
final class SequentialRunner implements TaskRunner {

    @Override
    public <T> List<Result<T>> runAll(List<NamedTask<T>> tasks, Instant deadline) throws InterruptedException {
        List<Result<T>> out = new ArrayList<>(tasks.size());
        boolean cancelled = false;
        AtomicBoolean deadlinePassed = new AtomicBoolean();
        Thread timer = deadline == null ? null : startTimer(Thread.currentThread(), deadline, deadlinePassed);
        try {
            for (NamedTask<T> t : tasks) {
                if (cancelled || Thread.currentThread().isInterrupted() || (deadline != null && !Instant.now().isBefore(deadline))) {
                    cancelled = true;
                    out.add(new Result.Cancelled<>());
                    continue;
                }
                try {
                    out.add(new Result.Done<>(t.body().call()));
                } catch (InterruptedException e) {
                    cancelled = true;
                    out.add(new Result.Cancelled<>());
                } catch (Exception | Error e) {
                    out.add(new Result.Failed<>(e));
                }
            }
        } finally {
            if (timer != null) {
                // Stop the timer and wait for it, so that no thread of this run outlives it.
                timer.interrupt();
                boolean interrupted = false;
                while (timer.isAlive()) {
                    try {
                        timer.join();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (deadlinePassed.get()) {
            // The interrupt was the deadline's own, not the caller's: the results say what was cancelled.
            Thread.interrupted();
            return out;
        }
        if (cancelled && Thread.interrupted()) {
            throw new InterruptedException("recovery interrupted");
        }
        return out;
    }

    private static Thread startTimer(Thread caller, Instant deadline, AtomicBoolean passed) {
        return Thread.ofVirtual().name("jetstart-deadline").start(() -> {
            try {
                long nanos = Duration.between(Instant.now(), deadline).toNanos();
                if (nanos > 0) {
                    Thread.sleep(Duration.ofNanos(nanos));
                }
                passed.set(true);
                caller.interrupt();
            } catch (InterruptedException e) {
                // The run ended first.
            }
        });
    }

    @Override
    public String kind() {
        return "sequential";
    }
}
