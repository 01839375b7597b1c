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

    /** "structured", "fallback" or "sequential", for logs and reports. */
    String kind();
}
