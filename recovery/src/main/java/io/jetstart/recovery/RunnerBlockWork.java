package io.jetstart.recovery;

import io.jetstart.core.store.BlockWork;
import io.jetstart.core.store.StoreException;
import java.util.ArrayList;
import java.util.List;

/**
 * Block scans of one stream as a nested task group, so one huge stream uses every core (nats-server
 * cannot do this, issue #4914). Concurrency is bounded by the shared block buffers, not here.
 */
final class RunnerBlockWork implements BlockWork {
    private final TaskRunner runner;
    private final String stream;

    RunnerBlockWork(TaskRunner runner, String stream) {
        this.runner = runner;
        this.stream = stream;
    }

    @Override
    public <T> List<T> all(List<Task<T>> tasks) throws StoreException, InterruptedException {
        if (tasks.size() <= 1) {
            return BlockWork.sequential().all(tasks);
        }
        List<TaskRunner.NamedTask<T>> named = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            Task<T> t = tasks.get(i);
            named.add(new TaskRunner.NamedTask<>(stream + "/block-" + i, t::run));
        }
        List<TaskRunner.Result<T>> results = runner.runAll(named, null);
        List<T> out = new ArrayList<>(results.size());
        for (TaskRunner.Result<T> r : results) {
            switch (r) {
                case TaskRunner.Result.Done<T> d -> out.add(d.value());
                case TaskRunner.Result.Failed<T> f -> {
                    if (f.error() instanceof StoreException se) {
                        throw se;
                    }
                    if (f.error() instanceof RuntimeException re) {
                        throw re;
                    }
                    if (f.error() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(f.error());
                }
                case TaskRunner.Result.Cancelled<T> c -> throw new InterruptedException("block scan cancelled");
            }
        }
        return out;
    }
}
