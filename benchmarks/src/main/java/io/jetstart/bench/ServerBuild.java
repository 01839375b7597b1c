package io.jetstart.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A nats-server executable and the version it reports.
 *
 * <p>Found as {@code nats-server*} executables in one folder: {@code $JETSTART_NATS_SERVERS}, else
 * {@code <repo>/.cache/nats-servers/bin}, which {@code scripts/fetch-nats-servers.sh} fills with
 * {@code nats-server-<version>} links (the integration tests look in the same places).
 */
record ServerBuild(Path binary, Version version) {
    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)");

    record Version(int major, int minor, int patch) implements Comparable<Version> {
        static Version parse(String text) {
            Matcher m = VERSION.matcher(text);
            if (!m.find()) {
                throw new IllegalArgumentException("no version in '" + text.strip() + "'");
            }
            return new Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        }

        boolean atLeast(int maj, int min, int pat) {
            return compareTo(new Version(maj, min, pat)) >= 0;
        }

        boolean isLine(int maj, int min) {
            return major == maj && minor == min;
        }

        @Override
        public int compareTo(Version o) {
            return Comparator.comparingInt(Version::major).thenComparingInt(Version::minor)
                    .thenComparingInt(Version::patch).compare(this, o);
        }

        @Override
        public String toString() {
            return major + "." + minor + "." + patch;
        }
    }

    /** Every build in {@code dir}, oldest first; problems (not executable, no version) go to {@code problems}. */
    static List<ServerBuild> discover(Path dir, List<String> problems) {
        List<ServerBuild> out = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            problems.add((dir == null ? "no folder" : dir) + " does not exist");
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().startsWith("nats-server")).sorted().toList()) {
                if (!Files.isExecutable(p)) {
                    problems.add(p + " is not executable");
                    continue;
                }
                try {
                    out.add(new ServerBuild(p, askVersion(p)));
                } catch (IOException | RuntimeException e) {
                    problems.add(p + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            problems.add("cannot list " + dir + ": " + e.getMessage());
        }
        out.sort(Comparator.comparing(ServerBuild::version));
        return out;
    }

    /**
     * The parallel-startup server to compare with: the newest build at 2.12.2 or later (where
     * nats-server restores streams in parallel, spec §6.2).
     */
    static Optional<ServerBuild> parallel(List<ServerBuild> builds) {
        return builds.stream().filter(b -> b.version().atLeast(2, 12, 2)).reduce((a, b) -> b);
    }

    /** The sequential-startup server: the newest 2.9.x. */
    static Optional<ServerBuild> sequential(List<ServerBuild> builds) {
        return builds.stream().filter(b -> b.version().isLine(2, 9)).reduce((a, b) -> b);
    }

    private static Version askVersion(Path binary) throws IOException {
        Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IOException("--version did not answer within 10 s");
            }
            return Version.parse(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the version", e);
        } finally {
            p.destroyForcibly();
        }
    }
}
