package io.jetstart.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real server stores in {@code shared/fixtures}: from the {@code jetstart.fixtures} system
 * property, else the first {@code shared/fixtures} folder found walking up from the working
 * directory (normally {@code <repo>/../shared/fixtures}). Tests copy them; never modify in place.
 */
final class Fixtures {

    private Fixtures() {
    }

    static Optional<Path> dir() {
        String configured = System.getProperty("jetstart.fixtures");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared/fixtures");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
