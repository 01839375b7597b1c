package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import io.jetstart.core.write.StreamWriter;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code recover --json} and {@code inspect --json} of a valid stream whose two blocks are ten
 * million sequences apart, in a child JVM with a 64 MiB heap: the report lists every deleted
 * sequence (docs/json.md) as it writes them. Held as a list, then as an array node per sequence,
 * then as one string, they ran that heap out of memory before the first byte was written.
 */
class ManyDeletedReportTest {
    static final long GAP = 10_000_000L;

    /** A store of one stream, S1: message 1 in block 1, message GAP + 2 in block 2. */
    static Path storeWithGap(Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        StoreGenerator.generate(store, GeneratorSpec.of(1, 1, 16), (d, w) -> { });
        Path stream = store.resolve("jetstream/$G/streams/S1");
        try (Stream<Path> files = Files.list(stream.resolve("msgs"))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        // 700-byte payloads in 1 KiB blocks: one message a block, so the gap lies between blocks.
        byte[] subject = "s1.0".getBytes(StandardCharsets.US_ASCII);
        try (StreamWriter w = new StreamWriter(stream, "S1", 1024, 3)) {
            w.append(subject, null, new byte[700], 1_767_225_600_000_000_000L);
            w.appendAt(GAP + 2, subject, null, new byte[700], 1_767_225_600_000_000_001L);
        }
        return store;
    }

    @ParameterizedTest
    @ValueSource(strings = {"recover", "inspect"})
    void theReportListsTenMillionDeletedSequencesInA64MiBHeap(String command, @TempDir Path tmp) throws Exception {
        Path store = storeWithGap(tmp);
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx64m",
                "--enable-preview", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                command, store.toString(), "--json"));
        Path err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();

        long numDeleted = -1;
        long listed = 0;
        long next = 2;
        try (InputStream in = p.getInputStream(); JsonParser json = ReportJson.MAPPER.getFactory().createParser(in)) {
            for (JsonToken t = json.nextToken(); t != null; t = json.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    continue;
                }
                if (json.currentName().equals("num_deleted")) {
                    json.nextToken();
                    numDeleted = json.getLongValue();
                } else if (json.currentName().equals("deleted")) {
                    assertThat(json.nextToken()).isEqualTo(JsonToken.START_ARRAY);
                    while (json.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                        long seq = json.getLongValue();
                        if (seq != next) {
                            assertThat(seq).as("the deleted sequence after %d", next - 1).isEqualTo(next);
                        }
                        next++;
                        listed++;
                    }
                }
            }
        }
        if (!p.waitFor(SignalTest.CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child still running after its report");
        }

        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        assertThat(numDeleted).isEqualTo(GAP);
        assertThat(listed).as("every sequence 2..%d, ascending", GAP + 1).isEqualTo(GAP);
    }
}
