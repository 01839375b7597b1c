package io.jetstart.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.TestAbortedException;

/**
 * The nats-server builds available to the tests: the executables named {@code nats-server*} in
 * {@code $JETSTART_NATS_SERVERS}, else in {@code <repo>/.cache/nats-servers/bin} (where
 * {@code scripts/fetch-nats-servers.sh} puts them). Each one is asked for its version.
 *
 * <p>A missing build fails the test run when {@code CI=true} (CI must prove compatibility, not
 * skip it) and is a JUnit assumption elsewhere, with the command that fetches it.
 */
final class NatsServers {

    static final String FETCH_SCRIPT = "scripts/fetch-nats-servers.sh";

    private final Path dir;
    private final String dirSource;
    private final List<NatsServerBinary> found;
    private final List<String> problems;

    private NatsServers(Path dir, String dirSource, List<NatsServerBinary> found, List<String> problems) {
        this.dir = dir;
        this.dirSource = dirSource;
        this.found = List.copyOf(found);
        this.problems = List.copyOf(problems);
    }

    static NatsServers discover() {
        String env = System.getenv("JETSTART_NATS_SERVERS");
        Path dir;
        String source;
        if (env != null && !env.isBlank()) {
            dir = Path.of(env);
            source = "JETSTART_NATS_SERVERS=" + env;
        } else {
            dir = Repo.root().resolve(".cache/nats-servers/bin");
            source = dir + " (JETSTART_NATS_SERVERS not set)";
        }
        List<NatsServerBinary> found = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.getFileName().toString().startsWith("nats-server")).sorted().toList()) {
                    if (!Files.isExecutable(p)) {
                        problems.add(p + " is not executable");
                        continue;
                    }
                    try {
                        found.add(new NatsServerBinary(p, versionOf(p)));
                    } catch (IOException | RuntimeException e) {
                        problems.add(p + ": " + e.getMessage());
                    }
                }
            } catch (IOException e) {
                problems.add("cannot list " + dir + ": " + e.getMessage());
            }
        } else {
            problems.add(dir + " does not exist");
        }
        found.sort(Comparator.comparing(NatsServerBinary::version));
        return new NatsServers(dir, source, found, problems);
    }

    private static ServerVersion versionOf(Path binary) throws IOException {
        Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IOException("--version did not answer within 10 s");
            }
            return ServerVersion.parse(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            p.destroyForcibly();
        }
    }

    List<NatsServerBinary> all() {
        return found;
    }

    /**
     * The three lines the compatibility tests cover: 2.9.x (per-block index files), 2.10.x
     * ({@code index.db} v1) and 2.14+ ({@code index.db} v4). Returns every build found, oldest first.
     */
    List<NatsServerBinary> requireAll() {
        require("2.9.x", v -> v.isLine(2, 9));
        requireV210();
        requireV214Plus();
        return found;
    }

    /** The newest 2.10.x build: the line that reads {@code index.db} v1 only. */
    NatsServerBinary requireV210() {
        return require("2.10.x", v -> v.isLine(2, 10));
    }

    /** The newest 2.14+ build: the lines that read {@code index.db} v4. */
    NatsServerBinary requireV214Plus() {
        return require("2.14 or newer", v -> v.atLeast(2, 14));
    }

    /** {@link #requireV210} and {@link #requireV214Plus}, in that order: the two ends of a round trip through {@code index.db}. */
    List<NatsServerBinary> requireV210AndV214Plus() {
        return List.of(requireV210(), requireV214Plus());
    }

    /** The newest build matching {@code line}, or a failure (CI) / skip (elsewhere) naming the script. */
    NatsServerBinary require(String what, Predicate<ServerVersion> line) {
        Optional<NatsServerBinary> match = found.stream().filter(b -> line.test(b.version())).reduce((a, b) -> b);
        if (match.isPresent()) {
            return match.get();
        }
        String message = "nats-server " + what + " not found in " + dirSource + "; found "
                + (found.isEmpty() ? "none" : found.stream().map(b -> b.version().toString()).toList())
                + (problems.isEmpty() ? "" : ", problems: " + problems)
                + ". Run " + FETCH_SCRIPT + " (or set JETSTART_NATS_SERVERS to a folder of nats-server-<version> binaries).";
        if (isCi()) {
            fail("CI=true and the integration tests cannot prove compatibility: " + message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** Builds the dynamic tests of a factory that needs server builds; see {@link #skipWhenMissing}. */
    @FunctionalInterface
    interface TestsNeedingServers {
        Stream<DynamicNode> build() throws Exception;
    }

    /**
     * Runs {@code tests}; when it gives up for a missing build (not in CI), returns one skipped
     * test carrying the reason. An assumption failing inside a {@code @TestFactory} itself is
     * reported by Surefire as zero tests, without the message that says what to run.
     */
    static Stream<DynamicNode> skipWhenMissing(TestsNeedingServers tests) throws Exception {
        try {
            return tests.build();
        } catch (TestAbortedException missing) {
            System.out.println("[it] SKIPPED: " + missing.getMessage());
            return Stream.of(DynamicTest.dynamicTest("skipped: " + missing.getMessage(), () -> {
                throw missing;
            }));
        }
    }

    Path dir() {
        return dir;
    }

    static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    @Override
    public String toString() {
        return "nats-server builds in " + dirSource + ": " + found.stream().map(b -> b.version().toString()).toList();
    }
}
