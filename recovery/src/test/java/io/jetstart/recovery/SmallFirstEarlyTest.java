package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import java.io.RandomAccessFile;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A parallel small-first run without named streams starts the streams the plan surely takes as
 * small before discovery's stat pass (StoreLayout.findSmall, then {@link NamedFirstStart}), and
 * reports what the sequential plain start reports: streams, consumers, skips, line and checksum.
 *
 * <p>The store: S1 and S2 of 20 messages with 2 consumers each, and S3 of 20 messages whose second
 * block is a sparse 1 MiB of zeros (reported lost by both starts), so that S1 and S2 together are
 * under 1 % of the store; plus what discovery passes over (a stream being deleted, a file).
 */
class SmallFirstEarlyTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(3, 20, 64).withConsumers(2);

    @TempDir(factory = TestStores.FastTempDir.class)
    static Path store;

    @BeforeAll
    static void generate() throws Exception {
        TestStores.generate(store, SPEC);
        try (RandomAccessFile f = new RandomAccessFile(TestStores.streamDir(store, "S3").resolve("msgs").resolve("2.blk").toFile(), "rw")) {
            f.setLength(1L << 20);
        }
        Path streams = TestStores.streamDir(store, "S1").getParent();
        Files.createDirectories(streams.resolve(".S99").resolve("msgs"));
        Files.writeString(streams.resolve("S5x"), "not a stream");
    }

    private static RecoveryOptions smallFirst() {
        return RecoveryOptions.defaults().withSmallFirst(true);
    }


    /** Is the current thread the named start's discovery task? */
    private static boolean onDiscovery() {
        return Thread.currentThread().getName().equals("discovery");
    }

    @Test
    void theReportIsTheSequentialPlainStartsSkipsLineAndChecksumIncluded() throws Exception {
        RecoveryReport plain = StoreRecovery.recover(store, smallFirst().withMode(RecoveryOptions.Mode.SEQUENTIAL));
        RecoveryReport early = StoreRecovery.recover(store, smallFirst());

        assertThat(plain.streams()).hasSize(SPEC.streams());
        assertThat(plain.skipped()).hasSize(2);
        assertThat(SaidReports.said(early)).isEqualTo(SaidReports.said(plain));
        for (StreamReport s : early.streams()) {
            if (!s.name().equals("S3")) {
                assertThat(TestStores.Expected.of(s)).isEqualTo(TestStores.Expected.of(SPEC, Integer.parseInt(s.name().substring(1))));
            }
        }
    }

    @Test
    void onlyTheStreamsAskedForAreRecoveredAsThePlainStartDoes() throws Exception {
        Set<String> only = Set.of("S1", "S3");
        RecoveryReport plain = StoreRecovery.recover(store, smallFirst().withMode(RecoveryOptions.Mode.SEQUENTIAL).withOnlyStreams(only));
        RecoveryReport early = StoreRecovery.recover(store, smallFirst().withOnlyStreams(only));

        assertThat(early.streams()).extracting(StreamReport::name).containsExactly("S1", "S3");
        assertThat(SaidReports.said(early)).isEqualTo(SaidReports.said(plain));
    }

    /**
     * Discovery's first disk operation is held until a stream's task has done one (10 s at most):
     * the plain start runs no stream before discovery ends, so there it would wait in vain. Only the
     * small streams run before discovery; the listener hears RecoveryStarted first, with the whole
     * plan's counts, and every stream's end once.
     */
    @Test
    void theSmallStreamsRunBeforeDiscoveryAndTheListenerHearsTheWholePlanFirst() throws Exception {
        CountDownLatch streamOp = new CountDownLatch(1);
        AtomicBoolean held = new AtomicBoolean();
        AtomicBoolean sawStreamWhileHeld = new AtomicBoolean();
        Set<String> beforeDiscovery = Collections.synchronizedSet(new HashSet<>());
        BeforeDiskOperation probe = new BeforeDiskOperation(() -> {
            String stream = Hold.streamOf(Thread.currentThread().getName());
            if (stream != null) {
                if (!held.get()) {
                    beforeDiscovery.add(stream);
                }
                streamOp.countDown();
            } else if (onDiscovery() && held.compareAndSet(false, true)) {
                try {
                    sawStreamWhileHeld.set(streamOp.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        List<RecoveryEvent> events = Collections.synchronizedList(new ArrayList<>());
        RecoveryReport report = new StoreRecovery(store, smallFirst().withListener(events::add), probe).run();

        assertThat(held).as("discovery ran as a task of its own").isTrue();
        assertThat(sawStreamWhileHeld).as("a stream's task read before discovery").isTrue();
        assertThat(beforeDiscovery).isNotEmpty().isSubsetOf("S1", "S2");
        assertThat(SaidReports.said(report)).isEqualTo(SaidReports.said(StoreRecovery.recover(store, smallFirst().withMode(RecoveryOptions.Mode.SEQUENTIAL))));
        SaidReports.heardTheWholePlanFirst(events, report, SPEC.streams());
    }

    /**
     * A close() at discovery's first operation: discovery runs to its end, and the run returns
     * without an exception, naming every stream: the small ones recovered (they ended before
     * discovery began) or cancelled, the large one cancelled, none failed, no stream's thread left.
     */
    @Test
    void aCloseDuringDiscoveryReportsEveryStreamRecoveredOrCancelled() throws Exception {
        AtomicReference<StoreRecovery> self = new AtomicReference<>();
        AtomicBoolean closed = new AtomicBoolean();
        Set<Thread> streamThreads = Collections.synchronizedSet(new HashSet<>());
        BeforeDiskOperation probe = new BeforeDiskOperation(() -> {
            if (Hold.streamOf(Thread.currentThread().getName()) != null) {
                streamThreads.add(Thread.currentThread());
            } else if (onDiscovery() && closed.compareAndSet(false, true)) {
                self.get().close();
            }
        });
        StoreRecovery recovery = new StoreRecovery(store, smallFirst(), probe);
        self.set(recovery);
        RecoveryReport report = recovery.run();

        assertThat(closed).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(report.streams()).extracting(StreamReport::name).containsExactly("S1", "S2", "S3");
        assertThat(report.skipped()).hasSize(2);
        assertThat(report.counts().get(Outcome.FAILED)).isZero();
        for (StreamReport s : report.streams()) {
            if (s.name().equals("S3")) {
                assertThat(s.outcome()).isEqualTo(Outcome.CANCELLED);
            } else if (s.outcome() != Outcome.CANCELLED) {
                assertThat(s.outcome()).isEqualTo(Outcome.RECOVERED);
                assertThat(TestStores.Expected.of(s)).isEqualTo(TestStores.Expected.of(SPEC, Integer.parseInt(s.name().substring(1))));
            }
        }
        assertThat(streamThreads).isNotEmpty().noneMatch(Thread::isAlive);
    }

    /**
     * A deadline that passes while discovery is held: the large stream is reported cancelled, the
     * small ones recovered as generated or cancelled, none failed, the run not failed.
     */
    @Test
    void aDeadlinePassedDuringDiscoveryFailsNothing() throws Exception {
        AtomicBoolean held = new AtomicBoolean();
        BeforeDiskOperation probe = new BeforeDiskOperation(() -> {
            if (onDiscovery() && held.compareAndSet(false, true)) {
                try {
                    Thread.sleep(600); // past the 300 ms deadline
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        RecoveryReport report = new StoreRecovery(store, smallFirst().withDeadline(Duration.ofMillis(300)), probe).run();

        assertThat(held).isTrue();
        assertThat(report.streams()).extracting(StreamReport::name).containsExactly("S1", "S2", "S3");
        assertThat(report.skipped()).hasSize(2);
        assertThat(report.counts().get(Outcome.FAILED)).isZero();
        for (StreamReport s : report.streams()) {
            if (s.name().equals("S3")) {
                assertThat(s.outcome()).isEqualTo(Outcome.CANCELLED);
            } else if (s.outcome() != Outcome.CANCELLED) {
                assertThat(TestStores.Expected.of(s)).isEqualTo(TestStores.Expected.of(SPEC, Integer.parseInt(s.name().substring(1))));
            }
        }
    }
}
