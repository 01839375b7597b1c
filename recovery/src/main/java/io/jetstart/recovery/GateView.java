package io.jetstart.recovery;

import io.jetstart.core.io.CountingDiskGate;

/**
 * A read-only view of the dios gate of a running recovery, for meters and progress displays:
 * they may read it from any thread, at any time, but cannot take a permit.
 *
 * <p>Design note: the wait time is exposed as two monotonic totals (operations, nanoseconds
 * waited) instead of one event per acquisition. A rebuild acquires the gate once per block and
 * per small file; sending each wait through the event queue would double its traffic to tell
 * a reader nothing that the totals' deltas between two reads do not.
 */
public interface GateView {

    /** A gate that never existed: every figure 0 (events built without a gate). */
    GateView NONE = new GateView() {
        @Override
        public int permits() {
            return 0;
        }

        @Override
        public int inUse() {
            return 0;
        }

        @Override
        public int waiters() {
            return 0;
        }

        @Override
        public long operations() {
            return 0;
        }

        @Override
        public long totalWaitNanos() {
            return 0;
        }

        @Override
        public String toString() {
            return "GateView.NONE";
        }
    };

    /** The configured number of permits. */
    int permits();

    /** Permits held right now: disk operations in flight. */
    int inUse();

    /** Threads waiting for a permit right now. */
    int waiters();

    /** Permits granted so far (one per disk operation). */
    long operations();

    /** Total time all operations so far spent waiting for their permit. */
    long totalWaitNanos();

    /** A live view of {@code gate}. */
    static GateView of(CountingDiskGate gate) {
        return new CountingGateView(gate);
    }
}
