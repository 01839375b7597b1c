package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.MetaFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer whose {@code meta.inf} may be damaged is reported, not delivered, and holds every
 * message of its interest stream: its {@code meta.sum} does not match (a flipped byte turned
 * {@code ack_policy} into {@code ack_pklicy}, which nats-server 2.10 reads as ack none, so its
 * deliveries would remove messages; 2.11+ stop the stream for that unknown key), or the file names another consumer than its directory (the server would
 * start that one anew elsewhere; the runtime wrote its o.dat into a directory that did not exist and
 * failed at close). Found by the hostile-store campaign on 2.9.10's INT1 (obs/C1/meta.inf: 1.blk
 * compacted from 136,000 to 63,920 bytes; a flipped name, and close() failed).
 */
class DoubtedConsumerInterestTest {
    @TempDir
    Path dir;

    @Test
    void aConsumerWhoseChecksumDoesNotMatchIsNotDeliveredAndHoldsItsMessages() throws Exception {
        fill(dir);
        Path bMeta = dir.resolve("jetstream/$G/streams/I/obs/B/meta.inf");
        String text = Files.readString(bMeta, StandardCharsets.ISO_8859_1);
        // A flipped digit keeps every key known. (The campaign's flip, "ack_policy" to "ack_pklicy",
        // is an unknown key too, for which nats-server 2.11+ stop the whole stream: the runtime
        // serves such a stream read-only, OddConsumerConfigTest.)
        assertThat(text).contains("\"max_ack_pending\":1000");
        Files.writeString(bMeta, text.replace("\"max_ack_pending\":1000", "\"max_ack_pending\":1001"), StandardCharsets.ISO_8859_1);
        Path block = dir.resolve("jetstream/$G/streams/I/msgs/1.blk");
        byte[] blockBefore = Files.readAllBytes(block);

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(Duration.ofSeconds(30));
            assertThat(s.consumerInfo("B").notDelivered()).get().asString()
                    .contains("meta.sum does not match its meta.inf").contains("mend its meta.inf");
            assertThat(s.info().messages()).as("A acked ten; B may need them all").isEqualTo(20);
            ackAll(s.consumer("A"), 10);
            s.publish("i.x", bytes("m21"));
            assertThat(s.info().messages()).as("nothing removed by interest while B is doubted").isEqualTo(21);
        }
        byte[] blockAfter = Files.readAllBytes(block);
        assertThat(java.util.Arrays.copyOf(blockAfter, blockBefore.length)).as("no block rewritten").isEqualTo(blockBefore);

        // Deleted on purpose, B holds nothing any more: A's acks remove what they release.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(Duration.ofSeconds(30));
            assertThat(s.info().messages()).isEqualTo(21);
            s.deleteConsumer("B");
            assertThat(s.info().messages()).as("A acked all but m21").isEqualTo(1);
        }
    }

    @Test
    void aConsumerWhoseMetaInfNamesAnotherIsNotDeliveredAndCloseWritesNothingElsewhere() throws Exception {
        fill(dir);
        Path bDir = dir.resolve("jetstream/$G/streams/I/obs/B");
        String text = Files.readString(bDir.resolve("meta.inf"), StandardCharsets.ISO_8859_1);
        byte[] renamed = text.replace("\"B\"", "\"Z\"").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(new String(renamed, StandardCharsets.ISO_8859_1)).contains("\"Z\"").doesNotContain("\"B\"");
        // The checksum the server would write for this directory: only the name is wrong.
        MetaFiles.writeConsumer(bDir, "I", "B", renamed);
        // What inspect and recover report: the consumer as its directory holds it, with a warning naming the file.
        var report = io.jetstart.recovery.StoreRecovery.recover(dir, io.jetstart.recovery.RecoveryOptions.defaults());
        var b = report.streams().getFirst().consumers().stream()
                .filter(o -> o instanceof io.jetstart.recovery.ConsumerOutcome.Restored r && r.info().name().equals("B"))
                .map(o -> ((io.jetstart.recovery.ConsumerOutcome.Restored) o).info()).findFirst().orElseThrow();
        assertThat(b.problems()).anySatisfy(p -> {
            assertThat(p.file()).isEqualTo(bDir.resolve("meta.inf"));
            assertThat(p.message()).contains("names consumer 'Z', not its directory's 'B'");
        });

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(Duration.ofSeconds(30));
            assertThat(s.consumerNames()).contains("B").doesNotContain("Z");
            assertThat(s.consumerInfo("B").notDelivered()).get().asString()
                    .contains("names consumer 'Z', not its directory's 'B'");
            ackAll(s.consumer("A"), 10);
            assertThat(s.info().messages()).isEqualTo(20);
        }
        assertThat(dir.resolve("jetstream/$G/streams/I/obs/Z")).as("close wrote no o.dat for the file's name").doesNotExist();
        assertThat(bDir.resolve("meta.inf")).hasBinaryContent(renamed);
    }

    /** Stream I (interest) with consumers A and B (explicit acks), 20 messages, A's first ten acked. */
    static void fill(Path dir) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"I\",\"subjects\":[\"i.*\"],\"retention\":\"interest\"}"));
            PullConsumer a = s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\"}");
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"}");
            for (int i = 1; i <= 20; i++) {
                s.publish("i.x", bytes("m" + i));
            }
            ackAll(a, 10);
            assertThat(s.info().messages()).isEqualTo(20);
        }
    }

    private static void ackAll(PullConsumer c, int n) throws Exception {
        List<ConsumedMessage> got = c.fetch(n, 0, Duration.ZERO);
        assertThat(got).hasSize(n);
        for (ConsumedMessage m : got) {
            m.ack();
        }
    }
}
