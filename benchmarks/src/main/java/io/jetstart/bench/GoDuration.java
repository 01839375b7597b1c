package io.jetstart.bench;

import java.math.BigDecimal;

/**
 * Parses what Go's {@code time.Duration.String} prints ({@code 487.702281ms}, {@code 1.5s},
 * {@code 1m2.5s}, {@code 850µs}, {@code 0s}), as nats-server writes it in
 * {@code Took 561.4ms to start JetStream}.
 */
final class GoDuration {
    private GoDuration() {
    }

    static long parseNanos(String s) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("empty Go duration");
        }
        String in = s;
        boolean negative = false;
        if (in.charAt(0) == '-' || in.charAt(0) == '+') {
            negative = in.charAt(0) == '-';
            in = in.substring(1);
        }
        if (in.equals("0")) {
            return 0;
        }
        BigDecimal total = BigDecimal.ZERO;
        int i = 0;
        while (i < in.length()) {
            int startNum = i;
            while (i < in.length() && (Character.isDigit(in.charAt(i)) || in.charAt(i) == '.')) {
                i++;
            }
            if (startNum == i) {
                throw new IllegalArgumentException("Go duration '" + s + "': expected a number at " + startNum);
            }
            BigDecimal value = new BigDecimal(in.substring(startNum, i));
            int startUnit = i;
            while (i < in.length() && !(Character.isDigit(in.charAt(i)) || in.charAt(i) == '.')) {
                i++;
            }
            long unit = switch (in.substring(startUnit, i)) {
                case "ns" -> 1L;
                case "us", "µs", "μs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> throw new IllegalArgumentException("Go duration '" + s + "': unknown unit '"
                        + in.substring(startUnit, i) + "' at " + startUnit);
            };
            total = total.add(value.multiply(BigDecimal.valueOf(unit)));
        }
        long nanos = total.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        return negative ? -nanos : nanos;
    }
}
