package io.jetstart.runtime;

import java.util.stream.LongStream;

/**
 * The seeds a hammer test runs with. By default one round on a fresh seed (CI-sized); a failure
 * names its seed in every assertion, and {@code -Djetstart.hammer.seed=N} replays it. A longer run:
 * {@code -Djetstart.hammer.rounds=20} (each round a new seed).
 */
final class HammerRuns {
    private HammerRuns() {
    }

    static long[] seeds() {
        String seed = System.getProperty("jetstart.hammer.seed");
        if (seed != null && !seed.isBlank()) {
            return new long[] {Long.parseLong(seed.trim())};
        }
        int rounds = Integer.getInteger("jetstart.hammer.rounds", 1);
        long first = System.nanoTime();
        return LongStream.range(0, Math.max(1, rounds)).map(i -> first + i * 0x9E3779B97F4A7C15L).toArray();
    }
}
