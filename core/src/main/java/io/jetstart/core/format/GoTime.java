package io.jetstart.core.format;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Go's {@code time.Time} JSON form (RFC 3339 with nanoseconds, trailing zeros trimmed, UTC), as
 * nats-server prints it: {@code 2026-11-25T12:17:06.77586392Z}; the zero time (0 ns here) is
 * {@code 0001-01-01T00:00:00Z}.
 */
public final class GoTime {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    public static final String ZERO = "0001-01-01T00:00:00Z";

    private GoTime() {
    }

    public static String format(long unixNanos) {
        if (unixNanos == 0) {
            return ZERO;
        }
        return format(Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L), Math.floorMod(unixNanos, 1_000_000_000L)));
    }

    /**
     * {@code t} as Go writes a UTC {@code time.Time}; for the instants a long of nanoseconds cannot
     * hold too (a {@code pause_until} in the year 9999 is written as the server writes it).
     */
    public static String format(Instant t) {
        int nanos = t.getNano();
        StringBuilder sb = new StringBuilder(SECONDS.format(t.minusNanos(nanos)));
        if (nanos != 0) {
            String frac = String.format("%09d", nanos);
            int end = frac.length();
            while (frac.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(frac, 0, end);
        }
        return sb.append('Z').toString();
    }

    /** Parses an RFC 3339 time to Unix nanoseconds; Go's zero time gives 0. */
    public static long parse(String rfc3339) {
        if (rfc3339 == null || rfc3339.isEmpty() || rfc3339.startsWith("0001-01-01T00:00:00")) {
            return 0;
        }
        Instant i = java.time.OffsetDateTime.parse(rfc3339).toInstant();
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    }
}
