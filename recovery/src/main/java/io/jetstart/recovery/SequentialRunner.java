package io.jetstart.recovery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Runs tasks one after another on the calling thread: the baseline, and what {@code inspect} uses. */
final class SequentialRunner implements TaskRunner {

    @Override
    public <T> List<Result<T>> runAll(List<NamedTask<T>> tasks, Instant deadline) throws InterruptedException {
        List<Result<T>> out = new ArrayList<>(tasks.size());
        boolean cancelled = false;
        for (NamedTask<T> t : tasks) {
            if (cancelled || Thread.currentThread().isInterrupted() || (deadline != null && Instant.now().isAfter(deadline))) {
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
        if (cancelled && Thread.interrupted()) {
            throw new InterruptedException("recovery interrupted");
        }
        return out;
    }

    @Override
    public String kind() {
        return "sequential";
    }
}
