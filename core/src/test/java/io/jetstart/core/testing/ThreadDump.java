package io.jetstart.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The names of the JVM's threads, virtual ones included ({@link Thread#getAllStackTraces()} lists
 * platform threads only): for tests that check a close or a cancellation leaves no thread behind.
 */
public final class ThreadDump {
    private ThreadDump() {
    }

    /** Every thread in a JDK thread dump (JSON), by name; never empty (the caller's own thread is there). */
    public static List<String> names() throws Exception {
        Path dir = Files.createTempDirectory("jetstart-threads");
        Path file = dir.resolve("dump.json");
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            List<String> names = new ArrayList<>();
            for (JsonNode container : root.path("threadDump").path("threadContainers")) {
                for (JsonNode t : container.path("threads")) {
                    names.add(t.path("name").asText(""));
                }
            }
            if (names.isEmpty()) {
                throw new IllegalStateException("the thread dump lists no thread: its format changed?");
            }
            return names;
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
