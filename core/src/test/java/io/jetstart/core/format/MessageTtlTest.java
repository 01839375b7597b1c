package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code Nats-TTL} values as nats-server's parseMessageTTL reads them. */
class MessageTtlTest {

    private static long ttl(String headers) {
        byte[] b = headers.getBytes(StandardCharsets.UTF_8);
        return MessageTtl.seconds(b, 0, b.length);
    }

    @Test
    void neverInAnyCaseNeverExpires() {
        assertThat(ttl("NATS/1.0\r\nNats-TTL: never\r\n\r\n")).isEqualTo(MessageTtl.NEVER);
        assertThat(ttl("NATS/1.0\r\nNats-TTL: NEVER\r\n\r\n")).isEqualTo(MessageTtl.NEVER);
    }

    @Test
    void goDurationsAndWholeSecondsAreSeconds() {
        assertThat(ttl("NATS/1.0\r\nNats-TTL: 1s\r\n\r\n")).isEqualTo(1);
        // The form the server writes into a subject delete marker (time.Duration's String).
        assertThat(ttl("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 876000h0m0s\r\n\r\n")).isEqualTo(3_153_600_000L);
        assertThat(ttl("NATS/1.0\r\nNats-TTL: 1m30.5s\r\n\r\n")).isEqualTo(90);
        // The form the server writes when it raises a TTL to subject_delete_marker_ttl.
        assertThat(ttl("NATS/1.0\r\nNats-TTL: 10\r\n\r\n")).isEqualTo(10);
    }

    @Test
    void wholeSecondsPastTheLongRangeWrapAsGosInt64() {
        // 2^64 + 1 wraps to 1: the server times it for one second.
        assertThat(ttl("NATS/1.0\r\nNats-TTL: 18446744073709551617\r\n\r\n")).isEqualTo(1);
        // 19 nines wraps negative: the server's parse error, no TTL.
        assertThat(ttl("NATS/1.0\r\nNats-TTL: 9999999999999999999\r\n\r\n")).isZero();
    }

    @Test
    void whatTheServerCannotReadIsNoTtl() {
        assertThat(ttl("NATS/1.0\r\nNats-TTL: 500ms\r\n\r\n")).isZero();
        assertThat(ttl("NATS/1.0\r\nNats-TTL: -1\r\n\r\n")).isZero();
        assertThat(ttl("NATS/1.0\r\nNats-TTL: soon\r\n\r\n")).isZero();
        assertThat(ttl("NATS/1.0\r\nX-Nats-TTL: 5s\r\n\r\n")).isZero();
        assertThat(ttl("NATS/1.0\r\nNats-TTL:\r\n\r\n")).isZero();
    }

    @Test
    void aMarkerIsToldByItsReasonHeader() {
        byte[] marker = "NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1h0m0s\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] plain = "NATS/1.0\r\nNats-TTL: 1h\r\n\r\n".getBytes(StandardCharsets.UTF_8);

        assertThat(MessageTtl.isDeleteMarker(marker, 0, marker.length)).isTrue();
        assertThat(MessageTtl.isDeleteMarker(plain, 0, plain.length)).isFalse();
    }

    @Test
    void aKvPurgeIsAMarkerAndAKvDeleteIsNot() {
        byte[] purge = "NATS/1.0\r\nKV-Operation: PURGE\r\nNats-Rollup: sub\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] delete = "NATS/1.0\r\nKV-Operation: DEL\r\n\r\n".getBytes(StandardCharsets.UTF_8);

        assertThat(MessageTtl.isDeleteMarker(purge, 0, purge.length)).as("sdm.go: a KV purge").isTrue();
        assertThat(MessageTtl.isDeleteMarker(delete, 0, delete.length)).isFalse();
    }
}
