package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.store.StreamState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@code o.dat} that records acks of a work-queue stream is written only after the tombstones
 * of those acks are in the stream's blocks: a kill -9 right after it was written cannot leave an
 * acknowledged message in the stream (what ConsumeCrashIT checks with real kills).
 */
class ConsumerStateOrderTest {
    @TempDir
    Path dir;

    @TempDir
    Path copy;

    @Test
    void anODatRecordingAcksIsWrittenOnlyAfterTheirTombstonesAreInTheBlocks() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"W\",\"subjects\":[\"w.*\"],\"retention\":\"workqueue\"}"));
            for (int i = 0; i < 50; i++) {
                s.publish("w.a", bytes("job " + i));
            }
            s.flush();
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            List<ConsumedMessage> got = c.fetch(50, 0, Duration.ZERO);
            for (ConsumedMessage m : got.subList(0, 30)) {
                m.ack();
            }
            // The housekeeper writes o.dat (at most every 100 ms); wait until it records the acks.
            Path oDat = dir.resolve("jetstream/$G/streams/W/obs/C/o.dat");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (ConsumerStateCodec.decode(Files.readAllBytes(oDat)).ackFloor().streamSeq() < 30) {
                assertThat(System.nanoTime()).as("o.dat records the acks").isLessThan(deadline);
                Thread.sleep(5);
            }
            // The files as a kill -9 would leave them now, index.db gone so the blocks are read.
            copyTree(dir, copy);
            Files.delete(copy.resolve("jetstream/$G/streams/W/msgs/index.db"));
        }
        StreamState st = recovered(copy, "W");
        assertThat(st.messages()).isEqualTo(20);
        assertThat(st.firstSeq()).isEqualTo(31);
    }

    @Test
    void acksOfAWorkQueueAreInTheConsumerStateAfterACloseRightAfterThem() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"W\",\"subjects\":[\"w.*\"],\"retention\":\"workqueue\"}"));
            for (int i = 0; i < 50; i++) {
                s.publish("w.a", bytes("job " + i));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            for (ConsumedMessage m : c.fetch(40, 0, Duration.ZERO)) {
                m.ack();
            }
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = RuntimeTestSupport.open(store, "W");
            ConsumerStatus st = s.consumerInfo("C");
            assertThat(st.ackFloor().streamSeq()).isEqualTo(40);
            assertThat(s.info().messages()).isEqualTo(10);
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else if (!p.getFileName().toString().equals("jetstart.lock")) {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
