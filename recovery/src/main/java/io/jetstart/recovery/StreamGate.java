package io.jetstart.recovery;

import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * One stream's view of the shared gate: same permits, but counts this stream's waiting time, and
 * refuses new disk operations once the recovery is closed, or, for the stream's block and
 * consumer tasks, once the stream task itself has been cancelled (a deadline).
 *
 * <p>Design note: cancelling a recovery interrupts the stream tasks only; each cancels its own block
 * and consumer tasks when it next runs. But the stream task is then queued behind every block task
 * it forked and that has not started yet, and each of those would read and parse a whole block
 * first: a close() took as long as the rest of the recovery (CancellationTest measured up to
 * 0.6 s on 160 MB, growing with the store). Checking here stops them at their next disk
 * operation instead. close() is checked as a flag, not only through interrupts, because those
 * reach the stream tasks only once the owner thread has woken up to cancel its task group, which
 * on a busy machine takes milliseconds in which more blocks are read.
 */
final class StreamGate implements DiskGate {
    private final DiskGate shared;
    private final Thread streamThread;
    private final BooleanSupplier closed;
    private final LongAdder waitNanos = new LongAdder();

    /** Built on the stream task's own thread; {@code closed} says whether the recovery was closed. */
    StreamGate(DiskGate shared, BooleanSupplier closed) {
        this.shared = shared;
        this.streamThread = Thread.currentThread();
        this.closed = closed;
    }

    @Override
    public <T> T run(Io<T> io) throws IOException {
        if (closed.getAsBoolean()) {
            throw new InterruptedIOException("recovery closed");
        }
        if (Thread.currentThread() != streamThread && streamThread.isInterrupted()) {
            throw new InterruptedIOException("stream " + streamThread.getName() + " was cancelled");
        }
        long asked = System.nanoTime();
        return shared.run(new Timed<>(io, asked));
    }

    /**
     * A read that counts the stream's wait for its permit first. A named class, not a lambda: the
     * first stream's first read would spin one at run time in a fresh JVM (package-info).
     */
    private final class Timed<T> implements Io<T> {
        private final Io<T> io;
        private final long asked;

        Timed(Io<T> io, long asked) {
            this.io = io;
            this.asked = asked;
        }

        @Override
        public T call() throws IOException {
            waitNanos.add(System.nanoTime() - asked);
            return io.call();
        }
    }

    long waitNanos() {
        return waitNanos.sum();
    }
}
