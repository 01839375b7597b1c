package io.jetstart.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Drops the kernel's page cache between runs for {@code --cold}: {@code sync}, then {@code 3} into
 * {@code /proc/sys/vm/drop_caches} (root, and a kernel that lets this container write it).
 */
final class PageCache {
    private static final Path DROP = Path.of("/proc/sys/vm/drop_caches");

    private PageCache() {
    }

    /** @return null when the cache was dropped, else why it could not be */
    static String drop() throws InterruptedException {
        try {
            Process sync = new ProcessBuilder("sync").inheritIO().start();
            if (!sync.waitFor(120, TimeUnit.SECONDS)) {
                sync.destroyForcibly();
                return "sync did not finish within 120 s";
            }
            Files.writeString(DROP, "3\n", StandardCharsets.US_ASCII);
            return null;
        } catch (IOException | SecurityException e) {
            return "cannot write " + DROP + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); runs used a warm page cache";
        }
    }
}
