package io.jetstart.bench;

import java.util.Arrays;

/** Percentiles of per-message publish latencies (nearest rank: always a latency that was measured). */
final class Latencies {
    private Latencies() {
    }

    /**
     * The {@code p}-th percentile (0 < p <= 100) of {@code values}, by nearest rank; -1 when there
     * are none. Sorts a copy: the caller's array keeps its per-message order.
     */
    static long percentile(long[] values, double p) {
        if (p <= 0 || p > 100) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (values.length == 0) {
            return -1;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
