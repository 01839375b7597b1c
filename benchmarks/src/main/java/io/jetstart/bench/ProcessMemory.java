package io.jetstart.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of the current JVM: heap (the sum of every heap pool's peak use, an upper bound
 * since the pools peak at different moments) and resident set ({@code VmHWM} of
 * {@code /proc/self/status}, Linux only).
 */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Forgets the peaks so far: what JVM start-up used does not count towards the measured work. */
    static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.isValid()) {
                pool.resetPeakUsage();
            }
        }
    }

    static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.isValid()) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** VmHWM of {@code /proc/<pid>/status} in bytes, or -1 where there is no such file. */
    static long peakRssBytes(long pid) {
        return statusField(Path.of("/proc", Long.toString(pid), "status"), "VmHWM:");
    }

    static long peakRssBytes() {
        return peakRssBytes(ProcessHandle.current().pid());
    }

    /** A "Name:   1234 kB" line of a proc status file, in bytes; -1 when absent or unreadable. */
    static long statusField(Path statusFile, String name) {
        try {
            for (String line : Files.readAllLines(statusFile, StandardCharsets.US_ASCII)) {
                if (line.startsWith(name)) {
                    return parseKb(line.substring(name.length()));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static long parseKb(String value) {
        String v = value.trim();
        if (v.endsWith("kB")) {
            v = v.substring(0, v.length() - 2).trim();
        }
        return Long.parseLong(v) * 1024;
    }
}
