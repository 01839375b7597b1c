package io.jetstart.it;

import java.util.Arrays;

/**
 * When each side may check its restored consumers again after a restart ({@link ModelClock}): both
 * start their consumers somewhere in the restart step, from {@code from} to {@code to} ({@link
 * System#nanoTime}), and repeat the check every one of the repeats after that. So a repeated check
 * falls in a window: the restart step shifted by a multiple of a repeat, widened on either side by
 * a margin for a late timer. Each check sets the next from when it ran, so their lateness adds up:
 * the margin grows with the time since the restart. Windows close together merge (6.000 s and
 * 6.003 s: three ack-wait repeats of 2.001 s and two of 3 s). A value: nothing here reads the clock.
 */
final class RestartChecks {
    /** How late a single check may fire. */
    static final long MARGIN = 50_000_000L;
    /** Margin added per second since the restart (5 ms per 2 s repeat). */
    static final long DRIFT_PER_SECOND = 2_500_000L;

    private final long from;
    private final long to;
    private final long[] repeats;

    RestartChecks(long from, long to, long... repeats) {
        if (to < from || repeats.length == 0 || Arrays.stream(repeats).anyMatch(r -> r <= 0)) {
            throw new IllegalArgumentException("restart step " + from + ".." + to + ", repeats " + Arrays.toString(repeats));
        }
        this.from = from;
        this.to = to;
        this.repeats = repeats.clone();
    }

    /** The first moment from {@code t} on outside every window with at least {@code room} nanos before the next. */
    long quietFrom(long t, long room) {
        for (long[] w = windowAfter(t); t >= w[0] || w[0] - t < room; w = windowAfter(t)) {
            t = Math.max(t, w[1]);
        }
        return t;
    }

    /** When the first window that ends after {@code t} starts (it may have started already). */
    long nextStart(long t) {
        return windowAfter(t)[0];
    }

    /** The first window, {start, end}, that ends after {@code t}: windows end in the order of their shifts. */
    private long[] windowAfter(long t) {
        long[] k = new long[repeats.length];
        Arrays.fill(k, 1);
        while (true) {
            int at = 0;
            for (int i = 1; i < repeats.length; i++) {
                if (k[i] * repeats[i] < k[at] * repeats[at]) {
                    at = i;
                }
            }
            long shift = k[at] * repeats[at];
            long margin = MARGIN + shift / 1_000_000_000L * DRIFT_PER_SECOND;
            if (to + shift + margin > t) {
                return new long[] {from + shift - margin, to + shift + margin};
            }
            k[at]++;
        }
    }
}
