package io.jetstart.recovery;

import java.math.BigDecimal;

/**
 * nats-server's number and duration formats, so that operators' greps keep working (spec 6.6):
 * {@code comma(int64)} and Go's {@code time.Duration.String()}.
 */
public final class GoFormat {
    private GoFormat() {
    }

    /** 1000 → "1,000"; -1234567 → "-1,234,567". */
    public static String comma(long v) {
        String digits = Long.toString(Math.abs(v));
        if (v == Long.MIN_VALUE) {
            digits = "9223372036854775808";
        }
        StringBuilder sb = new StringBuilder();
        int first = digits.length() % 3 == 0 ? 3 : digits.length() % 3;
        sb.append(digits, 0, first);
        for (int i = first; i < digits.length(); i += 3) {
            sb.append(',').append(digits, i, i + 3);
        }
        return v < 0 ? "-" + sb : sb.toString();
    }

    /** Go's {@code d.Round(time.Millisecond).String()}, as in "Restored ... in 378ms". */
    public static String durationRoundedToMillis(long nanos) {
        long ms = 1_000_000L;
        long r = nanos % ms;
        long rounded = nanos - r;
        if (Math.abs(r) * 2 >= ms) {
            rounded += nanos < 0 ? -ms : ms;
        }
        return duration(rounded);
    }

    /** Go's {@code time.Duration.String()}: "0s", "7ns", "12.5µs", "845.123456ms", "1m2.003s". */
    public static String duration(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        boolean neg = nanos < 0;
        long u = Math.abs(nanos);
        String s;
        if (u < 1_000_000_000L) {
            if (u < 1_000L) {
                s = u + "ns";
            } else if (u < 1_000_000L) {
                s = trim(BigDecimal.valueOf(u, 3)) + "µs";
            } else {
                s = trim(BigDecimal.valueOf(u, 6)) + "ms";
            }
        } else {
            long h = u / 3_600_000_000_000L;
            long rem = u % 3_600_000_000_000L;
            long m = rem / 60_000_000_000L;
            long secNanos = rem % 60_000_000_000L;
            String sec = trim(BigDecimal.valueOf(secNanos, 9)) + "s";
            if (h > 0) {
                s = h + "h" + m + "m" + sec;
            } else if (m > 0) {
                s = m + "m" + sec;
            } else {
                s = sec;
            }
        }
        return neg ? "-" + s : s;
    }

    /**
     * Go's {@code time.ParseDuration}: what {@link #duration(long)} prints and what operators
     * write in nats-server's config ({@code 500ms}, {@code 1m30s}, {@code 1.5h}, {@code 12.5µs},
     * {@code -2s}; a bare {@code 0}). Exact: decimal fractions are not rounded through a double.
     *
     * @return the duration in nanoseconds
     * @throws IllegalArgumentException when {@code text} is not a duration, or does not fit in a long
     */
    public static long parseDuration(String text) {
        return io.jetstart.core.format.GoDuration.parseNanos(text);
    }

    private static String trim(BigDecimal d) {
        String s = d.stripTrailingZeros().toPlainString();
        return s;
    }
}
