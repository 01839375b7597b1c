package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.recovery.ConsumerOutcome;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.StoreRecovery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A consumer directory that a create killed half-way left (no {@code o.dat}, and not both meta
 * files) is no consumer, for nats-server (it skips a consumer without {@code meta.inf} or
 * {@code meta.sum}) and now for the runtime: it holds no message of its interest stream, where
 * before the runtime held them all for it and said so at every open, until an operator moved the
 * directory out (InterestCrashIT's kills during "creating C3" left such directories). A directory
 * whose {@code o.dat} is there holds state and still holds the messages
 * (UnrestoredConsumerInterestTest).
 */
class UnmadeConsumerInterestTest {
    @TempDir
    Path dir;

    /** Stream I (interest) with consumer A, which acked the first ten of twenty (B moved out). */
    private Path interestStreamWithA() throws Exception {
        DoubtedConsumerInterestTest.fill(dir);
        Files.move(dir.resolve("jetstream/$G/streams/I/obs/B"), dir.resolve("B-moved-out"));
        return dir.resolve("jetstream/$G/streams/I/obs");
    }

    @ParameterizedTest
    @ValueSource(strings = {"an empty directory", "meta.inf alone", "a temp file alone"})
    void aCreateKilledBeforeItsFilesWereInPlaceHoldsNothingAndItsNameCanBeCreated(String left) throws Exception {
        Path obs = interestStreamWithA();
        Path c = Files.createDirectories(obs.resolve("C"));
        switch (left) {
            case "meta.inf alone" -> Files.copy(obs.resolve("A/meta.inf"), c.resolve("meta.inf"));
            case "a temp file alone" -> Files.write(c.resolve(".meta.inf.4711.tmp"), new byte[] {'{'});
            default -> {
            }
        }

        var report = StoreRecovery.recover(dir, RecoveryOptions.defaults());
        var failed = report.streams().getFirst().consumers().stream()
                .filter(o -> o instanceof ConsumerOutcome.Failed).map(o -> (ConsumerOutcome.Failed) o).toList();
        assertThat(failed).as("still reported, as nats-server warns of it").hasSize(1);
        assertThat(failed.getFirst().name()).isEqualTo("C");
        assertThat(failed.getFirst().unmade()).isTrue();

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(Duration.ofSeconds(30));
            assertThat(s.unrestoredConsumers()).isEmpty();
            assertThat(s.info().messages()).as("A's ten acked ones swept, as nats-server sweeps them").isEqualTo(10);
            s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            assertThat(s.consumerNames()).containsExactlyInAnyOrder("A", "C");
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(Duration.ofSeconds(30));
            assertThat(s.consumerNames()).as("made now, restored as any other").containsExactlyInAnyOrder("A", "C");
            assertThat(s.consumer("C").status().numPending()).as("C holds the ten left").isEqualTo(10);
        }
    }

    @Test
    void aDirectoryWithItsStateButNoMetaFilesStillHoldsEveryMessage() throws Exception {
        Path obs = interestStreamWithA();
        Path c = Files.createDirectories(obs.resolve("C"));
        Files.copy(obs.resolve("A/o.dat"), c.resolve("o.dat"));

        var report = StoreRecovery.recover(dir, RecoveryOptions.defaults());
        var failed = report.streams().getFirst().consumers().stream()
                .filter(o -> o instanceof ConsumerOutcome.Failed).map(o -> (ConsumerOutcome.Failed) o).toList();
        assertThat(failed).hasSize(1);
        assertThat(failed.getFirst().unmade()).as("its o.dat holds state").isFalse();

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(Duration.ofSeconds(30));
            assertThat(s.unrestoredConsumers()).containsOnlyKeys("C");
            assertThat(s.info().messages()).as("kept for C, which may need them").isEqualTo(20);
        }
    }
}
