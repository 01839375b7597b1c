package io.jetstart.recovery;

import io.jetstart.core.io.CountingDiskGate;

/** {@link GateView} over the gate a recovery runs with; every read is a plain counter read. */
record CountingGateView(CountingDiskGate gate) implements GateView {

    @Override
    public int permits() {
        return gate.permits();
    }

    @Override
    public int inUse() {
        return gate.inUse();
    }

    @Override
    public int waiters() {
        return gate.waiters();
    }

    @Override
    public long operations() {
        return gate.operations();
    }

    @Override
    public long totalWaitNanos() {
        return gate.totalWaitNanos();
    }

    @Override
    public String toString() {
        return "gate[permits=" + permits() + ", inUse=" + inUse() + ", waiters=" + waiters() + "]";
    }
}
