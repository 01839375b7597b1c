package io.jetstart.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one locator of the real nats-server stores the repository carries in
 * {@code testdata/fixtures} (see {@code testdata/README.md}), and copies of them for a test. Every
 * module's tests use this class (core's test jar); nothing reads test data outside the repository.
 *
 * <p>The folder is the system property {@code jetstart.fixtures} when set (to test other stores),
 * else {@code testdata/fixtures} of the repository this test runs in, found by walking up from the
 * working directory to the folder that holds {@code mvnw}. Fixtures are never used in place:
 * {@link #copy} them into a {@code @TempDir} first (on CI they are read-only).
 */
public final class Fixtures {
    /** The three "small" stores, one per server version. */
    public static final List<String> SMALL = List.of("nats-2.9.10-small", "nats-2.10.27-small", "nats-2.15.1-small");
    /** The stores with {@code compression: s2} (sealed blocks S2-compressed), from 2.10.x and 2.15.x. */
    public static final List<String> S2 = List.of("nats-2.10.27-s2", "nats-2.15.1-s2");

    private Fixtures() {
    }

    /**
     * Whether {@code block} is one of the two blocks of {@code nats-2.10.27-s2}'s {@code ERASE} stream
     * that nats-server 2.10's own secure erase broke (it writes the erased record's plaintext into
     * the compressed file; see testdata/README.md): they do not decode, for the server either.
     */
    public static boolean brokenBy210Erase(Path block) {
        String p = block.toString().replace('\\', '/');
        return p.contains("/nats-2.10.27-s2/") && p.contains("/ERASE/msgs/")
                && (p.endsWith("/1.blk") || p.endsWith("/2.blk"));
    }

    public static Path root() {
        String prop = System.getProperty("jetstart.fixtures");
        if (prop != null && !prop.isBlank()) {
            Path p = Paths.get(prop).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("jetstart.fixtures=" + prop + " is not a directory");
            }
            return p;
        }
        Path start = Paths.get("").toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw"))) {
                Path candidate = dir.resolve("testdata").resolve("fixtures");
                if (Files.isDirectory(candidate)) {
                    return candidate;
                }
                throw new IllegalStateException("the repository at " + dir + " has no testdata/fixtures"
                        + " (it carries the real-server stores its tests read; is the clone complete?)");
            }
        }
        throw new IllegalStateException("no repository (a folder with mvnw) above " + start
                + "; run the tests from the repository, or set -Djetstart.fixtures=<folder of fixture stores>");
    }

    /** Every fixture folder name (those holding a {@code store/}), sorted. */
    public static List<String> names() {
        try (Stream<Path> s = Files.list(root())) {
            return s.filter(p -> Files.isDirectory(p.resolve("store")))
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stores written for the rules that differ by server line, each with oracles of several lines. */
    public static final List<String> LINES = List.of("nats-2.9.10-lines", "nats-2.10.27-lines", "nats-2.15.1-lines");

    /**
     * One oracle file of a -lines store: {@code oracle[.rebuilt].json} its own server's answer,
     * {@code oracle.as-<line>[.rebuilt].json} another server's on the same files.
     */
    public record LineOracle(String fixture, String file) {
    }

    /** Every oracle file of the -lines stores, own and other lines', sorted by store then file name. */
    public static List<LineOracle> lineOracles() {
        return lineOracles("oracle");
    }

    /** Only the {@code oracle.as-<line>} files of the -lines stores: the other lines' answers. */
    public static List<LineOracle> otherLineOracles() {
        return lineOracles("oracle.as-");
    }

    private static List<LineOracle> lineOracles(String prefix) {
        List<LineOracle> out = new java.util.ArrayList<>();
        for (String fixture : LINES) {
            try (Stream<Path> files = Files.list(root().resolve(fixture))) {
                files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted()
                        .forEach(n -> out.add(new LineOracle(fixture, n)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /**
     * The key text of an encrypted fixture (its {@code key.txt}, the {@code jetstream.key} the
     * server ran with), or empty for a plain one.
     */
    public static java.util.Optional<String> key(String name) {
        Path file = root().resolve(name).resolve("key.txt");
        if (!Files.isRegularFile(file)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Files.readString(file).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The fixtures without encryption, sorted: for tests that read a store's files as bytes (blocks,
     * index.db, meta.inf), which in an encrypted fixture are ciphertext.
     */
    public static List<String> plainNames() {
        return names().stream().filter(n -> key(n).isEmpty()).toList();
    }

    /** Copies fixture {@code name} into {@code tempDir/name} and returns the copy. */
    public static Path copy(String name, Path tempDir) {
        Path src = root().resolve(name);
        if (!Files.isDirectory(src)) {
            throw new IllegalArgumentException("no fixture " + src);
        }
        return copyTree(src, tempDir.resolve(name));
    }

    /** Copies {@code src} to {@code dst}, every file writable (fixtures are read-only on CI). */
    public static Path copyTree(Path src, Path dst) {
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                    target.toFile().setWritable(true, true);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dst;
    }

    /** {@code <fixture>/store/jetstream/$G/streams/<stream>} of a fixture copy (or of the original). */
    public static Path streamDir(Path fixture, String stream) {
        return fixture.resolve("store").resolve("jetstream").resolve("$G").resolve("streams").resolve(stream);
    }

    /** Every stream directory of a fixture copy, sorted by name. */
    public static List<Path> streamDirs(Path fixture) {
        Path streams = fixture.resolve("store").resolve("jetstream").resolve("$G").resolve("streams");
        try (Stream<Path> s = Files.list(streams)) {
            return new ArrayList<>(s.filter(Files::isDirectory).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies fixture {@code name}'s {@code store/} into {@code into/name} (writable) and returns the store copy. */
    public static Path copyStore(String name, Path into) {
        Path src = root().resolve(name).resolve("store");
        if (!Files.isDirectory(src)) {
            throw new IllegalArgumentException("no fixture store " + src);
        }
        return copyTree(src, into.resolve(name));
    }

    /** Every {@code index.db} truncated to 0 bytes and every 2.9 {@code .idx}/{@code .fss} removed: the rebuild case. */
    public static void dropIndexes(Path store) throws IOException {
        try (Stream<Path> files = Files.walk(store)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String n = f.getFileName().toString();
                if (n.equals("index.db")) {
                    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                            java.nio.file.StandardOpenOption.WRITE)) {
                        ch.truncate(0);
                    }
                } else if (n.endsWith(".idx") || n.endsWith(".fss")) {
                    Files.delete(f);
                }
            }
        }
    }

    /** sha256 of every file under {@code root} by relative path (directories as "dir"): proves nothing was written. */
    public static java.util.Map<String, String> digests(Path root) throws Exception {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.toList()) {
                String rel = root.relativize(f).toString();
                if (Files.isDirectory(f)) {
                    out.put(rel + "/", "dir");
                } else {
                    out.put(rel, java.util.HexFormat.of().formatHex(sha.digest(Files.readAllBytes(f))));
                }
            }
        }
        return out;
    }
}
