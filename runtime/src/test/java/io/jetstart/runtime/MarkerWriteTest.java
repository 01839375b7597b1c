package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream with {@code subject_delete_marker_ttl} written by the runtime (docs/runtime.md, "Subject
 * delete markers"): an expiry by {@code max_age} or by a message's TTL replaces the last message of
 * a subject with a marker, as nats-server 2.15.1 does (bytes in {@link SubjectDeleteMarkersTest}),
 * and the marker expires in turn without another. Expiry is waited for by polling with a deadline
 * (the runtime has no clock a test can move), as in {@link TtlWriteTest}.
 */
class MarkerWriteTest {
    private static final String MARKER_HEADER = "NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1s\r\nNats-Rollup: sub\r\n\r\n";

    @TempDir
    Path dir;

    private JetStartStore store() throws Exception {
        return JetStart.open(dir, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(4));
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s for: " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static boolean present(JetStartStream s, long seq) {
        try {
            return s.get(seq).isPresent();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String headers(StoredMessage m) {
        return new String(m.headers(), StandardCharsets.US_ASCII);
    }

    @Test
    void aCreateTurnsOnTtlsAndRollupsAsTheServerDoesAndRefusesAMarkerTtlUnderASecond() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(
                    "{\"name\":\"M\",\"subjects\":[\"m.>\"],\"subject_delete_marker_ttl\":2000000000,\"deny_purge\":true}"));
            assertThat(s.readOnlyReason()).isEmpty();
            assertThat(s.config().flag("allow_msg_ttl")).isTrue();
            assertThat(s.config().flag("allow_rollup_hdrs")).isTrue();
            assertThat(s.config().flag("deny_purge")).isFalse();
            assertThatThrownBy(() -> store.createStream("$G", config(
                    "{\"name\":\"N\",\"subjects\":[\"n.>\"],\"subject_delete_marker_ttl\":500000000}")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10052);
                        assertThat(e.description()).contains("subject delete marker TTL must be at least 1 second");
                    });
        }
    }

    @Test
    void aMarkerStreamIsATtlStreamAndARefusedCreateInAStoreWithoutIndexDbV2() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThatThrownBy(() -> store.createStream("$G", config(
                    "{\"name\":\"M\",\"subjects\":[\"m.>\"],\"subject_delete_marker_ttl\":2000000000}")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10052);
                        assertThat(e.description()).contains("needs index.db version 2 or later");
                    });
        }
    }

    @Test
    void aMarkerCountsIntoMaxMsgsLikeAnyMessageAndPushesTheOldestOut() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.>\"],\"max_msgs\":2,"
                    + "\"allow_msg_ttl\":true,\"subject_delete_marker_ttl\":3600000000000}"));
            s.publish("m.x", bytes("1"));
            s.publish("m.a", Headers.of(Headers.TTL, "1s"), bytes("2"));
            // Raised to the marker's hour: m.a would not expire in this test. A second stream with 1 s markers does.
            assertThat(headers(s.get(2).orElseThrow())).contains("Nats-TTL: 3600\r\n");
            JetStartStream t = store.createStream("$G", config("{\"name\":\"T\",\"subjects\":[\"t.>\"],\"max_msgs\":2,"
                    + "\"allow_msg_ttl\":true,\"subject_delete_marker_ttl\":1000000000}"));
            t.publish("t.x", bytes("1"));
            t.publish("t.a", Headers.of(Headers.TTL, "1s"), bytes("2"));
            await("the marker of t.a", () -> present(t, 3));
            t.flush();
            // The marker made three: max_msgs took t.x, then its rollup took t.a (the server's order: limits, then rollup).
            assertThat(present(t, 1)).isFalse();
            assertThat(present(t, 2)).isFalse();
            assertThat(t.info().messages()).isEqualTo(1);
            assertThat(t.info().firstSeq()).isEqualTo(3);
        }
    }

    @Test
    void maxAgeReplacesTheLastOfASubjectWithAMarkerAndRemovesTheOthersWithTombstones() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.>\"],"
                    + "\"max_age\":1000000000,\"subject_delete_marker_ttl\":3600000000000}"));
            s.publish("m.a", bytes("1"));
            s.publish("m.b", bytes("2"));
            s.publish("m.a", bytes("3"));
            s.publish("m.keep", Headers.of(Headers.TTL, "never"), bytes("4"));
            await("two markers", () -> present(s, 6));
            // 1 goes with a tombstone (m.a has 3 after it); 2 and 3 were each the last of their subject.
            assertThat(present(s, 1)).isFalse();
            assertThat(present(s, 2)).isFalse();
            assertThat(present(s, 3)).isFalse();
            StoredMessage m5 = s.get(5).orElseThrow();
            StoredMessage m6 = s.get(6).orElseThrow();
            assertThat(m5.subject()).isEqualTo("m.b");
            assertThat(m6.subject()).isEqualTo("m.a");
            assertThat(headers(m5)).isEqualTo("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1h0m0s\r\nNats-Rollup: sub\r\n\r\n");
            assertThat(m5.payload()).isEmpty();
            assertThat(m6.timestamp()).isGreaterThanOrEqualTo(m5.timestamp());
            assertThat(s.get(4)).isPresent();
            assertThat(s.info().messages()).isEqualTo(3);
            assertThat(s.info().lastSeq()).isEqualTo(6);
        }
    }

    @Test
    void aTtlRunsOutAndItsMarkerRunsOutInTurnWithNoMarkerAfterIt() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.>\"],"
                    + "\"allow_msg_ttl\":true,\"subject_delete_marker_ttl\":1000000000}"));
            s.publish("m.a", Headers.of(Headers.TTL, "1s"), bytes("1"));
            s.publish("m.b", bytes("2"));
            await("the marker of m.a", () -> present(s, 3));
            StoredMessage marker = s.get(3).orElseThrow();
            assertThat(marker.subject()).isEqualTo("m.a");
            assertThat(headers(marker)).isEqualTo(MARKER_HEADER);
            assertThat(present(s, 1)).isFalse();
            await("the marker's own expiry", () -> !present(s, 3));
            s.flush();
            assertThat(s.info().lastSeq()).as("no marker follows a marker").isEqualTo(3);
            assertThat(s.info().messages()).isEqualTo(1);
            assertThat(s.get(2)).isPresent();
        }
    }

    @Test
    void aTtlUnderTheMarkersIsRaisedToItInTheStoredHeaderButNotWithOneMessagePerSubject() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.>\"],"
                    + "\"allow_msg_ttl\":true,\"subject_delete_marker_ttl\":3600000000000}"));
            s.publish("m.a", Headers.of(Headers.TTL, "1s", "X-A", "b"), bytes("1"));
            s.publish("m.b", Headers.of(Headers.TTL, "2h"), bytes("2"));
            s.publish("m.c", Headers.of(Headers.TTL, "never"), bytes("3"));
            assertThat(headers(s.get(1).orElseThrow())).isEqualTo("NATS/1.0\r\nX-A:b\r\nNats-TTL: 3600\r\n\r\n");
            assertThat(headers(s.get(2).orElseThrow())).contains("Nats-TTL:2h\r\n");
            assertThat(headers(s.get(3).orElseThrow())).contains("Nats-TTL:never\r\n");
            JetStartStream one = store.createStream("$G", config("{\"name\":\"O\",\"subjects\":[\"o.>\"],"
                    + "\"max_msgs_per_subject\":1,\"subject_delete_marker_ttl\":3600000000000}"));
            one.publish("o.a", Headers.of(Headers.TTL, "1s"), bytes("1"));
            assertThat(headers(one.get(1).orElseThrow())).contains("Nats-TTL:1s\r\n");
        }
    }

    @Test
    void anExpiredKvPurgeIsAMarkerAlreadyAndGetsNoMarkerAfterIt() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.>\"],"
                    + "\"allow_msg_ttl\":true,\"max_age\":1000000000,\"subject_delete_marker_ttl\":3600000000000}"));
            s.publish("m.p", Headers.of("KV-Operation", "PURGE"), bytes(""));
            s.publish("m.q", bytes("2"));
            await("the marker of m.q", () -> present(s, 3));
            s.flush();
            assertThat(present(s, 1)).isFalse();
            assertThat(s.get(3).orElseThrow().subject()).isEqualTo("m.q");
            assertThat(s.info().lastSeq()).isEqualTo(3);
        }
    }

    @Test
    void aReopenAfterMessagesExpiredWhileClosedStoresTheirMarkersAndStaysWritable() throws Exception {
        long ts;
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.>\"],"
                    + "\"max_age\":1000000000,\"subject_delete_marker_ttl\":3600000000000}"));
            s.publish("m.b", bytes("1"));
            s.publish("m.a", Headers.of(Headers.TTL, "1s"), bytes("2"));
            s.publish("m.b", bytes("3"));
            s.flush();
            ts = s.get(1).orElseThrow().timestamp();
        }
        // Closed before their second: the runtime could not expire them, and nats-server's first age
        // check after a start would replace each subject's last with a marker (m.b's first goes
        // with a tombstone, 3 is left after it).
        while (WriterLoop.wallNanos() < ts + 1_300_000_000L) {
            Thread.sleep(20);
        }
        try (JetStartStore store = store()) {
            JetStartStream s = store.stream("M").await(Duration.ofSeconds(10));
            assertThat(s.readOnlyReason()).isEmpty();
            assertThat(present(s, 1) || present(s, 2) || present(s, 3)).as("every message expired").isFalse();
            StoredMessage m4 = s.get(4).orElseThrow();
            StoredMessage m5 = s.get(5).orElseThrow();
            assertThat(m4.subject()).as("markers in the order of each subject's last expired message").isEqualTo("m.a");
            assertThat(m5.subject()).isEqualTo("m.b");
            assertThat(headers(m4)).isEqualTo("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1h0m0s\r\nNats-Rollup: sub\r\n\r\n");
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.publish("m.c", bytes("6")).seq()).as("writable").isEqualTo(6);
        }
    }

    @Test
    void startUpMarkersComeInTheOrderOfEachSubjectsLastExpiredMessageAsTheServersAgeCheckWritesThem() throws Exception {
        // nats-server's first age check after a start walks the old messages in sequence order and
        // writes a subject's marker at its last one: m.b's first goes with a tombstone, then m.c's
        // marker, then m.b's. Measured by KvModelIT on 2.15.1: a bucket whose values all expired
        // while it was down got its markers in the order of the values' revisions, not of the keys.
        long ts;
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.>\"],"
                    + "\"max_age\":1000000000,\"subject_delete_marker_ttl\":3600000000000}"));
            s.publish("m.b", bytes("1"));
            s.publish("m.c", bytes("2"));
            s.publish("m.b", bytes("3"));
            s.flush();
            ts = s.get(3).orElseThrow().timestamp();
        }
        while (WriterLoop.wallNanos() < ts + 1_300_000_000L) {
            Thread.sleep(20);
        }
        try (JetStartStore store = store()) {
            JetStartStream s = store.stream("M").await(Duration.ofSeconds(10));
            assertThat(s.get(4).orElseThrow().subject()).as("m.c's last (2) expired before m.b's (3)").isEqualTo("m.c");
            assertThat(s.get(5).orElseThrow().subject()).isEqualTo("m.b");
            assertThat(s.info().messages()).isEqualTo(2);
        }
    }

    @Test
    void aStartUpMarkerTheLimitsRefusedIsTriedAgainAsTheServerDoesButNotForASubjectWrittenMeanwhile() throws Exception {
        // Markers with a TTL Go prints in 14 characters (1388888h53m20s): each is 61 bytes larger than
        // an expired message below, more than the room two of them leave. Not the longest one
        // (2562047h47m16s): its expiry, timestamp + TTL, wraps past 2^63 as the server's does, and
        // the marker went at once.
        long markerTtl = 5_000_000_000L * 1_000_000_000L;
        long ts;
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"a\",\"b\",\"k\"],\"discard\":\"new\","
                    + "\"max_msgs_per_subject\":1,\"subject_delete_marker_ttl\":" + markerTtl + "}"));
            s.publish("a", Headers.of(Headers.TTL, "1"), bytes(""));
            s.publish("b", Headers.of(Headers.TTL, "1"), bytes(""));
            s.publish("k", bytes("k".repeat(100)));
            s.flush();
            ts = s.get(2).orElseThrow().timestamp();
            // Full: a marker replacing a or b is larger than either.
            store.updateStream("$G", s.config().toBuilder().maxBytes(s.info().bytes()).build());
        }
        while (WriterLoop.wallNanos() < ts + 1_300_000_000L) {
            Thread.sleep(20);
        }
        try (JetStartStore store = store()) {
            JetStartStream s = store.stream("M").await(Duration.ofSeconds(10));
            assertThat(s.readOnlyReason()).isEmpty();
            // 2.15.1 keeps each, live past its TTL, until its marker is stored (KvModelIT).
            assertThat(present(s, 1) && present(s, 2)).as("a and b stay: their markers have no room").isTrue();
            assertThat(s.info().messages()).isEqualTo(3);
            assertThat(s.info().lastSeq()).as("both markers refused (max_bytes, discard new)").isEqualTo(3);
            // a is written again before there is room: it replaces the kept a (one message per
            // subject), which so needs no marker. Then the room comes, and b's marker is stored.
            assertThat(s.publish("a", bytes("")).seq()).isEqualTo(4);
            s.delete(3);
            // Its rollup then removes b's kept message.
            await("b's marker, tried again", () -> !present(s, 2));
            StoredMessage marker = s.lastBySubject("b").orElseThrow();
            assertThat(marker.seq()).isEqualTo(5);
            assertThat(headers(marker)).isEqualTo("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1388888h53m20s\r\nNats-Rollup: sub\r\n\r\n");
            s.flush();
            assertThat(s.lastBySubject("a").orElseThrow().seq()).as("no marker for a: it was written again meanwhile").isEqualTo(4);
            assertThat(s.info().lastSeq()).isEqualTo(5);
        }
    }

    /**
     * Creates {@code config}, publishes {@code a} with a TTL of 1 s and {@code k} of {@code kBytes}, sets
     * {@code max_bytes} to what {@code maxBytes} makes of the stream's bytes (0: none), closes and waits
     * past a's TTL.
     */
    private void expiredWhileClosed(String config, int kBytes, java.util.function.LongUnaryOperator maxBytes) throws Exception {
        long ts;
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(config));
            s.publish("a", Headers.of(Headers.TTL, "1s"), bytes(""));
            s.publish("k", bytes("k".repeat(kBytes)));
            s.flush();
            ts = s.get(1).orElseThrow().timestamp();
            long bytes = maxBytes.applyAsLong(s.info().bytes());
            if (bytes > 0) {
                store.updateStream("$G", s.config().toBuilder().maxBytes(bytes).build());
            }
        }
        while (WriterLoop.wallNanos() < ts + 1_300_000_000L) {
            Thread.sleep(20);
        }
    }

    @Test
    void aValueThatRanOutWhileClosedStaysWhereItsMarkerDoesNotFitBesideItAndGoesWithTheMarkerOnceThereIsRoom() throws Exception {
        // a's record is 61 bytes, k's 131, a marker for a (a 76-byte header for 1 h) 111, replacing
        // a (one message per subject, so a's TTL is not raised to the marker's): 60 bytes of room
        // take no marker beside a, and would beside what a's removal frees. 2.15.1 keeps a (its
        // marker goes before the rollup removes a: KvModelIT, a bucket down past an expiry); the
        // open removed it first and the marker fitted.
        expiredWhileClosed("{\"name\":\"M\",\"subjects\":[\"a\",\"k\"],\"discard\":\"new\",\"max_msgs_per_subject\":1,"
                + "\"subject_delete_marker_ttl\":3600000000000}",
                100, bytes -> bytes + 60);
        try (JetStartStore store = store()) {
            JetStartStream s = store.stream("M").await(Duration.ofSeconds(10));
            assertThat(s.readOnlyReason()).isEmpty();
            assertThat(present(s, 1)).as("a stays, live past its TTL").isTrue();
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.info().lastSeq()).as("no marker").isEqualTo(2);
            s.delete(2);
            await("a's marker, tried again once k made room", () -> !present(s, 1));
            StoredMessage marker = s.lastBySubject("a").orElseThrow();
            assertThat(marker.seq()).isEqualTo(3);
            assertThat(headers(marker)).isEqualTo("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1h0m0s\r\nNats-Rollup: sub\r\n\r\n");
            assertThat(s.info().messages()).isEqualTo(1);
        }
    }

    @Test
    void aValueThatRanOutWhileClosedStaysWhereItsMarkerIsOverMaxMsgSize() throws Exception {
        // max_msg_size 70 is under a marker's 72-byte header: every marker is refused, and 2.15.1
        // keeps the value for good (KvModelIT); the open removed it and left neither.
        expiredWhileClosed("{\"name\":\"M\",\"subjects\":[\"a\",\"k\"],\"max_msg_size\":70,"
                + "\"subject_delete_marker_ttl\":1000000000}", 10, bytes -> 0);
        try (JetStartStore store = store()) {
            JetStartStream s = store.stream("M").await(Duration.ofSeconds(10));
            assertThat(s.readOnlyReason()).isEmpty();
            assertThat(present(s, 1)).as("a stays").isTrue();
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.info().lastSeq()).as("no marker").isEqualTo(2);
        }
    }
}
