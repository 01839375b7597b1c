package io.jetstart.recovery;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Runs a group of tasks, each on its own thread, and waits for all of them: the one shape of
 * concurrency recovery uses (streams of a store, consumers of a stream, blocks of a stream).
 *
 * <p>Rules every implementation keeps: a task's failure never cancels its siblings; a deadline or
 * an interrupt of the waiting thread cancels (interrupts) every unfinished task and waits until
 * they have all stopped, so no task outlives {@link #runAll}; results come back in task order.
 * Only {@code io.jetstart.recovery.structured} may implement this with {@code StructuredTaskScope}.
 */
public interface TaskRunner {

    /** A task and the name its thread carries (a stream, consumer or block). */
    record NamedTask<T>(String name, Callable<T> body) {
    }

    /** What became of one task. */
    sealed interface Result<T> {
        record Done<T>(T value) implements Result<T> {
        }

        record Failed<T>(Throwable error) implements Result<T> {
        }

        record Cancelled<T>() implements Result<T> {
        }
    }

    /**
     * @param deadline null for none
     * @throws InterruptedException when the calling thread was interrupted while waiting; every
     *                              task has stopped by the time it is thrown
     */
    <T> List<Result<T>> runAll(List<NamedTask<T>> tasks, Instant deadline) throws InterruptedException;

    /** Forks a group's tasks one by one while it runs on the waiting thread ({@link #runFed}). */
    interface Feeder<T> {
        /** Forks tasks through {@code fork}; the group is joined when this returns. */
        void feed(java.util.function.Consumer<NamedTask<T>> fork);
    }

    /** Whether {@link #runFed} is supported. */
    default boolean feeds() {
        return false;
    }

    /**
     * As {@link #runAll}, with the tasks forked by {@code feeder} while it runs on the calling
     * thread, each starting at once; results in fork order. A task forked once the group is
     * cancelled (the deadline passed) is not started and is reported cancelled. The waiting thread
     * interrupted by the time {@code feeder} returns cancels the group, as an interrupt while
     * waiting does.
     *
     * @throws UnsupportedOperationException unless {@link #feeds}
     */
    default <T> List<Result<T>> runFed(Feeder<T> feeder, Instant deadline) throws InterruptedException {
        throw new UnsupportedOperationException(kind() + " runner cannot fork tasks while it runs");
    }

    /** "structured", "fallback" or "sequential", for logs and reports. */
    String kind();
}
