package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipelined start ({@link PipelinedStart}): a parallel run of a store of more streams than the
 * line detector's sample forks its first streams while discovery goes on, and its report, skips,
 * line and first event are the plain start's (a sequential run starts the plain way).
 *
 * <p>The store: 60 streams of 20 messages with 2 consumers each, plus what discovery passes over
 * among them (a stream being deleted, a file).
 */
class PipelinedStartTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(60, 20, 64).withConsumers(2);
    /**
     * A discovery operation of the run's thread after the sample's streams are found and the line
     * detected (4 operations to reach the streams, 3 per stream, one or two per sampled stream's
     * clue), and well before discovery's end (about 4 + 3 x 61 + 32).
     */
    static final int HOLD_AT = 180;

    @TempDir(factory = TestStores.FastTempDir.class)
    static Path store;

    @BeforeAll
    static void generate() throws Exception {
        TestStores.generate(store, SPEC);
        Path streams = TestStores.streamDir(store, "S1").getParent();
        Files.createDirectories(streams.resolve(".S99").resolve("msgs"));
        Files.writeString(streams.resolve("S5x"), "not a stream");
    }


    @Test
    void aParallelRunReportsWhatTheSequentialPlainStartReportsSkipsAndLineIncluded() throws Exception {
        RecoveryReport plain = StoreRecovery.recover(store, RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL));
        RecoveryReport pipelined = StoreRecovery.recover(store, RecoveryOptions.defaults());

        assertThat(plain.streams()).hasSize(SPEC.streams());
        assertThat(plain.skipped()).hasSize(2);
        assertThat(SaidReports.said(pipelined)).isEqualTo(SaidReports.said(plain));
        for (StreamReport s : pipelined.streams()) {
            assertThat(TestStores.Expected.of(s)).isEqualTo(TestStores.Expected.of(SPEC, Integer.parseInt(s.name().substring(1))));
        }
    }

    /**
     * With a key, the detector opens the smallest sealed index.db of the whole plan: here 2.15.1's
     * encrypted {@code PALL} (v4), in account {@code $G}, found after the 60 plain streams, moved to
     * account {@code #P} (discovery lists accounts in byte order). The line is decided at discovery's
     * end, as the plain start decides it, not on the first 32 plain streams (index.db v3: 2.12).
     */
    @Test
    void withAKeyTheLineIsDecidedAtDiscoverysEndAsThePlainStartDecidesIt(@TempDir(factory = TestStores.FastTempDir.class) Path dir)
            throws Exception {
        TestStores.generate(dir, SPEC);
        Path jetstream = dir.resolve("jetstream");
        Files.move(jetstream.resolve(TestStores.ACCOUNT), jetstream.resolve("#P"));
        io.jetstart.core.testing.Fixtures.copyTree(io.jetstart.core.testing.Fixtures.root()
                .resolve("nats-2.15.1-aes/store/jetstream/$G/streams/PALL"), jetstream.resolve("$G/streams/PALL"));
        io.jetstart.core.crypto.StoreKey key = io.jetstart.core.crypto.StoreKey.ofText(
                io.jetstart.core.testing.Fixtures.key("nats-2.15.1-aes").orElseThrow());

        RecoveryReport plain = StoreRecovery.recover(dir, RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL)
                .withKey(key));
        RecoveryReport pipelined = StoreRecovery.recover(dir, RecoveryOptions.defaults().withKey(key));

        assertThat(plain.serverLine().line()).isEqualTo(io.jetstart.core.lines.ServerLine.V2_15);
        assertThat(plain.serverLine().evidence()).contains("encrypted index.db v4 (2.14 or newer), opened with the key (1 stream)");
        assertThat(pipelined.serverLine()).isEqualTo(plain.serverLine());
        assertThat(SaidReports.said(pipelined)).isEqualTo(SaidReports.said(plain));
        assertThat(pipelined.streams()).hasSize(SPEC.streams() + 1);
    }

    /**
     * A stream of more than {@link FirstStreams#SMALL_MAX_BYTES} found after the line's sample
     * (here {@code S50}, given a second block: a sparse file of zeros one byte over the limit, which
     * both starts report as lost) ends the early forks: it and every stream not yet forked start at
     * discovery's end, in the plain start's order. Checked here: every stream is still recovered and
     * the report, the large stream's problems included, is the sequential plain start's.
     */
    @Test
    void aLargeStreamAfterTheSampleEndsTheEarlyForksAndTheReportIsThePlainStarts(@TempDir(factory = TestStores.FastTempDir.class) Path dir)
            throws Exception {
        TestStores.generate(dir, SPEC);
        Path block = TestStores.streamDir(dir, "S50").resolve("msgs").resolve("2.blk");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(block.toFile(), "rw")) {
            f.setLength(FirstStreams.SMALL_MAX_BYTES + 1);
        }
        RecoveryReport plain = StoreRecovery.recover(dir, RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL));
        RecoveryReport pipelined = StoreRecovery.recover(dir, RecoveryOptions.defaults());

        assertThat(plain.streams()).hasSize(SPEC.streams());
        StreamReport large = null;
        for (StreamReport r : plain.streams()) {
            if (r.name().equals("S50")) {
                large = r;
            }
        }
        assertThat(large).isNotNull();
        assertThat(large.blockBytes()).isGreaterThan(FirstStreams.SMALL_MAX_BYTES);
        assertThat(large.problems()).isNotEmpty();
        assertThat(SaidReports.said(pipelined)).isEqualTo(SaidReports.said(plain));
    }

    @Test
    void onlyTheStreamsAskedForAreRecoveredAsThePlainStartDoes() throws Exception {
        Set<String> only = new HashSet<>();
        for (int i = 1; i <= 45; i += 1) {
            only.add("S" + i);
        }
        RecoveryReport plain = StoreRecovery.recover(store,
                RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL).withOnlyStreams(only));
        RecoveryReport pipelined = StoreRecovery.recover(store, RecoveryOptions.defaults().withOnlyStreams(only));

        assertThat(pipelined.streams()).hasSize(45);
        assertThat(SaidReports.said(pipelined)).isEqualTo(SaidReports.said(plain));
    }

    /**
     * The run's thread is held at a discovery operation after the sample's streams are found, until
     * a stream's task does a disk operation (10 s at most): the plain start forks nothing before
     * discovery ends, so there it would wait in vain. The listener still hears RecoveryStarted first,
     * with the whole plan's counts, and every stream's end once.
     */
    @Test
    void theFirstStreamsRunWhileDiscoveryGoesOnAndTheListenerHearsTheWholePlanFirst() throws Exception {
        AtomicReference<Thread> owner = new AtomicReference<>();
        AtomicInteger ownerOps = new AtomicInteger();
        CountDownLatch streamOp = new CountDownLatch(1);
        AtomicBoolean sawStreamWhileHeld = new AtomicBoolean();
        BeforeDiskOperation probe = new BeforeDiskOperation(() -> {
            if (Thread.currentThread() != owner.get()) {
                streamOp.countDown();
            } else if (ownerOps.incrementAndGet() == HOLD_AT) {
                try {
                    sawStreamWhileHeld.set(streamOp.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        List<RecoveryEvent> events = Collections.synchronizedList(new ArrayList<>());
        RecoveryOptions options = RecoveryOptions.defaults().withListener(events::add);
        owner.set(Thread.currentThread());
        RecoveryReport report = new StoreRecovery(store, options, probe).run();

        assertThat(sawStreamWhileHeld).as("a stream's task read while discovery was held").isTrue();
        assertThat(ownerOps.get()).as("discovery went on after the hold").isGreaterThan(HOLD_AT);
        assertThat(report.allRecovered()).isTrue();
        SaidReports.heardTheWholePlanFirst(events, report, SPEC.streams());
    }

    /**
     * A close() once the first streams have started, while discovery goes on: discovery runs to its
     * end, nothing more is forked, and the run returns without an exception, naming every stream:
     * recovered as generated, or cancelled (those found after the close, at least), none failed, and
     * no stream's thread left.
     */
    @Test
    void aCloseDuringDiscoveryAfterTheFirstForksReportsEveryStreamRecoveredOrCancelled() throws Exception {
        AtomicReference<Thread> owner = new AtomicReference<>();
        AtomicReference<StoreRecovery> self = new AtomicReference<>();
        AtomicInteger ownerOps = new AtomicInteger();
        CountDownLatch streamOp = new CountDownLatch(1);
        Set<Thread> streamThreads = Collections.synchronizedSet(new HashSet<>());
        BeforeDiskOperation probe = new BeforeDiskOperation(() -> {
            if (Thread.currentThread() != owner.get()) {
                streamThreads.add(Thread.currentThread());
                streamOp.countDown();
            } else if (ownerOps.incrementAndGet() == HOLD_AT) {
                try {
                    streamOp.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                self.get().close();
            }
        });
        owner.set(Thread.currentThread());
        StoreRecovery recovery = new StoreRecovery(store, RecoveryOptions.defaults(), probe);
        self.set(recovery);
        RecoveryReport report = recovery.run();

        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(report.streams()).hasSize(SPEC.streams());
        assertThat(report.counts().get(Outcome.FAILED)).isZero();
        assertThat(report.counts().get(Outcome.CANCELLED)).as("the streams found after the close at least").isGreaterThanOrEqualTo(10);
        for (StreamReport s : report.streams()) {
            if (s.outcome() != Outcome.CANCELLED) {
                assertThat(s.outcome()).isEqualTo(Outcome.RECOVERED);
                assertThat(TestStores.Expected.of(s)).isEqualTo(TestStores.Expected.of(SPEC, Integer.parseInt(s.name().substring(1))));
            } else {
                assertThat(s.state()).isNull();
            }
        }
        assertThat(streamThreads).isNotEmpty().noneMatch(Thread::isAlive);
    }

    /**
     * A deadline that passes while discovery is held after the first forks: the streams found after
     * it are not forked and are reported cancelled, the early ones recovered as generated or
     * cancelled at the group's join, none failed, the run not failed.
     */
    @Test
    void aDeadlinePassedDuringDiscoveryForksNoMoreStreamsAndFailsNothing() throws Exception {
        AtomicReference<Thread> owner = new AtomicReference<>();
        AtomicInteger ownerOps = new AtomicInteger();
        BeforeDiskOperation probe = new BeforeDiskOperation(() -> {
            if (Thread.currentThread() == owner.get() && ownerOps.incrementAndGet() == HOLD_AT) {
                try {
                    Thread.sleep(600); // past the 200 ms deadline
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        owner.set(Thread.currentThread());
        RecoveryReport report = new StoreRecovery(store, RecoveryOptions.defaults().withDeadline(Duration.ofMillis(200)), probe).run();

        assertThat(report.streams()).hasSize(SPEC.streams());
        assertThat(report.skipped()).hasSize(2);
        assertThat(report.counts().get(Outcome.FAILED)).isZero();
        assertThat(report.counts().get(Outcome.CANCELLED)).as("the streams found after the deadline at least").isGreaterThanOrEqualTo(10);
        for (StreamReport s : report.streams()) {
            if (s.outcome() != Outcome.CANCELLED) {
                assertThat(TestStores.Expected.of(s)).isEqualTo(TestStores.Expected.of(SPEC, Integer.parseInt(s.name().substring(1))));
            }
        }
    }
}
