package io.jetstart.runtime;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Parks the first op of one kind offered to some writers, at their {@code beforeOffer} seam (after
 * the writer's {@code accepting} check, before the offer), until {@link #release()} or until the
 * parked thread is interrupted; the interrupt is kept for the caller to see. Tests of close races
 * use it to hold a thread exactly in a window without timing.
 */
final class OfferPark implements Consumer<WriterLoop.Op> {
    private final Class<? extends WriterLoop.Op> kind;
    private final AtomicBoolean taken = new AtomicBoolean();
    private final CountDownLatch parked = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    private OfferPark(Class<? extends WriterLoop.Op> kind) {
        this.kind = kind;
    }

    /** Installs the park on each writer; only the first op of {@code kind} among them is parked. */
    static OfferPark firstOf(Class<? extends WriterLoop.Op> kind, WriterLoop... writers) {
        OfferPark park = new OfferPark(kind);
        for (WriterLoop w : writers) {
            w.beforeOffer(park);
        }
        return park;
    }

    @Override
    public void accept(WriterLoop.Op op) {
        if (kind.isInstance(op) && taken.compareAndSet(false, true)) {
            parked.countDown();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits until a thread is parked. */
    void awaitParked() throws InterruptedException {
        parked.await();
    }

    /** Lets the parked thread (and any later one) go on. */
    void release() {
        released.countDown();
    }
}
