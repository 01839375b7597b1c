package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In sequential mode the deadline interrupts the stream being recovered, not only the ones after it. */
@Tag("both-paths")
class SequentialDeadlineTest {

    /**
     * The rebuild's first block read is paused and never released: only the deadline's interrupt
     * can end it (or {@link DiskPause#BOUND} later, with the stream rebuilt, which fails the test).
     * The deadline (1 s) leaves room for discovery and the meta reads, which a warm JVM does in
     * milliseconds; a deadline drawn from a measured rebuild passed before or after the rebuild
     * when the machine's load changed between the two runs.
     */
    @Test
    void aDeadlineStopsTheStreamInProgressInSequentialMode(@TempDir(factory = TestStores.FastTempDir.class) Path tmp)
            throws Exception {
        Path store = tmp.resolve("store");
        TestStores.generate(store, GeneratorSpec.of(1, 2_000, 128));
        TestStores.dropIndexes(store);
        RecoveryOptions sequential = RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL);
        assertThat(StoreRecovery.recover(store, sequential).streams().get(0).outcome())
                .as("without a deadline the stream is rebuilt (this run also warms the JVM)").isEqualTo(Outcome.REBUILT);
        Duration deadline = Duration.ofSeconds(1);
        DiskPause firstBlockRead = DiskPause.atFirstBlockRead();

        long start = System.nanoTime();
        RecoveryReport cut;
        try (StoreRecovery r = new StoreRecovery(store, sequential.withDeadline(deadline), firstBlockRead)) {
            cut = r.run();
        }
        long took = System.nanoTime() - start;

        assertThat(firstBlockRead.paused()).as("the rebuild reached its first block read").isTrue();
        assertThat(firstBlockRead.interruptedWhilePaused()).as("the deadline interrupted the read in progress").isTrue();
        assertThat(cut.streams().get(0).outcome()).as("the one stream, interrupted mid-rebuild").isEqualTo(Outcome.CANCELLED);
        assertThat(Duration.ofNanos(took)).as("returned promptly after the deadline").isLessThan(deadline.plusSeconds(1));
        assertThat(Thread.currentThread().isInterrupted()).as("the deadline's interrupt does not leak to the caller").isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("jetstart-deadline"));
    }
}
