package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishTest {
    @TempDir
    Path dir;

    private JetStartStore store(SyncPolicy sync) throws Exception {
        return JetStart.open(dir, RuntimeOptions.defaults().withSync(sync));
    }

    @Test
    void publishedMessagesGetDenseSequencesAndReadBackByteForByte() throws Exception {
        try (JetStartStore store = store(SyncPolicy.ALWAYS)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"ORDERS\",\"subjects\":[\"orders.*\"]}"));
            List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
            for (int i = 1; i <= 100; i++) {
                acks.add(s.publishAsync("orders." + (i % 3), Headers.of("X-N", "" + i), bytes("payload " + i)));
            }
            for (int i = 1; i <= 100; i++) {
                assertThat(acks.get(i - 1).join()).isEqualTo(new PublishAck("ORDERS", i, false));
            }
            StoredMessage m = s.get(42).orElseThrow();
            assertThat(m.subject()).isEqualTo("orders.0");
            assertThat(new String(m.payload())).isEqualTo("payload 42");
            assertThat(Headers.parse(m.headers(), 0, m.headers().length).first("X-N")).contains("42");
            assertThat(s.lastBySubject("orders.1").orElseThrow().seq()).isEqualTo(100);
            assertThat(s.lastBySubject("orders.*").orElseThrow().seq()).isEqualTo(100);
            assertThat(s.next(50, "orders.2").orElseThrow().seq()).isEqualTo(50);
            assertThat(s.info().messages()).isEqualTo(100);
        }
    }

    @Test
    void aBatchReadReturnsTheLiveMatchingMessagesInOrderAcrossBlocksUpToItsMax() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"b.*\"]}"));
            for (int i = 1; i <= 30; i++) {
                s.publish("b." + (i % 2 == 0 ? "even" : "odd"), bytes("m" + i + "-".repeat(60)));
            }
            s.delete(4);
            assertThat(s.info().blocks()).hasSizeGreaterThan(2);
            assertThat(s.nextBatch(1, "b.even", 100)).extracting(StoredMessage::seq)
                    .containsExactly(2L, 6L, 8L, 10L, 12L, 14L, 16L, 18L, 20L, 22L, 24L, 26L, 28L, 30L);
            assertThat(s.nextBatch(7, "b.*", 3)).extracting(StoredMessage::seq).containsExactly(7L, 8L, 9L);
            assertThat(s.nextBatch(29, null, 10)).extracting(m -> new String(m.payload()).substring(0, 3)).containsExactly("m29", "m30");
            assertThat(s.nextBatch(31, null, 10)).isEmpty();
        }
    }

    @Test
    void aReopenedStoreContinuesTheSequenceAndTheRecoveryReportsTheSameState() throws Exception {
        StreamState before;
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.>\"]}"));
            for (int i = 0; i < 10; i++) {
                s.publish("s.a", bytes("m" + i));
            }
            s.delete(3);
        }
        before = recovered(dir, "S");
        assertThat(before.messages()).isEqualTo(9);
        assertThat(before.lastSeq()).isEqualTo(10);
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            JetStartStream s = open(store, "S");
            assertThat(s.info().messages()).isEqualTo(9);
            assertThat(s.publish("s.b", bytes("after")).seq()).isEqualTo(11);
            assertThat(s.get(3)).isEmpty();
        }
    }

    @Test
    void aDeletedMessageStaysDeletedWhenIndexDbIsLost() throws Exception {
        try (JetStartStore store = store(SyncPolicy.ALWAYS)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"],\"max_msgs\":5}"));
            for (int i = 0; i < 12; i++) {
                s.publish("s", bytes("m" + i));
            }
            s.delete(10);
        }
        Files.delete(dir.resolve("jetstream/$G/streams/S/msgs/index.db"));
        StreamState rebuilt = recovered(dir, "S");
        // max_msgs removed 1..7 with tombstones; 10 deleted: 8, 9, 11, 12 live.
        assertThat(rebuilt.messages()).isEqualTo(4);
        assertThat(rebuilt.firstSeq()).isEqualTo(8);
        assertThat(rebuilt.lastSeq()).isEqualTo(12);
        assertThat(rebuilt.deleted().toArray()).containsExactly(10L);
    }

    @Test
    void aDuplicateMsgIdInsideTheWindowReturnsTheFirstSequenceEvenAfterReopen() throws Exception {
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"D\",\"subjects\":[\"d\"]}"));
            assertThat(s.publish("d", Headers.of(Headers.MSG_ID, "a"), bytes("1"))).isEqualTo(new PublishAck("D", 1, false));
            assertThat(s.publish("d", Headers.of(Headers.MSG_ID, "a"), bytes("2"))).isEqualTo(new PublishAck("D", 1, true));
            assertThat(s.info().messages()).isEqualTo(1);
        }
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            JetStartStream s = open(store, "D");
            assertThat(s.publish("d", Headers.of(Headers.MSG_ID, "a"), bytes("3"))).isEqualTo(new PublishAck("D", 1, true));
            assertThat(s.publish("d", Headers.of(Headers.EXPECTED_LAST_MSG_ID, "a"), bytes("4")).seq()).isEqualTo(2);
        }
    }

    @Test
    void expectationHeadersAreCheckedWithTheServersCodesAndTexts() throws Exception {
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e.*\"]}"));
            s.publish("e.a", bytes("1"));
            s.publish("e.b", bytes("2"));
            assertThatThrownBy(() -> s.publish("e.a", Headers.of(Headers.EXPECTED_STREAM, "OTHER"), bytes("x")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10060);
                        assertThat(e.description()).isEqualTo("expected stream does not match");
                    });
            assertThatThrownBy(() -> s.publish("e.a", Headers.of(Headers.EXPECTED_LAST_SEQ, "1"), bytes("x")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10071);
                        assertThat(e.description()).isEqualTo("wrong last sequence: 2");
                    });
            assertThat(s.publish("e.a", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "1"), bytes("ok")).seq()).isEqualTo(3);
            assertThatThrownBy(() -> s.publish("e.b", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "1"), bytes("x")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.description()).isEqualTo("wrong last sequence: 2"));
            assertThatThrownBy(() -> s.publish("e.a", Headers.of(Headers.EXPECTED_LAST_MSG_ID, "nope"), bytes("x")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10070);
                        assertThat(e.description()).isEqualTo("wrong last msg ID: ");
                    });
            assertThatThrownBy(() -> s.publish("other", bytes("x"))).isInstanceOf(IllegalArgumentException.class);
            assertThat(s.info().lastSeq()).isEqualTo(3);
        }
    }

    @Test
    void discardNewRefusesWithTheServersErrors() throws Exception {
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            JetStartStream s = store.createStream("$G", config(
                    "{\"name\":\"N\",\"subjects\":[\"n.*\"],\"max_msgs\":2,\"discard\":\"new\",\"max_msg_size\":10}"));
            s.publish("n.a", bytes("1"));
            s.publish("n.a", bytes("2"));
            assertThatThrownBy(() -> s.publish("n.a", bytes("3"))).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                assertThat(e.errCode()).isEqualTo(10077);
                assertThat(e.description()).isEqualTo("maximum messages exceeded");
            });
            assertThatThrownBy(() -> s.publish("n.a", bytes("01234567890"))).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10054));
            assertThat(s.info().messages()).isEqualTo(2);
        }
    }

    @Test
    void perSubjectLimitKeepsTheNewestOfEachSubjectAndPurgeKeepsWhatItIsTold() throws Exception {
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"K\",\"subjects\":[\"k.*\"],\"max_msgs_per_subject\":2}"));
            for (int i = 0; i < 10; i++) {
                s.publish("k." + (i % 2), bytes("v" + i));
            }
            assertThat(s.info().messages()).isEqualTo(4);
            assertThat(s.get(7)).isPresent();
            assertThat(s.get(6)).isEmpty();
            assertThat(s.purge(new PurgeRequest("k.0", 0, 0))).isEqualTo(2);
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.purge(PurgeRequest.all())).isEqualTo(2);
            assertThat(s.info().messages()).isZero();
            assertThat(s.publish("k.0", bytes("again")).seq()).isEqualTo(11);
        }
        StreamState after = recovered(dir, "K");
        assertThat(after.messages()).isEqualTo(1);
        assertThat(after.lastSeq()).isEqualTo(11);
    }

    @Test
    void aSecondOpenOfTheSameStoreIsRefused() throws Exception {
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            assertThatThrownBy(() -> JetStart.open(dir, RuntimeOptions.defaults()))
                    .isInstanceOf(StoreLockedException.class).hasMessageContaining("already open");
        }
        try (JetStartStore again = store(SyncPolicy.INTERVAL)) {
            assertThat(again.storeDir()).isEqualTo(dir);
        }
    }

    @Test
    void streamNamesThatCouldLeaveTheStoreAreRefused() throws Exception {
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            for (String bad : new String[] {"a.b", "a*", "a>", "a b", "../x", "a/b"}) {
                assertThatThrownBy(() -> store.createStream("$G", config("{\"name\":\"" + bad + "\",\"subjects\":[\"x\"]}")))
                        .as(bad).isInstanceOf(JetStreamApiException.class);
            }
            try (var left = Files.walk(dir)) {
                assertThat(left.map(dir::relativize).map(Path::toString).toList())
                        .containsExactlyInAnyOrder("", "jetstart.lock", "jetstream", "jetstream/$G", "jetstream/$G/streams");
            }
        }
    }

    @Test
    void aStreamTheRuntimeCannotWriteOpensReadOnlyWithItsReason() throws Exception {
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            assertThatThrownBy(() -> store.createStream("$G", config("{\"name\":\"T\",\"subjects\":[\"t\"],\"allow_msg_ttl\":true}")))
                    .isInstanceOf(JetStreamApiException.class).hasMessageContaining("allow_msg_ttl");
        }
    }

    @Test
    void aTornTailIsLeftAsItIsAndNewMessagesGoToANewBlock() throws Exception {
        try (JetStartStore store = store(SyncPolicy.ALWAYS)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r\"]}"));
            for (int i = 0; i < 5; i++) {
                s.publish("r", bytes("m" + i));
            }
        }
        Path blk = dir.resolve("jetstream/$G/streams/R/msgs/1.blk");
        byte[] withTail = tearTail(blk);
        try (JetStartStore store = store(SyncPolicy.ALWAYS)) {
            JetStartStream s = open(store, "R");
            assertThat(store.problems()).anySatisfy(p -> assertThat(p.message()).contains("new records go to block 2"));
            assertThat(s.publish("r", bytes("next")).seq()).isEqualTo(6);
        }
        assertThat(Files.readAllBytes(blk)).isEqualTo(withTail);
        assertThat(dir.resolve("jetstream/$G/streams/R/msgs/2.blk")).exists();
        assertThat(recovered(dir, "R").lastSeq()).isEqualTo(6);
    }

    @Test
    void aLastBlockAboveTheSmallTailSizeIsCheckedAsASmallOneIs() throws Exception {
        // Its tail is read through a pooled buffer, a small one's into an array of its size
        // (TailOpener.SMALL_TAIL_BYTES): intact it is appended to, torn it is left as it is.
        byte[] kib = new byte[1024];
        try (JetStartStore store = store(SyncPolicy.INTERVAL)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"L\",\"subjects\":[\"l\"]}"));
            for (int i = 0; i < 300; i++) {
                s.publish("l", kib);
            }
        }
        Path blk = dir.resolve("jetstream/$G/streams/L/msgs/1.blk");
        assertThat(Files.size(blk)).isGreaterThan(TailOpener.SMALL_TAIL_BYTES);
        try (JetStartStore store = store(SyncPolicy.ALWAYS)) {
            assertThat(open(store, "L").publish("l", kib).seq()).isEqualTo(301);
            assertThat(store.problems()).isEmpty();
        }
        assertThat(dir.resolve("jetstream/$G/streams/L/msgs/2.blk")).doesNotExist();
        byte[] withTail = tearTail(blk);
        try (JetStartStore store = store(SyncPolicy.ALWAYS)) {
            JetStartStream s = open(store, "L");
            assertThat(store.problems()).anySatisfy(p -> assertThat(p.message()).contains("new records go to block 2"));
            assertThat(s.publish("l", kib).seq()).isEqualTo(302);
        }
        assertThat(Files.readAllBytes(blk)).isEqualTo(withTail);
        assertThat(recovered(dir, "L").lastSeq()).isEqualTo(302);
    }

    @Test
    void anEmptyBlockFileACrashLeftBehindIsNeverReusedWhenTheWriterRolls() throws Exception {
        try (JetStartStore store = store(SyncPolicy.ALWAYS)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"L\",\"subjects\":[\"l\"]}"));
            s.publish("l", bytes("first"));
        }
        // A crash between creating the next block and writing to it leaves an empty file.
        Path stray = dir.resolve("jetstream/$G/streams/L/msgs/2.blk");
        Files.createFile(stray);
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withBlockSize(1024))) {
            JetStartStream s = open(store, "L");
            for (int i = 0; i < 40; i++) {
                s.publish("l", new byte[100]);
            }
            assertThat(s.info().lastSeq()).isEqualTo(41);
        }
        assertThat(Files.size(stray)).isZero();
        assertThat(dir.resolve("jetstream/$G/streams/L/msgs/3.blk")).exists();
        assertThat(recovered(dir, "L").messages()).isEqualTo(41);
    }

    /** Appends half a record to {@code blk}, as a crash mid-write leaves it (index.db no longer matches); the new bytes. */
    private static byte[] tearTail(Path blk) throws java.io.IOException {
        byte[] whole = Files.readAllBytes(blk);
        byte[] withTail = java.util.Arrays.copyOf(whole, whole.length + 17);
        withTail[whole.length] = 60;
        Files.write(blk, withTail);
        return withTail;
    }
}
