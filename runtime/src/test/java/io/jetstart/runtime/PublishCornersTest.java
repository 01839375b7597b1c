package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corners of the publish path where several checks meet, each with nats-server 2.15.1's answer
 * (RuntimeCornersIT asks the real server the same).
 */
class PublishCornersTest {
    @TempDir
    Path dir;

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, int errCode, String description) {
        assertThatThrownBy(call).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
            assertThat(e.errCode()).isEqualTo(errCode);
            assertThat(e.description()).isEqualTo(description);
        });
    }

    @Test
    void aDuplicateIsAckedWhateverItsExpectedLastMsgIdSays() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"D\",\"subjects\":[\"d.>\"]}"));
            s.publish("d.a", Headers.of(Headers.MSG_ID, "a"), bytes("1"));
            s.publish("d.a", Headers.of(Headers.MSG_ID, "b"), bytes("2"));
            PublishAck ack = s.publish("d.a", Headers.of(Headers.MSG_ID, "a", Headers.EXPECTED_LAST_MSG_ID, "zz"), bytes("3"));
            assertThat(ack.seq()).isEqualTo(1);
            assertThat(ack.duplicate()).isTrue();
        }
    }

    @Test
    void aMessageWithoutAnIdClearsTheLastMsgId() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"L\",\"subjects\":[\"l.>\"]}"));
            s.publish("l.a", Headers.of(Headers.MSG_ID, "a"), bytes("1"));
            s.publish("l.a", bytes("2"));
            assertRefused(() -> s.publish("l.a", Headers.of(Headers.EXPECTED_LAST_MSG_ID, "a"), bytes("3")), 10070,
                    "wrong last msg ID: ");
            s.publish("l.a", Headers.of(Headers.MSG_ID, "c"), bytes("4"));
            assertThat(s.publish("l.a", Headers.of(Headers.EXPECTED_LAST_MSG_ID, "c"), bytes("5")).seq()).isEqualTo(4);
        }
        // Reopened: the last message (5) has no id, so neither has the stream, as the server's rebuildDedupe.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = open(store, "L");
            assertRefused(() -> s.publish("l.a", Headers.of(Headers.EXPECTED_LAST_MSG_ID, "c"), bytes("6")), 10070,
                    "wrong last msg ID: ");
            s.publish("l.a", Headers.of(Headers.MSG_ID, "f"), bytes("6"));
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = open(store, "L");
            assertThat(s.publish("l.a", Headers.of(Headers.EXPECTED_LAST_MSG_ID, "f"), bytes("7")).seq()).isEqualTo(6);
        }
    }

    @Test
    void aMessageAtItsSubjectsLimitReplacesTheSubjectsOldestAndTheStreamsLimitTakesNothingMore() throws Exception {
        // nats-server's storeRawMsg: the subject's limit first (a.1 goes), then max_msgs (3: within it).
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G",
                    config("{\"name\":\"P\",\"subjects\":[\"p.>\"],\"max_msgs\":3,\"max_msgs_per_subject\":2}"));
            s.publish("p.b", bytes("1"));
            s.publish("p.a", bytes("2"));
            s.publish("p.a", bytes("3"));
            s.publish("p.a", bytes("4"));
            s.flush();
            assertThat(s.info().messages()).isEqualTo(3);
            assertThat(s.get(1)).as("the stream's oldest, on another subject, stays").isPresent();
            assertThat(s.get(2)).isEmpty();
        }
    }

    @Test
    void aSubjectsLastSequenceIsFoundAfterAReopenWhenItsEarlierMessagesWereRemoved() throws Exception {
        // Small blocks: m.1's first message in block 1, its second two blocks later. Once the first is
        // deleted, index.db v1 keeps one block for a subject with one message: it must be the one that
        // holds it (nats-server's removePerSubject), or the writer's lookup after a reopen finds nothing.
        RuntimeOptions small = RuntimeOptions.defaults().withBlockSize(1024);
        long second;
        try (JetStartStore store = JetStart.open(dir, small)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"m.*\"]}"));
            s.publish("m.1", bytes("first"));
            for (int i = 0; i < 30; i++) {
                s.publish("m.2", new byte[100]);
            }
            second = s.publish("m.1", bytes("second")).seq();
            s.delete(1);
            s.flush();
        }
        try (JetStartStore store = JetStart.open(dir, small)) {
            JetStartStream s = open(store, "B");
            PublishAck ack = s.publish("m.1", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, Long.toString(second)), bytes("third"));
            assertThat(ack.seq()).isEqualTo(second + 1);
        }
    }

    @Test
    void aRollupAtMaxMsgsTakesTheStreamsOldestFirstAndThenRollsUp() throws Exception {
        // The server applies max_msgs as for any stored message (b.1 goes), then the rollup's purge (a.1).
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G",
                    config("{\"name\":\"R\",\"subjects\":[\"r.>\"],\"max_msgs\":3,\"allow_rollup_hdrs\":true}"));
            s.publish("r.b", bytes("1"));
            s.publish("r.a", bytes("2"));
            s.publish("r.c", bytes("3"));
            assertThat(s.publish("r.a", Headers.of(Headers.ROLLUP, "sub"), bytes("4")).seq()).isEqualTo(4);
            s.flush();
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.get(1)).isEmpty();
            assertThat(s.get(2)).isEmpty();
            assertThat(s.get(3)).isPresent();
        }
    }

    @Test
    void aRefusedRollupComesAfterTheExpectationsAndTheDuplicateCheck() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"N\",\"subjects\":[\"n.>\"]}"));
            s.publish("n.a", Headers.of(Headers.MSG_ID, "a"), bytes("1"));
            assertRefused(() -> s.publish("n.a", Headers.of(Headers.ROLLUP, "sub", Headers.EXPECTED_STREAM, "other"), bytes("2")),
                    10060, "expected stream does not match");
            assertRefused(() -> s.publish("n.a", Headers.of(Headers.ROLLUP, "all", Headers.EXPECTED_LAST_SEQ, "7"), bytes("2")),
                    10071, "wrong last sequence: 1");
            assertRefused(() -> s.publish("n.a", Headers.of(Headers.ROLLUP, "sub", Headers.EXPECTED_LAST_MSG_ID, "x"), bytes("2")),
                    10070, "wrong last msg ID: a");
            PublishAck dup = s.publish("n.a", Headers.of(Headers.ROLLUP, "sub", Headers.MSG_ID, "a"), bytes("2"));
            assertThat(dup.duplicate()).isTrue();
            assertThat(dup.seq()).isEqualTo(1);
            assertRefused(() -> s.publish("n.a", Headers.of(Headers.ROLLUP, "sub"), bytes("2")), 10111, "rollup not permitted");
        }
    }

    @Test
    void rollupValuesAreReadInAnyCase() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r.>\"],\"allow_rollup_hdrs\":true}"));
            s.publish("r.a", Headers.of(Headers.MSG_ID, "a"), bytes("1"));
            s.publish("r.b", bytes("2"));
            s.publish("r.a", bytes("3"));
            // A duplicate with a bad rollup value is still the duplicate.
            assertThat(s.publish("r.a", Headers.of(Headers.ROLLUP, "bad", Headers.MSG_ID, "a"), bytes("x")).duplicate()).isTrue();
            assertRefused(() -> s.publish("r.a", Headers.of(Headers.ROLLUP, "BAD"), bytes("x")), 10111, "rollup value invalid: \"bad\"");
            assertThat(s.publish("r.a", Headers.of(Headers.ROLLUP, "SUB"), bytes("4")).seq()).isEqualTo(4);
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.publish("r.b", Headers.of(Headers.ROLLUP, "All"), bytes("5")).seq()).isEqualTo(5);
            assertThat(s.info().messages()).isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(5);
        }
    }

    @Test
    void expectedSequencesAreReadAsTheServerReadsThem() {
        assertThat(HeaderValues.parseSeq("0")).isZero();
        assertThat(HeaderValues.parseSeq("  12")).isEqualTo(12);
        assertThat(HeaderValues.parseSeq("+0")).isEqualTo(-1);
        assertThat(HeaderValues.parseSeq("+1")).isEqualTo(-1);
        assertThat(HeaderValues.parseSeq("1 ")).isEqualTo(-1);
        assertThat(HeaderValues.parseSeq("abc")).isEqualTo(-1);
        assertThat(HeaderValues.parseSeq(" ")).isEqualTo(-1);
        // 2^64 + 3 wraps to 3 as the server's int64 arithmetic does.
        assertThat(HeaderValues.parseSeq("18446744073709551619")).isEqualTo(3);
    }

    @Test
    void aSignedExpectedSequenceMatchesNothing() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.>\"]}"));
            assertRefused(() -> s.publish("s.a", Headers.of(Headers.EXPECTED_LAST_SEQ, "+0"), bytes("1")), 10071,
                    "wrong last sequence: 0");
            assertThat(s.publish("s.a", Headers.of(Headers.EXPECTED_LAST_SEQ, "0"), bytes("1")).seq()).isEqualTo(1);
            assertRefused(() -> s.publish("s.a", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "+1"), bytes("2")), 10071,
                    "wrong last sequence: 1");
            assertThat(s.info().messages()).isEqualTo(1);
        }
    }

    @Test
    void aPurgeKeepingNWithoutASubjectKeepsTheNewestNMessagesOverDeletedOnes() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.>\"]}"));
            for (int i = 1; i <= 5; i++) {
                s.publish("p." + (i % 2), bytes("" + i));
            }
            s.delete(4);
            // nats-server 2.15.1: purged 2 (1 and 2), 3 and 5 stay; not a compact below 4, which took 3 too.
            assertThat(s.purge(new PurgeRequest(null, 2, 0))).isEqualTo(2);
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.info().firstSeq()).isEqualTo(3);
            assertThat(s.get(3)).isPresent();
            assertThat(s.purge(new PurgeRequest(">", 1, 0))).isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(5);
            assertThat(s.purge(new PurgeRequest("", 1, 0))).isZero();
        }
    }

    @Test
    void aGetOfSequenceZeroIsTheServersBadRequestAndANegativeOneIsRefused() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"G\",\"subjects\":[\"g.>\"]}"));
            s.publish("g.1", bytes("a"));
            // nats-server 2.15.1 and 2.10.27: MSG.GET {"seq":0} is 400 / 10003 "bad request".
            assertRefused(() -> s.get(0), 10003, "bad request");
            assertThatThrownBy(() -> s.get(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThat(s.get(1)).isPresent();
            assertThat(s.get(2)).isEmpty();
        }
    }

    @Test
    void aPurgeWithBothKeepAndSeqIsTheServersBadRequest() {
        assertRefused(() -> new PurgeRequest("p.a", 1, 2), 10003, "bad request");
    }

    @Test
    void aRollupPassesDiscardNewPerSubjectButNotMaxMsgs() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r.>\"],\"allow_rollup_hdrs\":true,"
                    + "\"discard\":\"new\",\"max_msgs\":3,\"max_msgs_per_subject\":2,\"discard_new_per_subject\":true}"));
            s.publish("r.1", bytes("a"));
            s.publish("r.1", bytes("b"));
            assertRefused(() -> s.publish("r.1", bytes("x")), 10077, "maximum messages per subject exceeded");
            // At the subject's limit a rollup is stored (it purges the subject's others after), as nats-server 2.15.1.
            assertThat(s.publish("r.1", Headers.of(Headers.ROLLUP, "sub"), bytes("c")).seq()).isEqualTo(3);
            assertThat(s.info().messages()).isEqualTo(1);
            s.publish("r.1", bytes("c2"));
            s.publish("r.2", bytes("d"));
            // max_msgs reached on a subject below its limit: refused, rollup or not.
            assertRefused(() -> s.publish("r.3", Headers.of(Headers.ROLLUP, "all"), bytes("f")), 10077, "maximum messages exceeded");
            // At the subject's limit, max_msgs is not checked: the message replaces the subject's oldest.
            assertThat(s.publish("r.1", Headers.of(Headers.ROLLUP, "all"), bytes("h")).seq()).isEqualTo(6);
            assertThat(s.info().messages()).isEqualTo(1);
        }
    }

    @Test
    void anExpectedLastSubjectSequenceOnAnInvalidSubjectIsCheckedAgainstZero() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"V\",\"subjects\":[\"v.>\"]}"));
            s.publish("v.1", bytes("a"));
            for (String invalid : new String[] {"v.>.1", "v..1", ">.v", "v."}) {
                assertThat(s.publish("v.1", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "0",
                        Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, invalid), bytes("b")).seq()).as(invalid).isGreaterThan(1);
            }
            assertRefused(() -> s.publish("v.1", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "0",
                    Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, "v.>"), bytes("c")), 10071, "wrong last sequence: 5");
        }
    }

    @Test
    void headerValuesAreReadWithoutTheSpacesBeforeThem() throws Exception {
        assertThat(Headers.of(Headers.MSG_ID, "  a ").first(Headers.MSG_ID)).contains("a ");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"H\",\"subjects\":[\"h.>\"]}"));
            s.publish("h.1", Headers.of(Headers.MSG_ID, "a"), bytes("1"));
            PublishAck dup = s.publish("h.1", Headers.of(Headers.MSG_ID, " a"), bytes("2"));
            assertThat(dup.duplicate()).isTrue();
            assertThat(s.publish("h.1", Headers.of(Headers.EXPECTED_LAST_MSG_ID, " a"), bytes("3")).seq()).isEqualTo(2);
            assertRefused(() -> s.publish("h.1", Headers.of(Headers.EXPECTED_STREAM, " X"), bytes("4")), 10060,
                    "expected stream does not match");
        }
    }

    @Test
    void anInvalidFilterPurgesAndReadsNothing() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"F\",\"subjects\":[\"f.>\"]}"));
            s.publish("f.1", bytes("a"));
            s.publish("f.2", bytes("b"));
            // nats-server 2.15.1: purged 0, no message found; not '>' read as "the rest" from the middle.
            assertThat(s.purge(new PurgeRequest("f.>.1", 0, 0))).isZero();
            assertThat(s.purge(new PurgeRequest("f..1", 0, 0))).isZero();
            assertThat(s.lastBySubject("f.>.1")).isEmpty();
            assertThat(s.next(1, "f.>.1")).isEmpty();
            assertThat(s.nextBatch(1, "f.>.1", 10)).isEmpty();
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.lastBySubject("f.>").orElseThrow().seq()).isEqualTo(2);
        }
    }

    @Test
    void filtersThatCanMatchAreTheServersValidOnes() {
        for (String ok : new String[] {"a", "a.b", "*", ">", "a.*.c", "a.>", "*.>", "a*.b>"}) {
            assertThat(io.jetstart.core.store.SubjectFilter.canMatch(ok)).as(ok).isTrue();
        }
        for (String bad : new String[] {"", ".", "a.", ".a", "a..b", "a.>.b", ">.a"}) {
            assertThat(io.jetstart.core.store.SubjectFilter.canMatch(bad)).as(bad).isFalse();
        }
    }

    @Test
    void aMessageOverMaxMsgSizeIsRefusedBeforeAnyHeaderCheck() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.>\"],\"max_msg_size\":30}"));
            s.publish("m.1", Headers.of(Headers.MSG_ID, "x"), bytes("a"));
            String big = "0123456789012345678901234567890";
            // nats-server 2.15.1: 10054 for each, not the duplicate's ack nor the header's own error.
            String[][] headers = {{Headers.MSG_ID, "x"}, {Headers.EXPECTED_STREAM, "zz"}, {Headers.ROLLUP, "sub"},
                {Headers.EXPECTED_LAST_MSG_ID, "zz"}, {Headers.TTL, "5"}, {Headers.EXPECTED_LAST_SUBJECT_SEQ, "9"},
                {Headers.EXPECTED_LAST_SEQ, "9"}};
            for (String[] kv : headers) {
                assertRefused(() -> s.publish("m.1", Headers.of(kv), bytes(big)), 10054, "message size exceeds maximum allowed");
            }
            assertThat(s.info().messages()).isEqualTo(1);
        }
    }

    @Test
    void aSubjectIndexDbCannotHoldIsRefusedAndTheStreamKeepsWriting() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"W\",\"subjects\":[\"w.>\"]}"));
            // nats-server 2.15.1 stores a literal '*' or '>' token, and routes none of the others to the stream.
            assertThat(s.publish("w.*", bytes("a")).seq()).isEqualTo(1);
            assertThat(s.publish("w.>", bytes("b")).seq()).isEqualTo(2);
            for (String bad : new String[] {"w..a", "w.a.", "w.a b", "w.\ta", "w.>..a", "w.\u0000"}) {
                assertThatThrownBy(() -> s.publish(bad, bytes("x"))).as(bad).isInstanceOf(IllegalArgumentException.class);
            }
            s.flush();
            assertThat(s.publish("w.c", bytes("c")).seq()).isEqualTo(3);
            s.flush();
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(open(store, "W").info().messages()).isEqualTo(3);
        }
    }

    @Test
    void aMessageOnASubjectWithAFullWildcardBeforeItsEndIsStoredAndKeptAcrossReopens() throws Exception {
        // nats-server 2.10.27 and 2.15.1 store it; at restart they reject their own index.db, which holds the
        // subject, and rebuild from the blocks, keeping it. The runtime writes the same and recovers the same.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"X\",\"subjects\":[\"x.>\"]}"));
            assertThat(s.publish("x.>.a", bytes("a")).seq()).isEqualTo(1);
            assertThat(s.publish("x.1", bytes("b")).seq()).isEqualTo(2);
            assertThat(s.publish("x.>.a", bytes("c")).seq()).isEqualTo(3);
            s.delete(3);
            assertThat(s.next(1, "x.>").orElseThrow().subject()).isEqualTo("x.>.a");
            // As 2.15.1: the subject, though no valid filter, finds its own messages and nothing else.
            assertThat(s.lastBySubject("x.>.a").orElseThrow().seq()).isEqualTo(1);
            assertThat(s.publish("x.>.a", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "1"), bytes("c")).seq()).isEqualTo(4);
            s.delete(4);
        }
        Path index = dir.resolve("jetstream/$G/streams/X/msgs/index.db");
        assertThat(index).exists();
        for (int reopen = 0; reopen < 2; reopen++) {
            if (reopen == 1) {
                java.nio.file.Files.delete(index);
            }
            io.jetstart.core.store.StreamState st = RuntimeTestSupport.recovered(dir, "X");
            // The first reopen publishes one more (x.2, 5) before the second.
            assertThat(st.messages()).isEqualTo(2 + reopen);
            assertThat(st.lastSeq()).isEqualTo(4 + reopen);
            assertThat(st.subjects()).containsEntry("x.>.a", 1L).containsEntry("x.1", 1L);
            try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
                JetStartStream s = open(store, "X");
                assertThat(s.get(1).orElseThrow().subject()).isEqualTo("x.>.a");
                assertThat(s.get(3)).as("the delete's tombstone holds").isEmpty();
                assertThat(s.publish("x.2", bytes("d")).seq()).isEqualTo(5 + reopen);
            }
        }
    }

    @Test
    void aRollupOnALiteralWildcardSubjectRollsUpEverySubjectItMatches() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r.>\"],\"allow_rollup_hdrs\":true}"));
            s.publish("r.1", bytes("a"));
            s.publish("r.2", bytes("b"));
            s.publish("r.x.1", bytes("c"));
            // nats-server 2.15.1 purges on 'r.*' as a filter: r.1 and r.2 go, r.x.1 stays.
            assertThat(s.publish("r.*", Headers.of(Headers.ROLLUP, "sub"), bytes("d")).seq()).isEqualTo(4);
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.get(3)).isPresent();
            assertThat(s.get(1)).isEmpty();
        }
    }

    @Test
    void aMsgIdKeepsTheSpacesAfterItAcrossAReopen() throws Exception {
        // nats-server skips the spaces before a header's value and keeps those after it: "a " and
        // "a" are two ids. The window rebuilt at open must read the stored id as the publish did.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"T\",\"subjects\":[\"t.>\"]}"));
            assertThat(s.publish("t.a", Headers.of(Headers.MSG_ID, "a "), bytes("1")).seq()).isEqualTo(1);
            assertThat(s.publish("t.a", Headers.of(Headers.MSG_ID, "a"), bytes("2")).duplicate()).isFalse();
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = open(store, "T");
            PublishAck again = s.publish("t.a", Headers.of(Headers.MSG_ID, "a "), bytes("3"));
            assertThat(again.duplicate()).isTrue();
            assertThat(again.seq()).isEqualTo(1);
            assertThat(s.publish("t.a", Headers.of(Headers.MSG_ID, "a"), bytes("3")).seq()).isEqualTo(2);
            assertThat(s.publish("t.a", Headers.of(Headers.EXPECTED_LAST_MSG_ID, "a"), bytes("4")).seq()).isEqualTo(3);
        }
    }

    @Test
    void maxPayloadCountsTheHeadersAsTheServersDoes() throws Exception {
        RuntimeOptions d = RuntimeOptions.defaults();
        RuntimeOptions small = new RuntimeOptions(d.recovery(), d.sync(), d.syncInterval(), d.indexVersion(), d.blockSize(),
                64, d.lockFile(), d.cipher());
        try (JetStartStore store = JetStart.open(dir, small)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.>\"]}"));
            Headers h = Headers.of("X-K", "v");
            int hdr = h.encode().length;
            assertThat(s.publish("p.a", h, new byte[64 - hdr]).seq()).isEqualTo(1);
            assertThatThrownBy(() -> s.publish("p.a", h, new byte[64 - hdr + 1]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maximum payload exceeded (65 > 64)");
            assertThat(s.publish("p.a", new byte[64]).seq()).isEqualTo(2);
        }
    }
}
