package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.store.StoredMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream with {@code allow_msg_ttl} (no {@code max_age}, no subject delete markers) written by
 * the runtime: {@code Nats-TTL} taken with the server's errors, counted per block into
 * {@code index.db}, and the message removed with a tombstone once its time has come, while the
 * runtime runs, at a reopen, and after a rebuild without {@code index.db}. The runtime has no clock
 * a test can move; expiry is waited for with the shortest TTL the server takes (1 s), polling until
 * it happened (a generous deadline, never a fixed sleep that must be long enough).
 */
class TtlWriteTest {
    private static final String TTL_STREAM = "{\"name\":\"T\",\"subjects\":[\"t.>\"],\"allow_msg_ttl\":true}";

    @TempDir
    Path dir;

    private JetStartStore store() throws Exception {
        return JetStart.open(dir, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(4));
    }

    private Path msgs() {
        return dir.resolve("jetstream/$G/streams/T/msgs");
    }

    private IndexDb indexDb() throws Exception {
        return IndexDbCodec.decode("T", Files.readAllBytes(msgs().resolve("index.db")));
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s for: " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static boolean gone(JetStartStream s, long seq) {
        try {
            return s.get(seq).isEmpty();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aTtlStreamIsWritableAndCountsItsPositiveTtlsPerBlockInIndexDb() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(TTL_STREAM));
            assertThat(s.readOnlyReason()).isEmpty();
            s.publish("t.a", Headers.of(Headers.TTL, "1h"), bytes("a"));
            s.publish("t.b", Headers.of(Headers.TTL, "never"), bytes("b"));
            s.publish("t.c", bytes("c"));
            s.publish("t.d", Headers.of(Headers.TTL, "3600"), bytes("d"));
            s.flush();
            StoredMessage m = s.get(1).orElseThrow();
            assertThat(Headers.parse(m.headers(), 0, m.headers().length).first(Headers.TTL)).contains("1h");
            IndexDb idx = indexDb();
            assertThat(idx.version()).isEqualTo(4);
            // As storeRawMsg counts: TTLs above 0 only ("never" is -1, none is 0).
            assertThat(idx.blocks()).extracting(IndexDb.Block::ttls).containsExactly(2L);
        }
    }

    @Test
    void aTtlTheServerCannotReadIsRefusedWith10165AndNothingIsStored() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(TTL_STREAM));
            for (String bad : new String[] {"500ms", "0", "-1", "soon", "1x"}) {
                assertThatThrownBy(() -> s.publish("t.a", Headers.of(Headers.TTL, bad), bytes("x"))).as(bad)
                        .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                            assertThat(e.errCode()).isEqualTo(10165);
                            assertThat(e.description()).isEqualTo("invalid per-message TTL");
                        });
            }
            assertThat(s.info().lastSeq()).isZero();
        }
    }

    @Test
    void aTtlRunsOutWhileTheRuntimeRunsAndTheMessageGoesWithATombstone() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(TTL_STREAM));
            s.publish("t.short", Headers.of(Headers.TTL, "1s"), bytes("short"));
            s.publish("t.long", Headers.of(Headers.TTL, "1h"), bytes("long"));
            s.publish("t.never", Headers.of(Headers.TTL, "never"), bytes("never"));
            await("message 1 expired", () -> gone(s, 1));
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.info().firstSeq()).isEqualTo(2);
            assertThat(s.get(2)).isPresent();
            assertThat(s.get(3)).isPresent();
            s.flush();
        }
        // Rebuilt from the blocks alone: the tombstone keeps message 1 gone (it is not expired again
        // by the open: it is no longer there to expire).
        Files.delete(msgs().resolve("index.db"));
        assertThat(recovered(dir, "T").messages()).isEqualTo(2);
        assertThat(recovered(dir, "T").firstSeq()).isEqualTo(2);
    }

    @Test
    void aReopenBeforeTheTtlRunsOutTimesItAgainAndRemovesTheServersStaleTimeWheel() throws Exception {
        long ts;
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(TTL_STREAM));
            s.publish("t.long", Headers.of(Headers.TTL, "1h"), bytes("long"));
            s.publish("t.short", Headers.of(Headers.TTL, "2s"), bytes("short"));
            ts = s.get(2).orElseThrow().timestamp();
        }
        // What a server would have left: a thw.db the runtime does not keep current.
        Files.write(msgs().resolve("thw.db"), new byte[17]);
        try (JetStartStore store = store()) {
            JetStartStream s = open(store, "T");
            assertThat(msgs().resolve("thw.db")).doesNotExist();
            await("message 2 expired after the reopen", () -> gone(s, 2));
            assertThat(WriterLoop.wallNanos()).isGreaterThanOrEqualTo(ts + 2_000_000_000L);
            assertThat(s.get(1)).isPresent();
            assertThat(s.info().messages()).isEqualTo(1);
        }
    }

    @Test
    void aTtlThatRanOutWhileClosedIsGoneAtTheReopenAndStaysGoneWithoutIndexDb() throws Exception {
        long ts;
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(TTL_STREAM));
            s.publish("t.short", Headers.of(Headers.TTL, "1s"), bytes("short"));
            s.publish("t.long", Headers.of(Headers.TTL, "1h"), bytes("long"));
            // The window is timed from the last message: 200 synced publishes can take longer than
            // it on a loaded machine, and a reopen then read the newest blocks for the window (the
            // directory among them: "Is a directory", seen once).
            ts = s.get(s.info().lastSeq()).orElseThrow().timestamp();
        }
        await("1 s past message 1", () -> WriterLoop.wallNanos() > ts + 1_000_000_000L);
        try (JetStartStore store = store()) {
            JetStartStream s = open(store, "T");
            assertThat(s.get(1)).isEmpty();
            assertThat(s.info().messages()).isEqualTo(1);
            s.flush();
        }
        Files.delete(msgs().resolve("index.db"));
        try (JetStartStore store = store()) {
            JetStartStream s = open(store, "T");
            assertThat(s.get(1)).as("the open's tombstone").isEmpty();
            assertThat(s.info().messages()).isEqualTo(1);
            s.flush();
            assertThat(indexDb().blocks().stream().mapToLong(IndexDb.Block::ttls).sum())
                    .as("ttls counted again from the blocks").isPositive();
        }
    }

    @Test
    void aRebuildWithoutIndexDbCountsTheTtlsAgainAndTimesThem() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(TTL_STREAM));
            s.publish("t.long", Headers.of(Headers.TTL, "1h"), bytes("long"));
            s.publish("t.short", Headers.of(Headers.TTL, "1s"), bytes("short"));
        }
        Files.deleteIfExists(msgs().resolve("index.db"));
        try (JetStartStore store = store()) {
            JetStartStream s = open(store, "T");
            s.flush();
            assertThat(indexDb().blocks()).extracting(IndexDb.Block::ttls).containsExactly(2L);
            await("message 2 expired", () -> gone(s, 2));
            assertThat(s.get(1)).isPresent();
        }
    }

    @Test
    void aTtlStreamInAVersion1StoreIsRefusedWithItsReason() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withIndexVersion(1))) {
            assertThatThrownBy(() -> store.createStream("$G", config(TTL_STREAM)))
                    .isInstanceOf(JetStreamApiException.class).hasMessageContaining("index.db version 2 or later");
        }
    }

    @Test
    void withMaxAgeANeverMessageOutlivesMaxAgeWhileTheOthersGoByAgeOrTtl() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G",
                    config("{\"name\":\"T\",\"subjects\":[\"t.>\"],\"allow_msg_ttl\":true,\"max_age\":1000000000}"));
            s.publish("t.never", Headers.of(Headers.TTL, "never"), bytes("1"));
            s.publish("t.plain", bytes("2"));
            s.publish("t.long", Headers.of(Headers.TTL, "1h"), bytes("3"));
            await("2 and 3 aged out", () -> gone(s, 2) && gone(s, 3));
            assertThat(s.get(1)).as("never outlives max_age").isPresent();
            // A message behind the old never one is still aged out when its time comes.
            long seq = s.publish("t.later", bytes("4")).seq();
            await("4 aged out behind 1", () -> gone(s, seq));
            assertThat(s.get(1)).isPresent();
            assertThat(s.info().messages()).isEqualTo(1);
            s.flush();
        }
        Files.delete(msgs().resolve("index.db"));
        assertThat(recovered(dir, "T").messages()).as("the removals' tombstones, rebuilt without index.db; "
                + "the open takes the old never message too, as the server's expireMsgsOnRecover").isZero();
    }

    @Test
    void withMaxAgeAMessageYoungAtTheReopenStillAgesOutWithoutAnotherPublish() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G",
                    config("{\"name\":\"T\",\"subjects\":[\"t.>\"],\"allow_msg_ttl\":true,\"max_age\":2000000000}"));
            s.publish("t.plain", bytes("1"));
            s.flush();
        }
        // Reopened well inside max_age: the open keeps the message, and the age check the server arms
        // at its start (resetAgeChk) must be armed here too, with nothing published after it.
        try (JetStartStore store = store()) {
            JetStartStream s = store.stream("$G", "T").await(Duration.ofSeconds(30));
            assertThat(s.get(1)).as("young at the reopen").isPresent();
            await("1 aged out after the reopen", () -> gone(s, 1));
        }
    }

    @Test
    void aTtlStreamServedAsNats210IsReadOnlyAndKeepsWhatItsTtlWouldRemove() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(TTL_STREAM));
            s.publish("t.short", Headers.of(Headers.TTL, "1h"), bytes("short"));
        }
        Files.write(msgs().resolve("thw.db"), new byte[17]);
        RuntimeOptions as210 = RuntimeOptions.defaults().withIndexVersion(4)
                .withRecovery(RuntimeOptions.defaults().recovery().withServerLine(io.jetstart.core.lines.ServerLine.V2_10));
        try (JetStartStore store = JetStart.open(dir, as210)) {
            JetStartStream s = open(store, "T");
            assertThat(s.readOnlyReason()).hasValueSatisfying(r -> assertThat(r).startsWith("'allow_msg_ttl' is not written for nats-server 2.10"));
            assertThat(msgs().resolve("thw.db")).as("nothing of a read-only stream changes").exists();
            assertThatThrownBy(() -> store.createStream("$G", config("{\"name\":\"U\",\"subjects\":[\"u\"],\"allow_msg_ttl\":true}")))
                    .isInstanceOf(JetStreamApiException.class).hasMessageContaining("nats-server 2.10");
        }
    }

    @Test
    void anUpdateCannotTurnTtlsOffAsTheServerRefuses() throws Exception {
        try (JetStartStore store = store()) {
            store.createStream("$G", config(TTL_STREAM));
            assertThatThrownBy(() -> store.updateStream("$G", config("{\"name\":\"T\",\"subjects\":[\"t.>\"]}")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10052);
                        assertThat(e.description()).isEqualTo("message TTL status can not be disabled");
                    });
        }
    }

    @Test
    void anUpdateThatTurnsTtlsOnTimesTheMessagesPublishedAfterIt() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"T\",\"subjects\":[\"t.>\"]}"));
            assertThatThrownBy(() -> s.publish("t.a", Headers.of(Headers.TTL, "1s"), bytes("a")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10166));
            store.updateStream("$G", config(TTL_STREAM));
            s.publish("t.a", Headers.of(Headers.TTL, "1s"), bytes("a"));
            await("message 1 expired", () -> gone(s, 1));
        }
    }

    @Test
    void aReopenTimesTheTtlsOfTheBlocksCountedNotZeroAndNeverReadsTheOthers() throws Exception {
        RuntimeOptions small = RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(4).withBlockSize(1024);
        long ts;
        try (JetStartStore store = JetStart.open(dir, small)) {
            // A duplicate window of 1 s: past it, the reopen reads no block for the window either.
            JetStartStream s = store.createStream("$G", config("{\"name\":\"T\",\"subjects\":[\"t.>\"],"
                    + "\"allow_msg_ttl\":true,\"duplicate_window\":1000000000}"));
            s.publish("t.short", Headers.of(Headers.TTL, "3s"), bytes("short"));
            for (int i = 0; i < 200; i++) {
                s.publish("t.plain", new byte[100]);
            }
            ts = s.get(1).orElseThrow().timestamp();
        }
        IndexDb idx = indexDb();
        assertThat(idx.blocks()).hasSizeGreaterThan(10);
        assertThat(idx.blocks().get(0).ttls()).isEqualTo(1);
        // A block in the middle, counted 0, made a directory: reading it fails.
        IndexDb.Block middle = idx.blocks().get(idx.blocks().size() / 2);
        assertThat(middle.ttls()).isZero();
        Path unreadable = msgs().resolve(middle.index() + ".blk");
        Files.delete(unreadable);
        Files.createDirectory(unreadable);
        await("past the duplicate window", () -> WriterLoop.wallNanos() > ts + 1_500_000_000L);

        try (JetStartStore store = JetStart.open(dir, small)) {
            JetStartStream s = open(store, "T");
            assertThat(s.readOnlyReason()).isEmpty();
            await("message 1 expired after the reopen", () -> gone(s, 1));
            assertThat(s.info().messages()).isEqualTo(200);
            // The compaction pass after that removal looks at every sealed block and stops writes on
            // the directory (logged): the writer's doing, after the open this test is about.
        }
    }
}
