package io.jetstart.recovery;

import io.jetstart.core.io.Interrupts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fallback on final APIs (JDK 21–24, or 25 without {@code --enable-preview}): a
 * virtual-thread-per-task executor that keeps the same rules as the structured runner.
 */
final class VirtualThreadRunner implements TaskRunner {

    @Override
    public <T> List<Result<T>> runAll(List<NamedTask<T>> tasks, Instant deadline) throws InterruptedException {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        Queue<Thread> threads = new ConcurrentLinkedQueue<>();
        ThreadFactory virtual = Thread.ofVirtual().name("jetstart-task").factory();
        boolean interrupted = false;
        // close() waits for every task; joinAll below for every thread.
        try (ExecutorService exec = Executors.newThreadPerTaskExecutor(r -> {
            Thread t = virtual.newThread(r);
            threads.add(t);
            return t;
        })) {
            for (NamedTask<T> t : tasks) {
                futures.add(exec.submit(() -> {
                    Thread.currentThread().setName(t.name());
                    return t.body().call();
                }));
            }
            try {
                for (Future<T> f : futures) {
                    if (deadline == null) {
                        try {
                            f.get();
                        } catch (ExecutionException | CancellationException e) {
                            // collected below
                        }
                    } else {
                        long left = Duration.between(Instant.now(), deadline).toNanos();
                        try {
                            f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
                        } catch (ExecutionException | CancellationException e) {
                            // collected below
                        } catch (TimeoutException e) {
                            break;
                        }
                    }
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            for (Future<T> f : futures) {
                f.cancel(true);
            }
        }
        joinAll(threads);
        List<Result<T>> out = new ArrayList<>(futures.size());
        for (Future<T> f : futures) {
            out.add(switch (f.state()) {
                case SUCCESS -> new Result.Done<>(f.resultNow());
                case FAILED -> f.exceptionNow() instanceof InterruptedException
                        ? new Result.Cancelled<T>() : new Result.Failed<T>(f.exceptionNow());
                default -> new Result.Cancelled<>();
            });
        }
        if (interrupted) {
            throw new InterruptedException("recovery interrupted");
        }
        return out;
    }

    /**
     * The executor's close() returns once the last task has counted down its termination latch,
     * which that task's thread does just before it ends: without this join the thread is still
     * alive for a few microseconds after runAll returns (CancellationTest saw it). Waits without
     * giving up on interrupt, the wait is that short, and keeps the interrupt status as it was.
     */
    private static void joinAll(Queue<Thread> threads) {
        Interrupts.joinAll(threads);
    }

    @Override
    public String kind() {
        return "fallback";
    }
}
