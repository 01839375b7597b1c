package io.jetstart.core.format;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Go's {@code time.ParseDuration}, the one parser of the duration text nats-server reads and
 * writes: operators' config values and log lines ({@code 500ms}, {@code 1m30s}, {@code 1.5h},
 * {@code 12.5µs}, {@code -2s}, a bare {@code 0}) and a message's {@code Nats-TTL} header. Exact:
 * decimal fractions go through {@link BigDecimal}, not a double, so {@code 0.3s} is 300,000,000 ns
 * as in Go.
 */
public final class GoDuration {
    private GoDuration() {
    }

    /**
     * @return the duration in nanoseconds
     * @throws IllegalArgumentException when {@code text} is not a duration Go would read (bare digits
     *                                  other than {@code 0} are not; a sign alone is not), or does not
     *                                  fit in a long
     */
    public static long parseNanos(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        String s = text;
        boolean negative = s.charAt(0) == '-';
        if (negative || s.charAt(0) == '+') {
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        if (s.isEmpty()) {
            throw notADuration(text);
        }
        BigDecimal total = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int number = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            int unit = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            long scale = switch (s.substring(unit, i)) {
                case "ns" -> 1L;
                case "us", "µs", "μs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> -1L;
            };
            String digits = s.substring(number, unit);
            if (scale < 0 || digits.isEmpty() || digits.equals(".") || digits.indexOf('.') != digits.lastIndexOf('.')) {
                throw notADuration(text);
            }
            total = total.add(new BigDecimal(digits).multiply(BigDecimal.valueOf(scale)));
        }
        try {
            long nanos = total.setScale(0, RoundingMode.DOWN).longValueExact();
            return negative ? -nanos : nanos;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration (at most about 292 years)");
        }
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 30s, 1m30s, 2h)");
    }
}
