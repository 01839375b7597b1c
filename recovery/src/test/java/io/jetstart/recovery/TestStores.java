package io.jetstart.recovery;

import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * What the recovery tests share: the real fixtures (through core's {@code Fixtures}, from core's
 * test jar), copies, index dropping, checksums of a whole store,
 * generated stores with the state they must recover to, and which runner this JVM must pick.
 */
final class TestStores {
    static final String ACCOUNT = "$G";

    private TestStores() {
    }

    /** The repository's {@code testdata/fixtures} (or {@code jetstart.fixtures}), through core's one locator. */
    static Path fixtures() {
        return io.jetstart.core.testing.Fixtures.root();
    }

    /** Copies {@code <fixture>/store} into {@code into/<fixture>} (writable) and returns the copy. */
    static Path copyFixtureStore(String fixture, Path into) {
        return io.jetstart.core.testing.Fixtures.copyStore(fixture, into);
    }

    /** Every {@code index.db} truncated to 0 bytes, every 2.9 {@code .idx}/{@code .fss} removed: the rebuild case. */
    static void dropIndexes(Path store) throws IOException {
        io.jetstart.core.testing.Fixtures.dropIndexes(store);
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    /** sha256 of every file under {@code root} by relative path; directories as "dir". */
    static Map<String, String> digests(Path root) throws Exception {
        return io.jetstart.core.testing.Fixtures.digests(root);
    }

    /** Writes a store with {@link StoreGenerator} into {@code storeDir}. */
    static void generate(Path storeDir, GeneratorSpec spec) throws IOException {
        StoreGenerator.generate(storeDir, spec, (done, written) -> { });
    }

    static Path streamDir(Path storeDir, String stream) {
        return storeDir.resolve("jetstream").resolve(ACCOUNT).resolve("streams").resolve(stream);
    }

    /**
     * The state a generated stream {@code S<i>} must come back with, from the spec rather than from
     * the code under test: messages 1..M, message m at {@code firstTs + (m-1) µs}, and bytes the sum
     * of {@code rl = 22 + slen + payload + 8} (spec 3.2) over subjects {@code s<i>.<m mod K>}.
     */
    record Expected(long messages, long bytes, long firstSeq, long firstTs, long lastSeq, long lastTs) {
        static Expected of(GeneratorSpec spec, int stream) {
            long m = spec.messages();
            long bytes = 0;
            for (int k = 0; k < spec.subjects(); k++) {
                long count = m / spec.subjects() + (k < m % spec.subjects() ? 1 : 0);
                int slen = ("s" + stream + "." + k).getBytes(StandardCharsets.US_ASCII).length;
                bytes += count * (22L + slen + spec.payload() + 8);
            }
            if (m == 0) {
                return new Expected(0, 0, 0, 0, 0, 0);
            }
            return new Expected(m, bytes, 1, spec.firstTs(), m, spec.firstTs() + (m - 1) * 1_000L);
        }

        static Expected of(StreamReport r) {
            var s = r.state();
            return new Expected(s.messages(), s.bytes(), s.firstSeq(), s.firstTs(), s.lastSeq(), s.lastTs());
        }
    }

    /** The parallel runner this JVM must choose: the fallback execution says so with a system property. */
    static String expectedParallelRunner() {
        return "fallback".equals(System.getProperty("jetstart.expect.path")) ? "fallback" : "structured";
    }

    static String expectedRunner(RecoveryOptions.Mode mode) {
        return mode == RecoveryOptions.Mode.SEQUENTIAL ? "sequential" : expectedParallelRunner();
    }

    /**
     * Generated stores go to {@code /dev/shm} when it exists: the generator fsyncs every file, which
     * costs ~8 ms per stream on the CI disk and nothing on tmpfs. Recovery reads through the page
     * cache either way, so the tests measure the same code.
     */
    static final class FastTempDir implements TempDirFactory {
        @Override
        public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
            Path shm = Path.of("/dev/shm");
            if (Files.isDirectory(shm) && Files.isWritable(shm)) {
                return Files.createTempDirectory(shm, "jetstart-test-");
            }
            return Files.createTempDirectory("jetstart-test-");
        }
    }
}
