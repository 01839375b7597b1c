package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.meta.ConsumerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that does nothing costs nothing: its writers do not rewrite {@code index.db} at every
 * sync interval, and its consumers' housekeeper does not tick every 10 ms. Until 2026-12 a store
 * of 1,000 idle streams with 2,000 consumers took 15 % of a core doing nothing.
 */
class IdleStoreTest {
    @TempDir
    Path dir;

    @Test
    void anIdleStreamsIndexDbIsNotRewrittenAtEachIntervalButAChangeIsWritten() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withSync(SyncPolicy.INTERVAL).withSyncInterval(Duration.ofMillis(20));
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.publish("s", bytes("one"));
            s.flush();
            Path indexDb = dir.resolve("jetstream/$G/streams/S/msgs/index.db");
            Object written = fileKey(indexDb);
            // Twenty-five intervals with nothing to write: index.db is replaced by a rename each
            // time it is written, so a rewrite shows as a new file.
            Thread.sleep(500);
            assertThat(fileKey(indexDb)).as("index.db rewritten with nothing changed").isEqualTo(written);
            s.publish("s", bytes("two"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (fileKey(indexDb).equals(written) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(fileKey(indexDb)).as("index.db written by the interval sync after a publish").isNotEqualTo(written);
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(2);
    }

    @Test
    void theConsumersHousekeeperSleepsWhileNothingHappensAndAnAckStillReachesODat() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            PullConsumer c = s.createConsumer(ConsumerConfig.builder().durableName("C").build());
            s.publish("s", bytes("one"));
            s.publish("s", bytes("two"));
            c.fetch(1, 0, Duration.ZERO).get(0).ack();
            Path odat = dir.resolve("jetstream/$G/streams/S/obs/C/o.dat");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (odatAckFloor(odat) != 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(odatAckFloor(odat)).as("the ack's floor in o.dat").isEqualTo(1);
            // Settled: nothing pending to write, no ack-wait timer (the one delivery is acked).
            Thread.sleep(300);
            long before = store.housekeeperTicks();
            Thread.sleep(600);
            long idleTicks = store.housekeeperTicks() - before;
            // At most one safety tick a second while idle (it ticked every 10 ms: ~60 here).
            assertThat(idleTicks).as("housekeeper ticks in 600 idle ms").isLessThanOrEqualTo(2);
        }
    }

    private static long odatAckFloor(Path odat) throws Exception {
        return ConsumerStateCodec.decode(Files.readAllBytes(odat)).ackFloor().streamSeq();
    }

    private static Object fileKey(Path p) throws java.io.IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        return a.fileKey() != null ? a.fileKey() : a.lastModifiedTime();
    }
}
