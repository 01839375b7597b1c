package io.jetstart.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time (user + system) a process has used so far, from {@code /proc/<pid>/stat}: on a shared,
 * loaded machine a run's CPU time drifts far less than its wall time, and it counts what the JIT
 * compiler threads and the GC spent beside the work itself. -1 where there is no {@code /proc}.
 */
final class ProcessCpu {
    /** {@code USER_HZ}: Linux reports {@code utime} and {@code stime} in these ticks (100 on every mainstream build). */
    private static final long TICKS_PER_SECOND = 100;

    private ProcessCpu() {
    }

    static long nanos(long pid) {
        return nanos(Path.of("/proc", Long.toString(pid), "stat"));
    }

    static long selfNanos() {
        return nanos(ProcessHandle.current().pid());
    }

    /**
     * Fields 14 and 15 of a {@code stat} file. Counted after the closing parenthesis of the command
     * name (field 2), which may itself hold spaces and parentheses.
     */
    static long nanos(Path statFile) {
        String stat;
        try {
            stat = Files.readString(statFile, StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return parse(stat);
    }

    static long parse(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return -1;
        }
        String[] f = stat.substring(close + 1).trim().split(" +");
        // f[0] is field 3 (state), so field n is f[n - 3].
        if (f.length < 13) {
            return -1;
        }
        try {
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * (1_000_000_000L / TICKS_PER_SECOND);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
