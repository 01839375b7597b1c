package io.jetstart.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Min and median of a handful of runs (the bench reports no mean: one slow outlier would move it). */
final class Stats {
    private Stats() {
    }

    static long min(List<Long> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        return Collections.min(values);
    }

    /** The middle value; for an even count the mean of the two middle ones. */
    static long median(List<Long> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        List<Long> v = new ArrayList<>(values);
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** Largest value, or -1 when there is none or every value is unknown (-1). */
    static long maxKnown(List<Long> values) {
        long m = -1;
        for (long x : values) {
            m = Math.max(m, x);
        }
        return m;
    }
}
