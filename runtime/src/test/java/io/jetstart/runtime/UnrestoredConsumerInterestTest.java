package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.StoreRecovery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interest stream one of whose consumers cannot be restored (its meta.inf cut) keeps every
 * message in the runtime: neither the startup interest sweep nor the other consumer's acks remove
 * what the lost consumer may still need, and no block is rewritten. A read-only recovery still
 * reports what nats-server does (it sweeps with the consumers it loaded). Found by the hostile-store
 * campaign: 2.9.10's INT1 with obs/C1/meta.inf cut lost 1.blk from 136,000 to 54,400 bytes.
 */
class UnrestoredConsumerInterestTest {
    @TempDir
    Path dir;

    @Test
    void nothingIsRemovedByInterestWhileAConsumerCouldNotBeRestored() throws Exception {
        // Stream I (interest), consumers A and B, 20 messages; A acked the first ten, B nothing, so all twenty stay.
        DoubtedConsumerInterestTest.fill(dir);
        Path bMeta = dir.resolve("jetstream/$G/streams/I/obs/B/meta.inf");
        byte[] whole = Files.readAllBytes(bMeta);
        Files.write(bMeta, java.util.Arrays.copyOf(whole, whole.length - 20));
        Path block = dir.resolve("jetstream/$G/streams/I/msgs/1.blk");
        byte[] blockBefore = Files.readAllBytes(block);

        // What nats-server does at its start (B skipped, A's acks sweep): what a read-only recovery reports.
        var report = StoreRecovery.recover(dir, RecoveryOptions.defaults());
        assertThat(report.streams().getFirst().state().messages()).as("the server's view: B skipped, A's ten swept").isEqualTo(10);

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(Duration.ofSeconds(30));
            assertThat(s.unrestoredConsumers()).containsOnlyKeys("B");
            assertThat(s.info().messages()).as("kept for B, which may need them").isEqualTo(20);
            PullConsumer a = s.consumer("A");
            List<ConsumedMessage> rest = a.fetch(10, 0, Duration.ZERO);
            assertThat(rest).hasSize(10);
            for (ConsumedMessage m : rest) {
                m.ack();
            }
            s.publish("i.x", bytes("m21"));
            assertThat(s.info().messages()).isEqualTo(21);
        }
        byte[] blockAfter = Files.readAllBytes(block);
        assertThat(java.util.Arrays.copyOf(blockAfter, blockBefore.length)).as("no block rewritten").isEqualTo(blockBefore);

        // Once B is mended (here: its directory moved out), interest applies again.
        Files.move(dir.resolve("jetstream/$G/streams/I/obs/B"), dir.resolve("B-moved-out"));
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(Duration.ofSeconds(30));
            assertThat(s.unrestoredConsumers()).isEmpty();
            assertThat(s.info().messages()).as("A acked all but the last").isEqualTo(1);
        }
    }
}
