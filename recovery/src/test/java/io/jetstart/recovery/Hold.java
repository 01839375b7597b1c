package io.jetstart.recovery;

import io.jetstart.core.io.DiskGate;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A gate probe that holds the first disk operation of a thread {@code which} picks until an
 * interrupt (or the run's end, or {@link DiskPause#BOUND} so that a run that never interrupts it
 * fails its test instead of hanging the build). With {@link #runClosingWhenHeld} it closes a run
 * at the step where that thread is.
 */
final class Hold implements UnaryOperator<DiskGate> {
    private final Predicate<Thread> which;
    private final AtomicBoolean fired = new AtomicBoolean();
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile String held;

    Hold(Predicate<Thread> which) {
        this.which = which;
    }

    /** Holds the first operation of a task of {@code stream}: its stream task or one of its block or consumer tasks. */
    static Hold stream(String stream) {
        return new Hold(t -> stream.equals(streamOf(t.getName())));
    }

    @Override
    public DiskGate apply(DiskGate g) {
        return new BeforeDiskOperation(this::holdIfPicked).apply(g);
    }

    private void holdIfPicked() throws InterruptedIOException {
        if (which.test(Thread.currentThread()) && fired.compareAndSet(false, true)) {
            held = Thread.currentThread().getName();
            reached.countDown();
            try {
                released.await(DiskPause.BOUND.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw new InterruptedIOException("held operation interrupted");
            }
        }
    }

    /**
     * Recovers {@code storeDir} with {@code named} first, closing the run once an operation is held
     * (only the close's interrupt ends the hold); each hand-over is added to {@code handedOver}.
     */
    RecoveryReport runClosingWhenHeld(Path storeDir, String named, List<String> handedOver) throws Exception {
        try (StoreRecovery r = new StoreRecovery(storeDir, RecoveryOptions.defaults().withFirstStreams(Set.of(named)), this,
                (rep, st) -> handedOver.add(rep.name() + " " + rep.outcome()))) {
            Thread closer = Thread.ofPlatform().start(() -> {
                try {
                    if (reached.await(DiskPause.BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                        r.close();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            RecoveryReport report = r.run();
            closer.join();
            return report;
        } finally {
            released.countDown();
        }
    }

    /** The stream whose thread (or a block's or consumer's thread of it) was held: "$G > S3 > c1" gives "S3". */
    String heldStream() {
        return streamOf(held);
    }

    boolean interrupted() {
        return interrupted.get();
    }

    /** "$G > S6" (a stream task) or "$G > S6 > ..." (its block and consumer tasks); null for other threads. */
    static String streamOf(String threadName) {
        String[] parts = threadName.split(" > ");
        return parts.length >= 2 && parts[0].equals("$G") ? parts[1] : null;
    }
}
