package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event reporter started by the caller that runs the recovery on another thread
 * ({@link StoreRecovery#startEventReporter}): every event still reaches the listener once and in
 * order, on that one thread, which ends with the run; with streams named first it is not started early.
 */
class EarlyEventReporterTest {
    /** S1..S3 of 2,000 messages, S4 of 5: S4 is the store's only small stream, last by size and by name. */
    private static Path mixed(Path dir) throws Exception {
        GeneratorSpec big = GeneratorSpec.of(4, 2_000, 64);
        Path streams = StoreGenerator.prepare(dir, big);
        for (int i = 1; i <= 3; i++) {
            StoreGenerator.writeStream(streams, i, big);
        }
        StoreGenerator.writeStream(streams, 4, GeneratorSpec.of(4, 5, 64));
        return dir;
    }

    @Test
    void aReporterStartedBeforeTheRunDeliversEveryEventInOrderAndEndsWithTheRun(
            @TempDir(factory = TestStores.FastTempDir.class) Path dir) throws Exception {
        Path store = mixed(dir);
        List<RecoveryEvent> events = new CopyOnWriteArrayList<>();
        List<Thread> deliveredOn = new CopyOnWriteArrayList<>();
        RecoveryListener listener = e -> {
            events.add(e);
            deliveredOn.add(Thread.currentThread());
        };
        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(store, RecoveryOptions.defaults().withSmallFirst(true).withListener(listener))) {
            r.startEventReporter();
            r.startEventReporter();
            Thread reporter = reporterThread();
            assertThat(reporter).as("started before the run, by the call").isNotNull();
            report = r.run();
            assertThat(deliveredOn).containsOnly(reporter);
            assertThat(reporter.isAlive()).as("ended with the run").isFalse();
        }

        assertThat(report.allRecovered()).isTrue();
        assertThat(events.get(0)).isInstanceOf(RecoveryEvent.RecoveryStarted.class);
        assertThat(events.get(events.size() - 1)).isInstanceOf(RecoveryEvent.RecoveryFinished.class);
        assertThat(StreamOrder.startsAndEnds(events)).hasSize(8).startsWith("start S4", "end S4");
    }

    @Test
    void withNamedFirstStreamsTheReporterIsNotStartedEarly(@TempDir(factory = TestStores.FastTempDir.class) Path dir) throws Exception {
        Path store = mixed(dir);
        List<RecoveryEvent> events = new CopyOnWriteArrayList<>();
        try (StoreRecovery r = new StoreRecovery(store, RecoveryOptions.defaults().withFirstStreams(java.util.Set.of("S4"))
                .withListener(events::add))) {
            r.startEventReporter();
            assertThat(reporterThread()).as("named streams' events are held: no early reporter").isNull();
            assertThat(r.run().allRecovered()).isTrue();
        }
        assertThat(events.get(0)).isInstanceOf(RecoveryEvent.RecoveryStarted.class);
    }

    /** The live thread named as the event reporter, or null (tests run one at a time in this JVM). */
    private static Thread reporterThread() {
        List<Thread> found = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("jetstart-events") && t.isAlive()) {
                found.add(t);
            }
        }
        assertThat(found).as("at most one reporter").hasSizeLessThanOrEqualTo(1);
        return found.isEmpty() ? null : found.get(0);
    }
}
