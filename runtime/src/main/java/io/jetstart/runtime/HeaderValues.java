package io.jetstart.runtime;

/**
 * The values of the publish headers nats-server parses itself ({@code Nats-TTL}, the expected
 * sequences), read as it reads them: the writer checks a message's headers with these before it
 * stores it ({@link WriterLoop}).
 */
final class HeaderValues {
    private HeaderValues() {
    }

    /**
     * A {@code Nats-TTL} value in seconds as nats-server's parseMessageTTL reads it: "never" is -1,
     * a Go duration (at least 1 s) or a whole number of seconds; 0 when absent or unreadable (the
     * server refuses a TTL on a stream without allow_msg_ttl only when it parsed to non-zero).
     */
    static long ttlSeconds(String v) {
        return io.jetstart.core.format.MessageTtl.parse(v);
    }

    /**
     * Whether nats-server's parseMessageTTL reads {@code v} without an error ("" is no header):
     * "never" in any case, a Go duration of at least a second, or decimal digits (whole seconds).
     */
    static boolean ttlReadable(String v) {
        if (v.isEmpty() || v.equalsIgnoreCase("never")) {
            return true;
        }
        try {
            return io.jetstart.recovery.GoFormat.parseDuration(v) >= 1_000_000_000L;
        } catch (IllegalArgumentException e) {
            // Not a duration: the server's parseInt64 (digits only).
        }
        return parseInt64(v) >= 0;
    }

    /**
     * nats-server's {@code parseInt64} (util.go): decimal digits only, else -1; a value past
     * 2^63-1 wraps as Go's int64 does, so 19 nines is negative (the server's 10165 for a TTL) and
     * 2^64+1 is 1 (a TTL of one second). Java's long wraps the same way.
     */
    static long parseInt64(String v) {
        if (v.isEmpty()) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /**
     * An expected sequence as nats-server reads it: spaces before the value skipped (its
     * sliceHeader), then parseInt64's decimal digits only (no sign, no trailing space: "+0" and "1 "
     * are not numbers), wrapping as Go's int64 does; anything else is -1, which as the server's
     * uint64 matches no sequence.
     */
    static long parseSeq(String v) {
        int from = 0;
        while (from < v.length() && v.charAt(from) == ' ') {
            from++;
        }
        if (from == v.length()) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
