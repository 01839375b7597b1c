package io.jetstart.core.store;

import java.util.ArrayList;
import java.util.List;

/**
 * How the blocks of one stream are scanned: one after another, or in parallel. Core does not
 * choose; the recovery module hands in a parallel implementation (blocks of one stream are
 * independent to parse, so one huge stream can use every core). Results come back in task order.
 */
public interface BlockWork {

    /** One unit of work, usually "read and scan block n". */
    @FunctionalInterface
    interface Task<T> {
        T run() throws StoreException, InterruptedException;
    }

    <T> List<T> all(List<Task<T>> tasks) throws StoreException, InterruptedException;

    /** Runs the tasks on the calling thread, in order. */
    static BlockWork sequential() {
        return new BlockWork() {
            @Override
            public <T> List<T> all(List<Task<T>> tasks) throws StoreException, InterruptedException {
                List<T> out = new ArrayList<>(tasks.size());
                for (Task<T> t : tasks) {
                    out.add(t.run());
                }
                return out;
            }
        };
    }
}
