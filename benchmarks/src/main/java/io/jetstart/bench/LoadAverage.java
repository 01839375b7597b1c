package io.jetstart.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The machine's 1-minute load average, sampled before each timed run, so the table says how much
 * other work competed for the cores: on a shared machine a parallel variant measured under a load
 * of 9 on 2 cores says little about the variant.
 */
final class LoadAverage {
    private static final Path LOADAVG = Path.of("/proc/loadavg");
    private double min = Double.MAX_VALUE;
    private double max = -1;

    void sample() {
        double v = read(LOADAVG);
        if (v >= 0) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
    }

    /** First field of a loadavg file, or -1 when it cannot be read. */
    static double read(Path file) {
        try {
            String[] parts = Files.readString(file, StandardCharsets.US_ASCII).strip().split("\\s+");
            return Double.parseDouble(parts[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * One line for the table. The bench itself keeps about one core busy, so a load well above the
     * core count means other processes took CPU time from the runs.
     */
    String describe(int cores) {
        if (max < 0) {
            return "machine load: not available (no /proc/loadavg)";
        }
        String line = String.format(Locale.ROOT, "machine load (1-minute average) while timing: %.2f to %.2f on %d cores", min, max, cores);
        return max > cores + 1 ? line + " — other processes competed for the CPU: absolute times are inflated, ratios less reliable"
                : line;
    }
}
