package io.jetstart.recovery;

import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;

/** One stream's view of the shared gate: same permits, but counts this stream's waiting time. */
final class StreamGate implements DiskGate {
    private final DiskGate shared;
    private final LongAdder waitNanos = new LongAdder();

    StreamGate(DiskGate shared) {
        this.shared = shared;
    }

    @Override
    public <T> T run(Io<T> io) throws IOException {
        long asked = System.nanoTime();
        return shared.run(() -> {
            waitNanos.add(System.nanoTime() - asked);
            return io.call();
        });
    }

    long waitNanos() {
        return waitNanos.sum();
    }
}
