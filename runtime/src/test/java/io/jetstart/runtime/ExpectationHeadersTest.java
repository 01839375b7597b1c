package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The 2.12+ subject override of the per-subject expectation, and the TTL header on a stream without TTLs. */
class ExpectationHeadersTest {
    @TempDir
    Path dir;

    @Test
    void theExpectedLastSubjectSequenceIsCheckedAgainstTheSubjectTheSubjectHeaderNames() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e.>\"]}"));
            s.publish("e.a", bytes("1"));
            s.publish("e.b", bytes("2"));
            s.publish("e.a", bytes("3"));
            // The last of e.b is 2, whatever the message's own subject (e.c has none).
            assertThat(s.publish("e.c", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "2",
                    Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, "e.b"), bytes("4")).seq()).isEqualTo(4);
            assertThatThrownBy(() -> s.publish("e.c", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "2",
                    Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, "e.a"), bytes("5")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10071);
                        assertThat(e.description()).isEqualTo("wrong last sequence: 3");
                    });
            // A wildcard subject: the last message of any subject it matches (4, on e.c).
            assertThat(s.publish("e.d", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "4",
                    Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, "e.*"), bytes("6")).seq()).isEqualTo(5);
            // A subject no message has: its last sequence is 0.
            assertThat(s.publish("e.a", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, "0",
                    Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, "e.none"), bytes("7")).seq()).isEqualTo(6);
            assertThat(s.info().lastSeq()).isEqualTo(6);
        }
    }

    @Test
    void theSubjectHeaderWithoutTheSequenceHeaderIsRefusedWithTheServersError() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e.>\"]}"));
            assertThatThrownBy(() -> s.publish("e.a", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, "e.b"), bytes("1")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.code()).isEqualTo(400);
                        assertThat(e.errCode()).isEqualTo(10193);
                        assertThat(e.description()).isEqualTo("missing sequence for expected last sequence per subject");
                    });
            assertThat(s.info().messages()).isZero();
        }
    }

    @Test
    void aTtlHeaderOnAStreamWithoutMessageTtlsIsRefusedAsDisabledOrAsInvalid() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"T\",\"subjects\":[\"t\"]}"));
            for (String ttl : new String[] {"5s", "1h", "30", "never"}) {
                assertThatThrownBy(() -> s.publish("t", Headers.of(Headers.TTL, ttl), bytes("x")))
                        .as(ttl).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                            assertThat(e.errCode()).isEqualTo(10166);
                            assertThat(e.description()).isEqualTo("per-message TTL is disabled");
                        });
            }
            // nats-server 2.15.1 reads these as "no TTL" for the first check, then refuses them as unreadable
            // (under a second, "0" being a Go duration, or not a number) with 10165 (RuntimeCornersIT).
            for (String ttl : new String[] {"500ms", "0", "0s", "-1", "1.5", "abc"}) {
                assertThatThrownBy(() -> s.publish("t", Headers.of(Headers.TTL, ttl), bytes("x")))
                        .as(ttl).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                            assertThat(e.code()).isEqualTo(400);
                            assertThat(e.errCode()).isEqualTo(10165);
                            assertThat(e.description()).isEqualTo("invalid per-message TTL");
                        });
            }
            assertThat(s.info().messages()).isZero();
            assertThat(s.publish("t", Headers.of(Headers.TTL, ""), bytes("x")).seq()).isEqualTo(1);
        }
    }

    @Test
    void ttlValuesAreReadAsTheServerReadsThem() {
        assertThat(HeaderValues.ttlSeconds("")).isZero();
        assertThat(HeaderValues.ttlSeconds("never")).isEqualTo(-1);
        assertThat(HeaderValues.ttlSeconds("NEVER")).isEqualTo(-1);
        assertThat(HeaderValues.ttlSeconds("1m30s")).isEqualTo(90);
        assertThat(HeaderValues.ttlSeconds("900ms")).isZero();
        assertThat(HeaderValues.ttlSeconds("-5s")).isZero();
        assertThat(HeaderValues.ttlSeconds("42")).isEqualTo(42);
        assertThat(HeaderValues.ttlSeconds("4x")).isZero();
        assertThat(HeaderValues.ttlReadable("")).isTrue();
        assertThat(HeaderValues.ttlReadable("Never")).isTrue();
        assertThat(HeaderValues.ttlReadable("1s")).isTrue();
        assertThat(HeaderValues.ttlReadable("42")).isTrue();
        assertThat(HeaderValues.ttlReadable("900ms")).isFalse();
        assertThat(HeaderValues.ttlReadable("0")).isFalse();
        assertThat(HeaderValues.ttlReadable("-5s")).isFalse();
        assertThat(HeaderValues.ttlReadable("4x")).isFalse();
        // Whole seconds past 2^63-1 wrap as the server's parseInt64 does (Go's int64).
        assertThat(HeaderValues.ttlSeconds("18446744073709551617")).isEqualTo(1);
        assertThat(HeaderValues.ttlReadable("18446744073709551617")).isTrue();
        assertThat(HeaderValues.ttlSeconds("9999999999999999999")).isZero();
        assertThat(HeaderValues.ttlReadable("9999999999999999999")).isFalse();
    }
}
