package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edges of the start for streams named first (NamedFirstStart): a close at each of its steps,
 * a deadline, a named stream that fails, a discovery that fails. Whatever happens, every stream of
 * the store is reported and handed over exactly once. Steps are reached by holding a disk operation
 * of a named thread ("discovery", or a stream's), never by a clock.
 */
class NamedFirstEdgesTest {
    static final List<String> ALL = List.of("S1", "S2", "S3", "S4", "S5", "S6");

    @RegisterExtension
    static final GeneratedStore STORE = new GeneratedStore(GeneratorSpec.of(6, 20, 16));

    @Test
    void aCloseBeforeTheRunStartsStillReportsEveryStreamCancelledOnce() throws Exception {
        List<String> handedOver = new CopyOnWriteArrayList<>();
        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(STORE.dir(), RecoveryOptions.defaults().withFirstStreams(Set.of("S6")),
                UnaryOperator.identity(), (rep, st) -> handedOver.add(rep.name() + " " + rep.outcome()))) {
            r.close();
            report = r.run();
        }

        assertEveryStreamCancelledOnce(report, handedOver);
    }

    @Test
    void aCloseWhileTheNamedStreamsAreLookedForStillReportsEveryStreamCancelledOnce() throws Exception {
        // The run's own thread looks for the named streams: its first disk operation is that look.
        AtomicReference<StoreRecovery> recovery = new AtomicReference<>();
        Thread runThread = Thread.currentThread();
        AtomicBoolean once = new AtomicBoolean();
        BeforeDiskOperation probe = new BeforeDiskOperation(() -> {
            if (Thread.currentThread() == runThread && once.compareAndSet(false, true)) {
                recovery.get().close();
            }
        });
        List<String> handedOver = new CopyOnWriteArrayList<>();
        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(STORE.dir(), RecoveryOptions.defaults().withFirstStreams(Set.of("S6")), probe,
                (rep, st) -> handedOver.add(rep.name() + " " + rep.outcome()))) {
            recovery.set(r);
            report = r.run();
        }

        assertThat(once).isTrue();
        assertEveryStreamCancelledOnce(report, handedOver);
    }

    @Test
    void aCloseWhileANamedStreamWaitsForTheStoresLineAndDiscoveryRunsCancelsEveryStreamOnce(@TempDir Path tmp) throws Exception {
        // FLOOR (2.10's, with consumers, in a 2.15 store) waits for the store's line; discovery is held.
        Path mixed = EarlyFirstStreamsTest.mixedStore(tmp, "FLOOR");
        Hold discovery = new Hold(t -> t.getName().equals("discovery"));
        List<String> handedOver = new CopyOnWriteArrayList<>();
        RecoveryReport report = discovery.runClosingWhenHeld(mixed, "FLOOR", handedOver);

        assertThat(discovery.interrupted()).as("discovery's held operation was ended by the close").isTrue();
        List<String> streams = report.streams().stream().map(StreamReport::name).toList();
        assertThat(streams).contains("FLOOR").doesNotHaveDuplicates().hasSizeGreaterThan(1);
        assertThat(report.streams()).allSatisfy(s -> assertThat(s.outcome()).as(s.name()).isEqualTo(Outcome.CANCELLED));
        assertThat(handedOver).hasSameSizeAs(streams).doesNotHaveDuplicates();
    }

    @Test
    void aCloseWhileTheOtherStreamsRunCancelsEachOnceAndKeepsTheNamedOne() throws Exception {
        Hold others = new Hold(t -> t.getName().startsWith("$G > S") && !t.getName().startsWith("$G > S6"));
        List<String> handedOver = new CopyOnWriteArrayList<>();
        RecoveryReport report = others.runClosingWhenHeld(STORE.dir(), "S6", handedOver);

        assertThat(report.streams()).extracting(StreamReport::name).containsExactlyElementsOf(ALL);
        assertThat(report.streams().get(5).outcome()).isEqualTo(Outcome.RECOVERED);
        // The held stream is cancelled; a sibling may have ended before the close came.
        assertThat(report.streams()).filteredOn(s -> s.name().equals(others.heldStream()))
                .singleElement().extracting(StreamReport::outcome).isEqualTo(Outcome.CANCELLED);
        assertThat(report.streams()).allSatisfy(s -> assertThat(s.outcome()).as(s.name()).isIn(Outcome.RECOVERED, Outcome.CANCELLED));
        assertThat(handedOver).containsExactlyInAnyOrderElementsOf(
                report.streams().stream().map(s -> s.name() + " " + s.outcome()).toList());
    }

    @Test
    void aDeadlineThatHasPassedReportsEveryStreamOnce() throws Exception {
        List<String> handedOver = new CopyOnWriteArrayList<>();
        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(STORE.dir(), RecoveryOptions.defaults().withFirstStreams(Set.of("S6"))
                .withDeadline(Duration.ofNanos(1)), UnaryOperator.identity(), (rep, st) -> handedOver.add(rep.name()))) {
            report = r.run();
        }

        assertThat(report.streams()).extracting(StreamReport::name).containsExactlyElementsOf(ALL);
        assertThat(handedOver).containsExactlyInAnyOrderElementsOf(ALL);
    }

    @Test
    void aNamedStreamWithACorruptMetaInfFailsAndTheOthersRecover(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("store");
        TestStores.generate(copy, STORE.spec());
        Path meta = TestStores.streamDir(copy, "S6").resolve("meta.inf");
        Files.write(meta, "{not json".getBytes());

        RecoveryReport report = StoreRecovery.recover(copy, RecoveryOptions.defaults().withFirstStreams(Set.of("S6")));

        assertThat(report.streams()).extracting(StreamReport::name).containsExactlyElementsOf(ALL);
        assertThat(report.streams().get(5).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(report.streams().subList(0, 5)).allSatisfy(s -> assertThat(s.outcome()).as(s.name()).isEqualTo(Outcome.RECOVERED));
    }

    @Test
    void aDiscoveryThatFailsUnexpectedlyWhileANamedStreamWaitsForTheLineEndsTheRun(@TempDir Path tmp) throws Exception {
        // FLOOR waits for the store's line; discovery's first disk operation throws a runtime error.
        Path mixed = EarlyFirstStreamsTest.mixedStore(tmp, "FLOOR");
        AtomicBoolean thrown = new AtomicBoolean();
        BeforeDiskOperation probe = new BeforeDiskOperation(() -> {
            if (Thread.currentThread().getName().equals("discovery") && thrown.compareAndSet(false, true)) {
                throw new IllegalStateException("probe: discovery broke");
            }
        });
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        StoreRecovery r = new StoreRecovery(mixed, RecoveryOptions.defaults().withFirstStreams(Set.of("FLOOR")), probe);
        Thread runner = Thread.ofPlatform().start(() -> {
            try {
                r.run();
                outcome.set(new AssertionError("run() returned"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        // Bounded so that a run that hangs fails the test instead of the build.
        runner.join(DiskPause.BOUND.toMillis());
        boolean hung = runner.isAlive();
        if (hung) {
            r.close();
            runner.join();
        }

        assertThat(hung).as("the run waited for a line that discovery will never give").isFalse();
        // As without names: discovery's error ends the run.
        assertThat(outcome.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("discovery broke");
    }

    private static void assertEveryStreamCancelledOnce(RecoveryReport report, List<String> handedOver) {
        assertThat(report.streams()).extracting(StreamReport::name).containsExactlyElementsOf(ALL);
        assertThat(report.streams()).allSatisfy(s -> assertThat(s.outcome()).as(s.name()).isEqualTo(Outcome.CANCELLED));
        assertThat(handedOver).containsExactlyInAnyOrder("S1 CANCELLED", "S2 CANCELLED", "S3 CANCELLED", "S4 CANCELLED",
                "S5 CANCELLED", "S6 CANCELLED");
    }
}
