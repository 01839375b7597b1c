package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The gate's order, seen without timing: one permit is held by an operation that waits for a
 * latch, the other operations queue (the test waits until the gate counts them as waiters), and
 * the order in which they then run is recorded inside the permit.
 */
class CountingDiskGateTest {
    private final List<String> order = new CopyOnWriteArrayList<>();

    private Thread queue(DiskGate gate, String name) {
        return Thread.ofPlatform().name(name).start(() -> {
            try {
                gate.run(() -> order.add(name));
            } catch (java.io.IOException e) {
                order.add(name + " failed: " + e.getMessage());
            }
        });
    }

    private static void awaitWaiters(CountingDiskGate gate, int n) {
        while (gate.waiters() != n) {
            Thread.onSpinWait();
        }
    }

    private static Thread hold(CountingDiskGate gate, CountDownLatch release) throws InterruptedException {
        CountDownLatch holding = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            try {
                gate.run(() -> {
                    holding.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException("holder interrupted");
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        holding.await();
        return holder;
    }

    @Test
    void operationsThroughAheadRunBeforeEveryOtherWaiterAndEachClassInArrivalOrder() throws Exception {
        CountingDiskGate gate = new CountingDiskGate(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = hold(gate, release);
        List<Thread> threads = new java.util.ArrayList<>();
        threads.add(queue(gate, "plain-1"));
        awaitWaiters(gate, 1);
        threads.add(queue(gate.ahead(), "first-1"));
        awaitWaiters(gate, 2);
        threads.add(queue(gate, "plain-2"));
        awaitWaiters(gate, 3);
        threads.add(queue(gate.ahead(), "first-2"));
        awaitWaiters(gate, 4);

        release.countDown();
        holder.join();
        for (Thread t : threads) {
            t.join();
        }

        assertThat(order).containsExactly("first-1", "first-2", "plain-1", "plain-2");
        assertThat(gate.inUse()).isZero();
        assertThat(gate.waiters()).isZero();
        assertThat(gate.operations()).isEqualTo(5);
    }

    @Test
    void aFreePermitIsTakenAtOnceByEitherClassAndNeverExceeded() throws Exception {
        CountingDiskGate gate = new CountingDiskGate(2);
        assertThat(gate.run(() -> "plain")).isEqualTo("plain");
        assertThat(gate.ahead().run(() -> "first")).isEqualTo("first");
        CountDownLatch release = new CountDownLatch(1);
        Thread a = hold(gate, release);
        Thread b = hold(gate, release);
        assertThat(gate.inUse()).isEqualTo(2);
        Thread waiting = queue(gate.ahead(), "first");
        awaitWaiters(gate, 1);
        assertThat(order).isEmpty();
        release.countDown();
        a.join();
        b.join();
        waiting.join();
        assertThat(order).containsExactly("first");
        assertThat(gate.peakInUse()).isEqualTo(2);
    }

    @Test
    void anInterruptedWaiterLeavesTheQueueAndThePermitGoesToTheNext() throws Exception {
        CountingDiskGate gate = new CountingDiskGate(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = hold(gate, release);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread interrupted = Thread.ofPlatform().start(() -> {
            try {
                gate.ahead().run(() -> order.add("interrupted"));
            } catch (Throwable e) {
                failures.add(e);
            }
        });
        awaitWaiters(gate, 1);
        Thread next = queue(gate, "next");
        awaitWaiters(gate, 2);
        interrupted.interrupt();
        interrupted.join();
        release.countDown();
        holder.join();
        next.join();

        assertThat(failures).singleElement().isInstanceOf(InterruptedIOException.class);
        assertThat(order).containsExactly("next");
        assertThat(gate.inUse()).isZero();
        // The permit is free again for whoever comes next.
        assertThat(gate.run(() -> "again")).isEqualTo("again");
        assertThatThrownBy(() -> new CountingDiskGate(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
