package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The header bytes against what nats-server 2.15.1 stored in {@code testdata/fixtures/nats-2.15.1-features}
 * ({@code SDM}: markers of a 1 h marker TTL; {@code KV_KVT}: 10 s markers and a key's 1 s TTL raised to 10).
 */
class SubjectDeleteMarkersTest {
    private static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    @Test
    void theMarkerHeaderIsTheServersForAnHour() {
        assertThat(text(SubjectDeleteMarkers.markerHeader(3600)))
                .isEqualTo("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1h0m0s\r\nNats-Rollup: sub\r\n\r\n");
    }

    @Test
    void theMarkerHeaderIsTheServersForTenSecondsAndForAMinuteAndAHalf() {
        assertThat(text(SubjectDeleteMarkers.markerHeader(10)))
                .isEqualTo("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 10s\r\nNats-Rollup: sub\r\n\r\n");
        assertThat(text(SubjectDeleteMarkers.markerHeader(90))).contains("Nats-TTL: 1m30s\r\n");
    }

    @Test
    void aRaisedTtlTakesTheOldLineOutAndAddsTheNewOneLast() {
        byte[] sent = "NATS/1.0\r\nNats-TTL:1s\r\nNats-Expected-Last-Subject-Sequence:0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(text(SubjectDeleteMarkers.raisedTtl(sent, 10)))
                .isEqualTo("NATS/1.0\r\nNats-Expected-Last-Subject-Sequence:0\r\nNats-TTL: 10\r\n\r\n");
    }

    @Test
    void aRaisedTtlAloneInItsHeaderStartsFromTheStatusLine() {
        byte[] sent = "NATS/1.0\r\nNats-TTL: 2\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(text(SubjectDeleteMarkers.raisedTtl(sent, 3600))).isEqualTo("NATS/1.0\r\nNats-TTL: 3600\r\n\r\n");
    }

    @Test
    void everyTtlLineGoesAndAKeyOnlyStartingTheSameOrInOtherCaseStays() {
        byte[] sent = "NATS/1.0\r\nNats-TTL:1\r\nNats-TTLx: a\r\nnats-ttl: b\r\nNats-TTL: 2\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(text(SubjectDeleteMarkers.raisedTtl(sent, 5)))
                .isEqualTo("NATS/1.0\r\nNats-TTLx: a\r\nnats-ttl: b\r\nNats-TTL: 5\r\n\r\n");
    }
}
