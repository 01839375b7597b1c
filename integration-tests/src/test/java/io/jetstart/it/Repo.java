package io.jetstart.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository checkout is: the folder holding the {@code jetstart} launcher. */
final class Repo {

    private Repo() {
    }

    /**
     * From the {@code maven.multiModuleProjectDirectory} system property (failsafe passes it), else
     * by walking up from the working directory; so the tests also run from an IDE.
     */
    static Path root() {
        String fromMaven = System.getProperty("maven.multiModuleProjectDirectory");
        if (fromMaven != null && !fromMaven.isBlank() && isRoot(Path.of(fromMaven))) {
            return Path.of(fromMaven).toAbsolutePath().normalize();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (isRoot(d)) {
                return d;
            }
        }
        throw new IllegalStateException("no jetstart checkout above " + Path.of("").toAbsolutePath()
                + " (looked for a folder with the 'jetstart' launcher and pom.xml); set -Dmaven.multiModuleProjectDirectory");
    }

    private static boolean isRoot(Path d) {
        return Files.isRegularFile(d.resolve("jetstart")) && Files.isRegularFile(d.resolve("pom.xml"));
    }

    /**
     * A fresh working folder {@code integration-tests/target/it-work/<name>}: emptied now, then
     * left in place, so the stores and logs of a failed run can be examined (JUnit's temp
     * folders are deleted even when a dynamic test fails).
     */
    static Path work(String name) {
        Path dir = output().resolveSibling("it-work").resolve(name);
        try {
            StoreFiles.deleteTree(dir);
            return Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot prepare " + dir, e);
        }
    }

    /** Files the tests write for people to read ({@code integration-tests/target/it-output}). */
    static Path output() {
        String configured = System.getProperty("jetstart.it.output");
        Path dir = configured != null && !configured.isBlank()
                ? Path.of(configured)
                : root().resolve("integration-tests/target/it-output");
        try {
            return Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + dir, e);
        }
    }
}
