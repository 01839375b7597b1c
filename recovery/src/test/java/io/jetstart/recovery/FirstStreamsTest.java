package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code RecoveryOptions.firstStreams}: the named streams' tasks start first, and at the disk gate
 * their operations pass every other waiting stream. Six streams of the same size (so without the
 * option S1 goes first, by name); S6 is named. No timing: orders are recorded, and the gate's own
 * waiter count says when every stream is queued.
 */
class FirstStreamsTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(6, 20, 16);

    @TempDir(factory = TestStores.FastTempDir.class)
    static Path store;

    @BeforeAll
    static void generate() throws Exception {
        TestStores.generate(store, SPEC);
    }

    @Test
    void theNamedStreamsTasksStartBeforeTheOthers() throws Exception {
        List<String> started = new CopyOnWriteArrayList<>();
        RecoveryOptions options = RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL)
                .withFirstStreams(Set.of("S6", "S4")).withListener(e -> {
                    if (e instanceof RecoveryEvent.StreamStarted s) {
                        started.add(s.stream());
                    }
                });
        RecoveryReport report = StoreRecovery.recover(store, options);

        assertThat(report.allRecovered()).isTrue();
        // The named ones first (largest first among them, then by name), then the rest as before.
        assertThat(started).containsExactly("S4", "S6", "S1", "S2", "S3", "S5");
    }

    @Test
    void aNamedStreamWaitingAtTheGatePassesEveryOtherWaitingStream() throws Exception {
        // One permit. The first stream operation to get it holds it until every other stream task
        // waits at the gate; then the permit must go to S6 (unless S6 was the one holding it).
        AtomicReference<CountingDiskGate> counting = new AtomicReference<>();
        CountDownLatch allQueued = new CountDownLatch(1);
        List<String> acquired = new CopyOnWriteArrayList<>();
        UnaryOperator<DiskGate> probe = g -> {
            if (g instanceof CountingDiskGate c) {
                counting.set(c);
            }
            return new DiskGate() {
                @Override
                public <T> T run(Io<T> io) throws java.io.IOException {
                    return g.run(() -> {
                        String stream = streamOf(Thread.currentThread().getName());
                        if (stream != null) {
                            boolean firstOfAll = acquired.isEmpty();
                            if (!acquired.contains(stream)) {
                                acquired.add(stream);
                            }
                            if (firstOfAll) {
                                try {
                                    allQueued.await();
                                } catch (InterruptedException e) {
                                    throw new java.io.InterruptedIOException("probe interrupted");
                                }
                            }
                        }
                        return io.call();
                    });
                }
            };
        };
        RecoveryOptions options = RecoveryOptions.defaults().withDios(1).withFirstStreams(Set.of("S6"));
        try (StoreRecovery r = new StoreRecovery(store, options, probe)) {
            Thread waiter = Thread.ofPlatform().start(() -> {
                // Released once the five other stream tasks wait for the permit the first one holds.
                while (counting.get() == null || counting.get().waiters() < SPEC.streams() - 1) {
                    Thread.onSpinWait();
                }
                allQueued.countDown();
            });
            RecoveryReport report = r.run();
            waiter.join();
            assertThat(report.allRecovered()).isTrue();
        }
        assertThat(acquired).hasSize(SPEC.streams());
        List<String> order = new ArrayList<>(acquired);
        String holder = order.remove(0);
        if (!holder.equals("S6")) {
            assertThat(order.get(0)).as("the first stream to get the permit after " + holder + " held it: " + acquired)
                    .isEqualTo("S6");
        }
    }

    /** "$G > S6" (a stream task) or "$G > S6 > ..." (its block and consumer tasks); null for other threads. */
    private static String streamOf(String threadName) {
        String[] parts = threadName.split(" > ");
        return parts.length >= 2 && parts[0].equals("$G") ? parts[1] : null;
    }
}
