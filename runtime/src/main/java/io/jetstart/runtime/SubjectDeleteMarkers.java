package io.jetstart.runtime;

import io.jetstart.recovery.GoFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The header bytes nats-server 2.11+ writes on a stream with {@code subject_delete_marker_ttl}:
 * the marker it stores when a message expires as the last of its subject, and the {@code Nats-TTL}
 * it rewrites when a publish asks for less than the marker's TTL.
 *
 * <pre>
 * marker (filestore.go: handleRemovalOrSdm), for subject_delete_marker_ttl of 1 h:
 *   NATS/1.0\r\n
 *   Nats-Marker-Reason: MaxAge\r\n       MaxAge for a TTL expiry too: the server has one reason here
 *   Nats-TTL: 1h0m0s\r\n                 Go's Duration.String of the TTL in whole seconds
 *   Nats-Rollup: sub\r\n                 the marker's own publish removes the expired message
 *   \r\n
 * raised TTL (stream.go: processJetStreamMsg), asked 1s with a 10 s marker TTL:
 *   NATS/1.0\r\nNats-TTL:1s\r\nX: y\r\n\r\n  becomes  NATS/1.0\r\nX: y\r\nNats-TTL: 10\r\n\r\n
 * </pre>
 *
 * <p>Design note: both are the server's bytes, not a re-encoding of parsed headers, because a
 * reader (nats-server after the runtime, a client comparing revisions) sees the stored header as
 * it is; {@code testdata/fixtures/nats-2.15.1-features} ({@code SDM}, {@code KV_KVT}) holds both.
 */
final class SubjectDeleteMarkers {
    private static final byte[] STATUS_LINE = "NATS/1.0\r\n".getBytes(StandardCharsets.US_ASCII);
    /** The server's emptyHdrLine: a header block with nothing in it. */
    private static final int EMPTY_HEADER = "NATS/1.0\r\n\r\n".length();
    private static final byte[] TTL_KEY = (Headers.TTL + ":").getBytes(StandardCharsets.US_ASCII);

    private SubjectDeleteMarkers() {
    }

    /**
     * The marker's header for a marker TTL of {@code ttlSeconds}. The server multiplies the whole
     * seconds back into a Go duration (int64 nanoseconds, wrapping as Java's long does past about
     * 292 years) and prints it with Duration.String.
     */
    static byte[] markerHeader(long ttlSeconds) {
        return ("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\n" + Headers.TTL + ": " + GoFormat.duration(ttlSeconds * 1_000_000_000L)
                + "\r\n" + Headers.ROLLUP + ": sub\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code hdr} with every {@code Nats-TTL} line taken out and {@code Nats-TTL: <seconds>} added
     * last, as the server's removeHeaderIfPresent then genHeader do: the key is matched as written
     * (case-sensitive, at the start of a line, followed by a colon); a block left with nothing in it
     * starts again from the bare status line.
     */
    static byte[] raisedTtl(byte[] hdr, long seconds) {
        byte[] rest = withoutTtlLines(hdr);
        ByteArrayOutputStream out = new ByteArrayOutputStream(rest.length + 24);
        if (rest.length <= EMPTY_HEADER) {
            out.writeBytes(STATUS_LINE);
        } else {
            out.write(rest, 0, rest.length - 2);
        }
        out.writeBytes((Headers.TTL + ": " + seconds + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] withoutTtlLines(byte[] hdr) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(hdr.length);
        int i = 0;
        while (i < hdr.length) {
            int eol = indexOfCrLf(hdr, i);
            int next = eol < 0 ? hdr.length : eol + 2;
            // A line is a TTL line when it follows a CRLF (not the status line) and starts with the key.
            boolean ttlLine = i > 0 && eol >= 0 && startsWith(hdr, i, TTL_KEY);
            if (!ttlLine) {
                out.write(hdr, i, next - i);
            }
            i = next;
        }
        return out.toByteArray();
    }

    private static int indexOfCrLf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at + prefix.length > b.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (b[at + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }
}
