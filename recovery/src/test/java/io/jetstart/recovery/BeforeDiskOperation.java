package io.jetstart.recovery;

import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.util.function.UnaryOperator;

/**
 * A gate probe that runs {@code action} on the calling thread before each disk operation is handed
 * to the recovery's own gate: the tests' way to note an order, close a run, throw, or hold a chosen
 * thread at a chosen step (see {@link Hold}). What the action throws is what the operation throws.
 */
final class BeforeDiskOperation implements UnaryOperator<DiskGate> {
    /** Runs before an operation; may throw what a disk operation may. */
    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    private final Action action;

    BeforeDiskOperation(Action action) {
        this.action = action;
    }

    @Override
    public DiskGate apply(DiskGate gate) {
        return new DiskGate() {
            @Override
            public <T> T run(Io<T> io) throws IOException {
                action.run();
                return gate.run(io);
            }
        };
    }
}
