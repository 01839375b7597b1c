package io.jetstart.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the bench ran: cores, CPU model, memory, JDK, kernel. */
record Machine(int cores, String cpu, long memoryBytes, String jdk, String os) {
    static Machine current() {
        return new Machine(Runtime.getRuntime().availableProcessors(), cpuModel(), memTotal(),
                Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    }

    private static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown CPU";
        }
        return "unknown CPU";
    }

    private static long memTotal() {
        return ProcessMemory.statusField(Path.of("/proc/meminfo"), "MemTotal:");
    }
}
