package io.jetstart.runtime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * NATS message headers in the order given, encoded as jnats sends them and the store keeps them:
 * {@code NATS/1.0\r\nKey:value\r\n...\r\n} (no space after the colon; nats.go writes one, and
 * the server stores whatever bytes the client sent). Immutable.
 */
public final class Headers {
    public static final Headers EMPTY = new Headers(List.of());
    public static final String MSG_ID = "Nats-Msg-Id";
    public static final String EXPECTED_STREAM = "Nats-Expected-Stream";
    public static final String EXPECTED_LAST_SEQ = "Nats-Expected-Last-Sequence";
    public static final String EXPECTED_LAST_SUBJECT_SEQ = "Nats-Expected-Last-Subject-Sequence";
    public static final String EXPECTED_LAST_MSG_ID = "Nats-Expected-Last-Msg-Id";
    /** 2.12+: the subject whose last sequence {@link #EXPECTED_LAST_SUBJECT_SEQ} is checked against (default: the message's own). */
    public static final String EXPECTED_LAST_SUBJECT_SEQ_SUBJECT = "Nats-Expected-Last-Subject-Sequence-Subject";
    /** 2.11+: a per-message TTL; refused on a stream without {@code allow_msg_ttl}. */
    public static final String TTL = "Nats-TTL";
    /** {@code sub}: keep only this message of its subject; {@code all}: only this message of the stream. */
    public static final String ROLLUP = "Nats-Rollup";

    private static final byte[] PREFIX = "NATS/1.0\r\n".getBytes(StandardCharsets.US_ASCII);

    private final List<String[]> entries;

    private Headers(List<String[]> entries) {
        this.entries = entries;
    }

    /** Headers from key/value pairs: {@code of("Nats-Msg-Id", "a1", "X", "y")}. */
    public static Headers of(String... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("headers come in key/value pairs, got " + keyValues.length + " strings");
        }
        List<String[]> e = new ArrayList<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            String k = keyValues[i];
            String v = keyValues[i + 1];
            if (k.isEmpty() || k.indexOf(':') >= 0 || k.indexOf('\r') >= 0 || k.indexOf('\n') >= 0 || k.indexOf(' ') >= 0) {
                throw new IllegalArgumentException("invalid header key '" + k + "'");
            }
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header value of '" + k + "' holds a line break");
            }
            e.add(new String[] {k, v});
        }
        return new Headers(List.copyOf(e));
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * The first value of {@code key} (exact case) as nats-server reads a JetStream header: spaces
     * before the value skipped (its sliceHeader), so {@code Nats-Msg-Id: a} is the id {@code a}.
     */
    public Optional<String> first(String key) {
        for (String[] e : entries) {
            if (e[0].equals(key)) {
                String v = e[1];
                int from = 0;
                while (from < v.length() && v.charAt(from) == ' ') {
                    from++;
                }
                return Optional.of(from == 0 ? v : v.substring(from));
            }
        }
        return Optional.empty();
    }

    /** The header block as stored; empty array when there are no headers. */
    public byte[] encode() {
        if (entries.isEmpty()) {
            return new byte[0];
        }
        StringBuilder sb = new StringBuilder("NATS/1.0\r\n");
        for (String[] e : entries) {
            sb.append(e[0]).append(':').append(e[1]).append("\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses a stored header block leniently (a status line after {@code NATS/1.0} is skipped,
     * a line without ':' ignored); empty for anything that does not start with {@code NATS/1.0}.
     * Each value is kept as stored after its ':': {@link #first} skips the spaces before it and
     * keeps any after it, as nats-server reads a header, so an id rebuilt from a stored message
     * (the duplicate window at open) is the id the publish registered.
     */
    public static Headers parse(byte[] buf, int off, int len) {
        if (len < PREFIX.length) {
            return EMPTY;
        }
        for (int i = 0; i < 8; i++) {
            if (buf[off + i] != PREFIX[i]) {
                return EMPTY;
            }
        }
        String text = new String(buf, off, len, StandardCharsets.UTF_8);
        String[] lines = text.split("\r\n");
        List<String[]> e = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            e.add(new String[] {line.substring(0, colon), line.substring(colon + 1)});
        }
        return new Headers(List.copyOf(e));
    }
}
