package io.jetstart.core.format;

/**
 * A stored message's {@code Nats-TTL} as nats-server 2.11+ reads it ({@code stream.go:
 * getMessageTTL}/{@code parseMessageTTL}): {@code "never"} (any case) never expires, a Go duration
 * of at least one second or a whole number of seconds is that many seconds; anything else counts
 * as no TTL. Also whether the message is a subject delete marker ({@code Nats-Marker-Reason}), which
 * the server never replaces with another marker when it expires.
 */
public final class MessageTtl {
    /** {@link #seconds} of a message that never expires. */
    public static final long NEVER = -1;

    private MessageTtl() {
    }

    /**
     * @return the TTL in seconds of the header block {@code hdr[off, off+len)}, {@link #NEVER}, or 0
     *         when it has none the server would read
     */
    public static long seconds(byte[] hdr, int off, int len) {
        String v = NatsHeaders.value(hdr, off, len, NatsHeaders.TTL);
        return v == null ? 0 : parse(v);
    }

    /**
     * Whether the header block carries a non-empty {@code Nats-TTL}, whatever its value: what a
     * rebuild of a block counts into its {@code ttls} ({@code rebuildStateLocked}), as
     * {@link BlockScanner} does.
     */
    public static boolean present(byte[] hdr, int off, int len) {
        return NatsHeaders.hasValue(hdr, off, len, NatsHeaders.TTL);
    }

    /**
     * The server's {@code isSubjectDeleteMarker} (sdm.go): the header block carries a
     * {@code Nats-Marker-Reason}, or is a KV purge ({@code KV-Operation: PURGE}, the marker a KV
     * client writes itself). No marker replaces an expired marker.
     */
    public static boolean isDeleteMarker(byte[] hdr, int off, int len) {
        return NatsHeaders.hasValue(hdr, off, len, NatsHeaders.MARKER_REASON)
                || "PURGE".equals(NatsHeaders.value(hdr, off, len, NatsHeaders.KV_OPERATION));
    }

    /**
     * A {@code Nats-TTL} value as nats-server's {@code parseMessageTTL} reads it: "never" (any case)
     * is {@link #NEVER}, then time.ParseDuration (at least 1 s; less is 0), then parseInt64 (digits
     * only, wrapping); 0 when absent ({@code ""}) or unreadable, which the server takes as no TTL.
     * The publish path and a stored message's reader use this one parse.
     */
    public static long parse(String v) {
        if (v.equalsIgnoreCase("never")) {
            return NEVER;
        }
        long nanos = goDurationNanos(v);
        if (nanos != Long.MIN_VALUE) {
            return nanos < 1_000_000_000L ? 0 : nanos / 1_000_000_000L;
        }
        // parseInt64 (util.go): digits only, wrapping past 2^63-1 as Go's int64 (Java's long wraps
        // alike); negative is the server's parse error, so no TTL.
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            n = n * 10 + (c - '0');
        }
        return v.isEmpty() || n < 0 ? 0 : n;
    }

    /** {@link GoDuration#parseNanos}, with {@code Long.MIN_VALUE} for Go's error, so that the caller tries whole seconds next. */
    static long goDurationNanos(String text) {
        try {
            return GoDuration.parseNanos(text);
        } catch (IllegalArgumentException e) {
            return Long.MIN_VALUE;
        }
    }
}
