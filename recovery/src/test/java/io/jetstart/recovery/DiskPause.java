package io.jetstart.recovery;

import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.DiskGate;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import java.util.function.UnaryOperator;

/**
 * Stops a recovery at one chosen disk operation until the test lets it go or an interrupt ends the
 * wait: the operation then fails as an interrupted read would. A test that acts while the
 * recovery waits here acts inside the run by construction, however fast or loaded the machine is;
 * a moment taken from a clock (a sleep, a span measured beforehand) drifts with the load.
 *
 * <p>The wait is bounded ({@link #BOUND}) so that a recovery whose cancellation is broken goes on,
 * finishes, and fails the test's assertions instead of hanging the build.
 */
final class DiskPause implements UnaryOperator<DiskGate> {
    static final Duration BOUND = Duration.ofSeconds(10);

    private final LongPredicate pauses;
    private final AtomicLong operations = new AtomicLong();
    private final AtomicBoolean fired = new AtomicBoolean();
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicBoolean interrupted = new AtomicBoolean();

    private DiskPause(LongPredicate pauses) {
        this.pauses = pauses;
    }

    /** Pauses the {@code n}-th disk operation of the run (1-based, counted across all its threads). */
    static DiskPause atOperation(long n) {
        return new DiskPause(op -> op == n);
    }

    /**
     * Pauses the first operation of a block read ({@link BlockFiles#readRaw}), which only a rebuild
     * or a block scan does: never discovery nor a meta file.
     */
    static DiskPause atFirstBlockRead() {
        return new DiskPause(op -> StackWalker.getInstance().walk(frames -> frames.anyMatch(f ->
                f.getClassName().equals(BlockFiles.class.getName()) && f.getMethodName().equals("readRaw"))));
    }

    @Override
    public DiskGate apply(DiskGate gate) {
        return new DiskGate() {
            @Override
            public <T> T run(Io<T> io) throws java.io.IOException {
                return gate.run(() -> {
                    long op = operations.incrementAndGet();
                    if (!fired.get() && pauses.test(op) && fired.compareAndSet(false, true)) {
                        reached.countDown();
                        pause();
                    }
                    return io.call();
                });
            }
        };
    }

    private void pause() throws InterruptedIOException {
        try {
            released.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted.set(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while paused at a disk operation");
        }
    }

    /**
     * Waits until the run is paused, or until {@link #runEnded()} says it will never be (it did
     * fewer operations). Returns whether it is paused.
     */
    boolean awaitPaused() throws InterruptedException {
        if (!reached.await(BOUND.toMillis() * 3, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the recovery neither reached the pause nor ended within " + BOUND.multipliedBy(3));
        }
        return fired.get();
    }

    /** For the thread that ran the recovery, once it returned: no pause is coming any more. */
    void runEnded() {
        reached.countDown();
    }

    /** Lets the paused operation go on. */
    void release() {
        released.countDown();
    }

    /** Whether some operation was paused. */
    boolean paused() {
        return fired.get();
    }

    /** Whether the paused operation was ended by an interrupt rather than {@link #release()}. */
    boolean interruptedWhilePaused() {
        return interrupted.get();
    }

    /** Disk operations seen so far. */
    long operations() {
        return operations.get();
    }
}
