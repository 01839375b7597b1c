package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.store.Problem;
import io.jetstart.core.testing.ThreadDump;
import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 3, proof 4: {@link StoreRecovery#close()} at random moments stops a recovery within a
 * second, reports every unfinished stream as cancelled (and every finished one exactly), and leaves
 * no recovery thread alive; a deadline does the same and says which streams did not finish.
 *
 * <p>The store (20 streams × 50,000 messages in 1 MiB blocks, about 160 MB) is generated once.
 * 16 streams have their {@code index.db} truncated, so their rebuild reads every block; S17..S20
 * keep theirs and come back from the fast path in a few milliseconds.
 */
@Tag("both-paths")
class CancellationTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(20, 50_000, 128).withSubjects(8).withConsumers(2)
            .withBlockSize(1 << 20);
    static final int FAST_FROM = 17;
    static final long SEED = 0x5EEDCAFEL;
    static final int CANCELLATIONS = 50;
    static final Duration PROMPT = Duration.ofSeconds(1);

    @TempDir(factory = TestStores.FastTempDir.class)
    static Path store;
    static Map<String, String> digestsBefore;

    @BeforeAll
    static void generate() throws Exception {
        TestStores.generate(store, SPEC);
        for (int i = 1; i < FAST_FROM; i++) {
            TestStores.truncate(TestStores.streamDir(store, "S" + i).resolve("msgs").resolve("index.db"), 0);
        }
        digestsBefore = TestStores.digests(store);
    }

    @Test
    void closeAtFiftyRandomMomentsStopsWithinASecondAndReportsTheUnfinishedAsCancelled() throws Exception {
        closeAtRandomMoments(RecoveryOptions.Mode.PARALLEL, CANCELLATIONS);
    }

    /** Sequential mode runs every stream on the owner thread, so close() interrupts the very thread reading. */
    @Test
    void closeAtRandomMomentsAlsoStopsASequentialRecovery() throws Exception {
        closeAtRandomMoments(RecoveryOptions.Mode.SEQUENTIAL, CANCELLATIONS / 2);
    }

    private static void closeAtRandomMoments(RecoveryOptions.Mode mode, int cancellations) throws Exception {
        // A moment is a disk operation, drawn from the first 4/5 of those an uncancelled run of the
        // same mode does; the run waits at it until close() has been called. Moments drawn from a
        // measured span of time moved with the machine's load (a span measured on a busy machine put
        // most moments after the end of a later, quicker run).
        long operations = uncancelledRunOperations(mode);
        Random random = new Random(SEED);
        int runsThatCancelled = 0;
        int runsThatFinished = 0;
        for (int i = 0; i < cancellations; i++) {
            long at = 1 + random.nextLong(Math.max(1, operations * 4 / 5));
            String what = mode + ", seed " + SEED + ", cancellation " + i + " at disk operation " + at
                    + " of an uncancelled " + operations;
            ConcurrentLinkedQueue<RecoveryEvent> events = new ConcurrentLinkedQueue<>();
            DiskProbe probe = new DiskProbe(0);
            DiskPause pause = DiskPause.atOperation(at);
            StoreRecovery recovery = new StoreRecovery(store, RecoveryOptions.defaults().withMode(mode)
                    .withListener(events::add), gate -> pause.apply(probe.apply(gate)));
            AtomicReference<RecoveryReport> report = new AtomicReference<>();
            AtomicReference<Throwable> error = new AtomicReference<>();
            AtomicLong returnedAt = new AtomicLong();
            Thread owner = Thread.ofPlatform().name("test-owner-" + i).start(() -> {
                try {
                    report.set(recovery.run());
                } catch (Throwable t) {
                    error.set(t);
                } finally {
                    returnedAt.set(System.nanoTime());
                    pause.runEnded();
                }
            });
            pause.awaitPaused();
            long closedAt = System.nanoTime();
            recovery.close();
            pause.release();
            assertThat(owner.join(PROMPT.plusSeconds(4))).as("%s: run() returned", what).isTrue();

            assertThat(error.get()).as(what).isNull();
            assertThat(Duration.ofNanos(returnedAt.get() - closedAt)).as("%s: time from close() to return", what)
                    .isLessThanOrEqualTo(PROMPT);
            RecoveryReport r = report.get();
            assertThat(r.runner()).as(what).isEqualTo(TestStores.expectedRunner(mode));
            assertFinishedExactlyOrCancelled(r, List.copyOf(events), what);
            assertNoRecoveryThreadAlive(probe, what);
            if (r.counts().get(Outcome.CANCELLED) > 0) {
                runsThatCancelled++;
            } else {
                runsThatFinished++;
            }
        }
        // Every moment falls inside a run, but the run may still finish: release() can reach the
        // paused operation before the cancellation's interrupt does, and that may be its last one.
        assertThat(runsThatCancelled).as("%s, seed %d: runs in which close() cancelled something (%d finished first; "
                + "an uncancelled run did %d disk operations)", mode, SEED, runsThatFinished, operations)
                .isGreaterThanOrEqualTo(cancellations / 2);
        assertThat(TestStores.digests(store)).as("no byte of the store changed").isEqualTo(digestsBefore);
    }

    /** The disk operations of an uncancelled recovery of the store in {@code mode}, which recovers every stream. */
    private static long uncancelledRunOperations(RecoveryOptions.Mode mode) throws Exception {
        DiskProbe probe = new DiskProbe(0);
        try (StoreRecovery r = new StoreRecovery(store, RecoveryOptions.defaults().withMode(mode), probe)) {
            assertThat(r.run().allRecovered()).as("the uncancelled %s run recovers every stream", mode).isTrue();
        }
        return probe.operations();
    }

    /**
     * Once close() returns, block tasks that have not read their block never do: only those
     * already holding one of the 4 block buffers may finish theirs. Here close() is called from
     * inside the 10th block read, and 128 blocks wait to be rebuilt.
     */
    @Test
    void afterCloseOnlyTheBlocksAlreadyHoldingABufferAreRead() throws Exception {
        int workers = 4;
        int closeAt = 10;
        AtomicInteger reads = new AtomicInteger();
        Map<Thread, AtomicInteger> opsPerThread = new ConcurrentHashMap<>();
        AtomicReference<StoreRecovery> self = new AtomicReference<>();
        // A block task's first disk operation stats its block, the second reads it.
        UnaryOperator<DiskGate> closeOnTenthRead = gate -> new DiskGate() {
            @Override
            public <T> T run(Io<T> io) throws java.io.IOException {
                return gate.run(() -> {
                    Thread t = Thread.currentThread();
                    if (t.getName().contains("/block-")
                            && opsPerThread.computeIfAbsent(t, k -> new AtomicInteger()).incrementAndGet() == 2
                            && reads.incrementAndGet() == closeAt) {
                        self.get().close();
                    }
                    return io.call();
                });
            }
        };
        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(store, RecoveryOptions.defaults().withWorkers(workers).withDios(4),
                closeOnTenthRead)) {
            self.set(r);
            report = r.run();
        }

        assertThat(report.counts().get(Outcome.CANCELLED)).isPositive();
        assertThat(reads.get()).as("blocks read in all").isBetween(closeAt, closeAt + workers - 1);
    }

    /**
     * A sequential recovery runs the streams one after another on the caller's thread: a close()
     * while the 3rd stream is being rebuilt cancels it and starts no other. Each disk operation is
     * held 5 ms, so a rebuild lasts ~100 ms, far longer than the listener's delay.
     */
    @Test
    void aSequentialRecoveryStartsNoStreamAfterClose() throws Exception {
        int closeAt = 3;
        AtomicInteger started = new AtomicInteger();
        AtomicReference<StoreRecovery> self = new AtomicReference<>();
        RecoveryListener closeOnThird = e -> {
            if (e instanceof RecoveryEvent.StreamStarted && started.incrementAndGet() == closeAt) {
                self.get().close();
            }
        };
        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(store, RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL)
                .withListener(closeOnThird), new DiskProbe(5_000_000L))) {
            self.set(r);
            report = r.run();
        }

        assertThat(started.get()).as("streams started").isEqualTo(closeAt);
        assertThat(report.counts().get(Outcome.CANCELLED)).isEqualTo(SPEC.streams() - closeAt + 1);
        assertFinishedExactlyOrCancelled(report, null, "sequential, closed at the 3rd stream");
    }

    /**
     * Discovery (one stat pass, here held 5 ms per operation) is not interrupted: a close() during
     * it takes effect when it ends, and every stream is reported cancelled, none failed and no
     * exception thrown.
     */
    @ParameterizedTest
    @EnumSource(RecoveryOptions.Mode.class)
    void aCloseDuringDiscoveryReportsEveryStreamCancelled(RecoveryOptions.Mode mode) throws Exception {
        AtomicReference<RecoveryReport> report = new AtomicReference<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        AtomicReference<Thread> ownerRef = new AtomicReference<>();
        DiskProbe probe = new DiskProbe(5_000_000L, t -> t == ownerRef.get());
        StoreRecovery recovery = new StoreRecovery(store, RecoveryOptions.defaults().withMode(mode), probe);
        Thread owner = Thread.ofPlatform().name("test-owner-discovery").unstarted(() -> {
            try {
                report.set(recovery.run());
            } catch (Throwable t) {
                error.set(t);
            }
        });
        ownerRef.set(owner);
        owner.start();
        long until = System.nanoTime() + 5_000_000_000L;
        while (probe.operations() < 3 && System.nanoTime() < until) {
            Thread.sleep(1);
        }
        assertThat(probe.operations()).as("discovery is under way").isGreaterThanOrEqualTo(3);
        recovery.close();
        assertThat(owner.join(Duration.ofSeconds(5))).isTrue();

        assertThat(error.get()).as(mode.toString()).isNull();
        assertThat(report.get().streams()).as(mode.toString()).hasSize(SPEC.streams())
                .allMatch(s -> s.outcome() == Outcome.CANCELLED);
    }

    static Stream<Arguments> closeMoments() {
        List<Arguments> out = new ArrayList<>();
        for (RecoveryOptions.Mode mode : RecoveryOptions.Mode.values()) {
            out.add(Arguments.of(mode, RecoveryEvent.StreamStarted.class));
            out.add(Arguments.of(mode, RecoveryEvent.ConsumersStarting.class));
        }
        return out.stream();
    }

    /**
     * An interrupt that reaches a read of the stream's or a consumer's meta files is a
     * cancellation, not damage: one stream with one consumer, every disk operation held 50 ms, and
     * close() as the stream starts (its meta.inf read is then held) or as its consumers start.
     */
    @ParameterizedTest(name = "{0}, close on {1}")
    @MethodSource("closeMoments")
    void aCloseDuringAMetaReadCancelsTheStreamRatherThanFailingIt(RecoveryOptions.Mode mode,
            Class<? extends RecoveryEvent> closeOn, @TempDir(factory = TestStores.FastTempDir.class) Path small)
            throws Exception {
        TestStores.generate(small, GeneratorSpec.of(1, 10, 8).withConsumers(1));
        List<RecoveryEvent> events = new ArrayList<>();
        AtomicReference<StoreRecovery> self = new AtomicReference<>();
        RecoveryListener closeOnEvent = e -> {
            events.add(e);
            if (closeOn.isInstance(e)) {
                self.get().close();
            }
        };
        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(small, RecoveryOptions.defaults().withMode(mode)
                .withListener(closeOnEvent), new DiskProbe(50_000_000L))) {
            self.set(r);
            report = r.run();
        }

        StreamReport s = report.streams().get(0);
        assertThat(s.outcome()).as("%s; problems %s, consumers %s", mode, s.problems(), s.consumers())
                .isEqualTo(Outcome.CANCELLED);
        assertThat(s.problems()).as(mode.toString()).isEmpty();
        assertThat(events).as(mode.toString()).noneMatch(e -> e instanceof RecoveryEvent.ConsumerFailed);
    }

    /**
     * S1..S16 sit on a "slow disk" (the probe holds each of their disk operations 5 s), S17..S20 do
     * not, and the gate is wide enough for all: at the deadline (1 s, room for a cold JVM) the
     * fast-path streams are done and the others are not, whatever the machine's speed.
     */
    @Test
    void aDeadlineCancelsTheStreamsNotFinishedByThenAndSaysWhich() throws Exception {
        ConcurrentLinkedQueue<RecoveryEvent> events = new ConcurrentLinkedQueue<>();
        DiskProbe probe = new DiskProbe(5_000_000_000L, t -> !onFastStream(t));
        Duration deadline = Duration.ofSeconds(1);
        long start = System.nanoTime();

        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(store, RecoveryOptions.defaults().withDios(64).withDeadline(deadline)
                .withListener(events::add), probe)) {
            report = r.run();
        }

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThanOrEqualTo(deadline.plus(PROMPT));
        assertFinishedExactlyOrCancelled(report, List.copyOf(events), "deadline " + deadline);
        assertNoRecoveryThreadAlive(probe, "deadline " + deadline);
        for (StreamReport s : report.streams()) {
            int i = Integer.parseInt(s.name().substring(1));
            assertThat(s.outcome()).as(s.name()).isEqualTo(i >= FAST_FROM ? Outcome.RECOVERED : Outcome.CANCELLED);
        }
    }

    /** Stream, consumer and block threads are named {@code "$G > S<i>..."}; discovery runs on the caller. */
    private static boolean onFastStream(Thread t) {
        String name = t.getName();
        if (!name.startsWith(TestStores.ACCOUNT + " > S")) {
            return true;
        }
        String digits = name.substring((TestStores.ACCOUNT + " > S").length()).split("[^0-9]", 2)[0];
        return Integer.parseInt(digits) >= FAST_FROM;
    }

    @Test
    void aDeadlineThatIsNotReachedCancelsNothing() throws Exception {
        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withDeadline(Duration.ofMinutes(1)));

        assertFinishedExactlyOrCancelled(report, null, "deadline 1 min");
        assertThat(report.counts().get(Outcome.CANCELLED)).isZero();
        assertThat(report.counts().get(Outcome.REBUILT)).isEqualTo(FAST_FROM - 1);
    }

    /**
     * Every stream either finished with exactly its generated state and both consumers, or is
     * CANCELLED with no state; an interrupt never shows up as damage or failure; and the listener
     * was told the same outcome for each stream as the report says.
     */
    private static void assertFinishedExactlyOrCancelled(RecoveryReport report, List<RecoveryEvent> events, String what) {
        assertThat(report.streams()).as(what).hasSize(SPEC.streams());
        for (StreamReport s : report.streams()) {
            int i = Integer.parseInt(s.name().substring(1));
            String which = what + ": " + s.name();
            assertThat(s.problems()).as(which).noneMatch(p -> p.severity() != Problem.Severity.WARNING);
            switch (s.outcome()) {
                case CANCELLED -> assertThat(s.state()).as(which).isNull();
                case RECOVERED, REBUILT -> {
                    assertThat(s.outcome()).as(which).isEqualTo(i >= FAST_FROM ? Outcome.RECOVERED : Outcome.REBUILT);
                    assertThat(TestStores.Expected.of(s)).as(which).isEqualTo(TestStores.Expected.of(SPEC, i));
                    assertThat(s.consumers()).as(which).hasSize(2).allMatch(c -> c instanceof ConsumerOutcome.Restored);
                }
                case FAILED -> throw new AssertionError(which + " failed: " + s.problems());
            }
        }
        if (events == null) {
            return;
        }
        Map<String, Outcome> told = new HashMap<>();
        for (RecoveryEvent e : events) {
            if (e instanceof RecoveryEvent.StreamFinished f) {
                assertThat(told.put(f.report().name(), f.report().outcome())).as("%s: %s finished twice", what,
                        f.report().name()).isNull();
            }
        }
        Map<String, Outcome> reported = new HashMap<>();
        report.streams().forEach(s -> reported.put(s.name(), s.outcome()));
        assertThat(told).as("%s: outcomes told to the listener", what).isEqualTo(reported);
        assertThat(events.getLast()).as(what).isInstanceOf(RecoveryEvent.RecoveryFinished.class);
    }

    /**
     * No thread of the recovery outlives {@code run()}: every thread that did a disk operation has
     * ended (but the calling one, which discovers the store), no platform thread named
     * {@code jetstart-*} (the event reporter) is left, and a JDK thread dump, which unlike
     * {@link Thread#getAllStackTraces()} lists virtual threads, holds none named after a stream,
     * consumer or block ({@code "$G > ..."}) or {@code jetstart-*}.
     */
    private static void assertNoRecoveryThreadAlive(DiskProbe probe, String what) throws Exception {
        assertThat(probe.threads()).as("%s: threads that did disk operations", what)
                .noneMatch(t -> t != Thread.currentThread() && t.isAlive());
        assertThat(Thread.getAllStackTraces().keySet()).as("%s: platform threads", what)
                .noneMatch(t -> isRecoveryThreadName(t.getName()));
        assertThat(ThreadDump.names()).as("%s: threads in a JDK thread dump", what)
                .noneMatch(CancellationTest::isRecoveryThreadName);
    }

    private static boolean isRecoveryThreadName(String name) {
        return name.startsWith(TestStores.ACCOUNT + " > ") || name.startsWith("jetstart-");
    }
}
