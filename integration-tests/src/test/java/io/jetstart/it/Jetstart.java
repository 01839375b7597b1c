package io.jetstart.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code <repo>/jetstart} launcher as a separate process, exactly as a user would. Its
 * stdout and stderr go to files (no pipe can fill up and stall it) under {@code workDir}.
 */
final class Jetstart {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final Path launcher;
    private final Path workDir;

    /** The launcher is {@code <repo>/jetstart}, or the {@code jetstart.launcher} system property (e.g. an installed build). */
    Jetstart(Path workDir) {
        String configured = System.getProperty("jetstart.launcher");
        this.launcher = configured != null && !configured.isBlank() ? Path.of(configured) : Repo.root().resolve("jetstart");
        this.workDir = workDir;
    }

    /** The outcome of one run. */
    record Result(List<String> command, int exitCode, String stdout, String stderr, Duration took) {

        /** stdout as JSON; fails with the whole run described when it is not. */
        JsonNode json() {
            try {
                JsonNode tree = Json.mapper().readTree(stdout);
                if (tree == null || !tree.isObject()) {
                    throw new AssertionError("jetstart printed no JSON object on stdout\n" + this);
                }
                return tree;
            } catch (IOException e) {
                throw new AssertionError("jetstart printed no JSON on stdout: " + e.getMessage() + "\n" + this, e);
            }
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exitCode + " in " + took.toMillis() + " ms\n--- stdout\n"
                    + clip(stdout) + "\n--- stderr\n" + clip(stderr);
        }

        private static String clip(String s) {
            return s.length() <= 4_000 ? s : s.substring(0, 4_000) + "\n... (" + s.length() + " chars)";
        }
    }

    Result run(String... args) throws IOException {
        return run(java.util.Map.of(), args);
    }

    /** Runs the launcher with {@code env} added to (and overriding) this JVM's environment. */
    Result run(java.util.Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "jetstart-", ".stdout");
        Path err = Files.createTempFile(workDir, "jetstart-", ".stderr");
        long start = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException(String.join(" ", command) + " did not finish within " + TIMEOUT + "; stderr:\n"
                        + Files.readString(err));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running jetstart", e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        return new Result(List.copyOf(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), took);
    }

    /** {@code jetstart inspect <store> --json}, which must succeed. */
    Result inspect(Path store) throws IOException {
        return succeeded(run("inspect", store.toString(), "--json"));
    }

    /** {@code jetstart recover <store> --json}, which must succeed. */
    Result recover(Path store) throws IOException {
        return succeeded(run("recover", store.toString(), "--json"));
    }

    private static Result succeeded(Result r) {
        if (r.exitCode() != 0) {
            throw new AssertionError("jetstart failed: " + r);
        }
        return r;
    }
}
