package io.jetstart.recovery.structured;

import io.jetstart.recovery.TaskRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Subtask;
import java.util.function.Function;

/**
 * The only class that touches {@link StructuredTaskScope} (JDK 25 preview): a scope per group of
 * tasks, each task a forked virtual thread named after its stream, consumer or block.
 *
 * <p>Design note: the joiner is {@code awaitAll}, which never cancels siblings when a subtask
 * fails: one damaged stream must not stop the others. The scope's timeout is the recovery
 * deadline; on timeout or an interrupt of the owner the scope is cancelled, which interrupts every
 * unfinished subtask, and {@code close()} waits for them all, so no thread outlives the scope.
 * Loaded reflectively: compiled with {@code --enable-preview}, it cannot load on a JVM without it,
 * and the caller falls back.
 */
public final class StructuredTaskRunner implements TaskRunner {

    @Override
    public <T> List<Result<T>> runAll(List<NamedTask<T>> tasks, Instant deadline) throws InterruptedException {
        List<Subtask<T>> subtasks = new ArrayList<>(tasks.size());
        boolean interrupted = false;
        try (var scope = StructuredTaskScope.open(StructuredTaskScope.Joiner.<T>awaitAll(), new Configure(deadline))) {
            for (NamedTask<T> t : tasks) {
                subtasks.add(scope.fork(new Named<>(t)));
            }
            interrupted = join(scope);
        }
        return results(subtasks, interrupted);
    }

    @Override
    public boolean feeds() {
        return true;
    }

    @Override
    public <T> List<Result<T>> runFed(Feeder<T> feeder, Instant deadline) throws InterruptedException {
        List<Subtask<T>> subtasks = new ArrayList<>();
        boolean interrupted = false;
        try (var scope = StructuredTaskScope.open(StructuredTaskScope.Joiner.<T>awaitAll(), new Configure(deadline))) {
            feeder.feed(new Forker<>(scope, subtasks));
            interrupted = join(scope);
        }
        return results(subtasks, interrupted);
    }

    /** Joins the scope; true when the owner was interrupted (the scope is then cancelled). */
    private static boolean join(StructuredTaskScope<?, Void> scope) {
        try {
            scope.join();
        } catch (StructuredTaskScope.TimeoutException e) {
            // The scope is cancelled: unfinished subtasks are interrupted and reported below.
        } catch (InterruptedException e) {
            return true;
        }
        return false;
    }

    /** Each subtask's result, in fork order. */
    private static <T> List<Result<T>> results(List<Subtask<T>> subtasks, boolean interrupted) throws InterruptedException {
        List<Result<T>> out = new ArrayList<>(subtasks.size());
        for (Subtask<T> s : subtasks) {
            out.add(switch (s.state()) {
                case SUCCESS -> new Result.Done<>(s.get());
                case FAILED -> s.exception() instanceof InterruptedException
                        ? new Result.Cancelled<T>() : new Result.Failed<T>(s.exception());
                case UNAVAILABLE -> new Result.Cancelled<>();
            });
        }
        if (interrupted) {
            throw new InterruptedException("recovery interrupted");
        }
        return out;
    }

    @Override
    public String kind() {
        return "structured";
    }

    // Named classes, not lambdas: the first stream's fork makes them, where a fresh JVM would spin a
    // lambda's class at run time (io.jetstart.recovery's package-info).

    /** The scope's name and, with a deadline, its timeout. */
    private static final class Configure implements Function<StructuredTaskScope.Configuration, StructuredTaskScope.Configuration> {
        private final Instant deadline;

        Configure(Instant deadline) {
            this.deadline = deadline;
        }

        @Override
        public StructuredTaskScope.Configuration apply(StructuredTaskScope.Configuration cf) {
            var c = cf.withName("jetstart-recovery");
            if (deadline != null) {
                c = c.withTimeout(Duration.between(Instant.now(), deadline).isNegative()
                        ? Duration.ofNanos(1) : Duration.between(Instant.now(), deadline));
            }
            return c;
        }
    }

    /** Forks one task into the scope, noting its subtask. */
    private static final class Forker<T> implements java.util.function.Consumer<NamedTask<T>> {
        private final StructuredTaskScope<T, Void> scope;
        private final List<Subtask<T>> subtasks;

        Forker(StructuredTaskScope<T, Void> scope, List<Subtask<T>> subtasks) {
            this.scope = scope;
            this.subtasks = subtasks;
        }

        @Override
        public void accept(NamedTask<T> t) {
            subtasks.add(scope.fork(new Named<>(t)));
        }
    }

    /** A task run under its own name. */
    private static final class Named<T> implements Callable<T> {
        private final NamedTask<T> t;

        Named(NamedTask<T> t) {
            this.t = t;
        }

        @Override
        public T call() throws Exception {
            Thread.currentThread().setName(t.name());
            return t.body().call();
        }
    }
}
