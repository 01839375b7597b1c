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

    /** The repository's {@code testdata/fixtures} (or {@code jetstart.fixtures}), through core's one locator. */
    static Path fixtures() {
        return io.jetstart.core.testing.Fixtures.root();
    }

    static Path copyFixtureStore(String fixture, Path into) {
        return io.jetstart.core.testing.Fixtures.copyStore(fixture, into);
    }

    /** Truncates every index.db to 0 bytes and removes 2.9 .idx/.fss files: the rebuild case. */
    static void dropIndexes(Path store) throws IOException {
        io.jetstart.core.testing.Fixtures.dropIndexes(store);
    }

    /** sha256 of every file under {@code root}, by relative path. */
    static Map<String, String> digests(Path root) throws Exception {
        return io.jetstart.core.testing.Fixtures.digests(root);
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
