package io.jetstart.core.format;

import java.nio.charset.StandardCharsets;

/**
 * Header look-up in a NATS header block ({@code "NATS/1.0\r\nKey: value\r\n...\r\n"}) exactly as
 * nats-server's {@code getHeaderKeyIndex}/{@code sliceHeader} do it, so the TTL and schedule
 * counts that feed {@code index.db} match the server's.
 *
 * <p>Design note: the match is case-sensitive and requires the key to start a line
 * ({@code "\r\n"} before it) and be followed by {@code ':'}; the value runs, after leading
 * spaces, to the next CRLF. A present key with an empty value counts as absent, as in the
 * server. One quirk is kept on purpose: a candidate found fewer than two bytes after the
 * previous (rejected) candidate ends the search.
 */
final class NatsHeaders {
    static final byte[] TTL = "Nats-TTL".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SCHEDULE = "Nats-Schedule".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SCHEDULE_TARGET = "Nats-Schedule-Target".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SCHEDULE_TIME_ZONE = "Nats-Schedule-Time-Zone".getBytes(StandardCharsets.US_ASCII);
    static final byte[] MARKER_REASON = "Nats-Marker-Reason".getBytes(StandardCharsets.US_ASCII);
    static final byte[] KV_OPERATION = "KV-Operation".getBytes(StandardCharsets.US_ASCII);

    private NatsHeaders() {
    }

    /** True when {@code hdr[off, off+len)} holds {@code key} with a non-empty value. */
    static boolean hasValue(byte[] hdr, int off, int len, byte[] key) {
        int index = keyIndex(hdr, off, len, key);
        if (index < 0) {
            return false;
        }
        int end = off + len;
        int i = off + index + key.length + 1;
        while (i < end && hdr[i] == ' ') {
            i++;
        }
        // The value is empty exactly when a CRLF (or the end) follows the spaces.
        return i < end && !(hdr[i] == '\r' && i < end - 1 && hdr[i + 1] == '\n');
    }

    /**
     * The value of {@code key} in {@code hdr[off, off+len)} as the server's {@code sliceHeader}
     * gives it (leading spaces skipped, up to the next CRLF), or null when absent or empty.
     */
    static String value(byte[] hdr, int off, int len, byte[] key) {
        if (!hasValue(hdr, off, len, key)) {
            return null;
        }
        int end = off + len;
        int from = off + keyIndex(hdr, off, len, key) + key.length + 1;
        while (from < end && hdr[from] == ' ') {
            from++;
        }
        int to = from;
        while (to < end && !(hdr[to] == '\r' && to + 1 < end && hdr[to + 1] == '\n')) {
            to++;
        }
        return new String(hdr, from, to - from, StandardCharsets.UTF_8);
    }

    /** Offset of {@code key} relative to {@code off}, or -1. */
    private static int keyIndex(byte[] hdr, int off, int len, byte[] key) {
        if (len == 0) {
            return -1;
        }
        int offset = 0;
        while (true) {
            int found = indexOf(hdr, off + offset, off + len, key);
            int rel = found < 0 ? -1 : found - (off + offset);
            if (rel < 2) {
                return -1;
            }
            int index = rel + offset;
            if (index >= len - 1 || hdr[off + index - 1] != '\n' || hdr[off + index - 2] != '\r') {
                offset = index + key.length;
                continue;
            }
            if (index + key.length >= len) {
                return -1;
            }
            if (hdr[off + index + key.length] != ':') {
                offset = index + key.length;
                continue;
            }
            return index;
        }
    }

    private static int indexOf(byte[] b, int from, int end, byte[] key) {
        int last = end - key.length;
        outer:
        for (int i = from; i <= last; i++) {
            for (int j = 0; j < key.length; j++) {
                if (b[i + j] != key[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
