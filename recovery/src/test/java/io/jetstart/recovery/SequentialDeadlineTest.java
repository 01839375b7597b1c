package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In sequential mode the deadline interrupts the stream being recovered, not only the ones after it. */
@Tag("both-paths")
class SequentialDeadlineTest {

    @Test
    void aDeadlineStopsTheStreamInProgressInSequentialMode(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        TestStores.generate(store, GeneratorSpec.of(1, 400_000, 128));
        TestStores.dropIndexes(store);
        RecoveryOptions sequential = RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL);

        RecoveryReport whole = StoreRecovery.recover(store, sequential);
        assertThat(whole.streams().get(0).outcome()).isEqualTo(Outcome.REBUILT);
        // A tenth of the whole run: well inside the rebuild however fast this machine (or a warm JVM) is.
        Duration deadline = Duration.ofNanos(Math.max(1_000_000, whole.wallNanos() / 10));
        assumeTrue(whole.wallNanos() >= 5_000_000, "a rebuild under 5 ms leaves no room for a deadline inside it");

        long start = System.nanoTime();
        RecoveryReport cut = StoreRecovery.recover(store, sequential.withDeadline(deadline));
        long took = System.nanoTime() - start;

        assertThat(cut.streams().get(0).outcome()).as("the one stream, interrupted mid-rebuild").isEqualTo(Outcome.CANCELLED);
        assertThat(Duration.ofNanos(took)).as("returned promptly after the deadline (whole run: %d ms)", whole.wallNanos() / 1_000_000)
                .isLessThan(deadline.plusSeconds(1));
        assertThat(Thread.currentThread().isInterrupted()).as("the deadline's interrupt does not leak to the caller").isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("jetstart-deadline"));
    }
}
