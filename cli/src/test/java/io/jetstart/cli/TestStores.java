package io.jetstart.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Fixture lookup, copies, checksums and in-process CLI runs for the CLI tests. */
final class TestStores {
    private TestStores() {
    }

    /** {@code jetstart.fixtures}, else {@code <repo>/../shared/fixtures} found by walking up. */
    static Path fixtures() {
        String prop = System.getProperty("jetstart.fixtures");
        if (prop != null) {
            return Path.of(prop);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("fixtures");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            candidate = p.resolve("shared").resolve("fixtures");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("fixtures not found: set -Djetstart.fixtures or keep shared/fixtures next to the repository");
    }

    static Path copyFixtureStore(String fixture, Path into) throws IOException {
        Path src = fixtures().resolve(fixture).resolve("store");
        Path dst = into.resolve(fixture);
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path t = dst.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                    t.toFile().setWritable(true);
                }
            }
        }
        return dst;
    }

    /** Truncates every index.db to 0 bytes and removes 2.9 .idx/.fss files: the rebuild case. */
    static void dropIndexes(Path store) throws IOException {
        try (Stream<Path> files = Files.walk(store)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String n = f.getFileName().toString();
                if (n.equals("index.db")) {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        ch.truncate(0);
                    }
                } else if (n.endsWith(".idx") || n.endsWith(".fss")) {
                    Files.delete(f);
                }
            }
        }
    }

    /** sha256 of every file under {@code root}, by relative path. */
    static Map<String, String> digests(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.toList()) {
                String rel = root.relativize(f).toString();
                if (Files.isDirectory(f)) {
                    out.put(rel + "/", "dir");
                } else {
                    out.put(rel, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
                }
            }
        }
        return out;
    }

    record Run(int exit, String out, String err) {
        JsonNode json() throws IOException {
            return ReportJson.MAPPER.readTree(out);
        }
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }
}
