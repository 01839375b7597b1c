package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dump} through {@code Main.run(out, err, ...)}: what it prints, what it refuses to print, its exit status. */
class DumpCommandTest {
    private static Path block(Path store, String stream) {
        return store.resolve("jetstream/$G/streams/" + stream + "/msgs/1.blk");
    }

    private static void flip(Path file, int at) throws Exception {
        byte[] b = Files.readAllBytes(file);
        b[at] ^= (byte) 0xff;
        Files.write(file, b);
    }

    @Test
    void aFlippedPayloadByteIsNotPrintedButNamedOnStderrAndInTheJsonWithExitStatusOne(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        // The case: offset 50000 of INT1's block lies in the payload of seq 368.
        flip(block(store, "INT1"), 50_000);

        TestStores.Run run = TestStores.cli("dump", store.toString(), "--json", "--stream", "INT1");

        assertThat(run.exit()).isEqualTo(Main.DAMAGED);
        JsonNode stream = run.json().get("streams").get(0);
        assertThat(stream.get("messages")).hasSize(684);
        assertThat(stream.get("messages").findValuesAsText("seq")).doesNotContain("368").contains("367", "369");
        JsonNode problem = stream.get("problems").get(0);
        assertThat(problem.get("severity").asText()).isEqualTo("damage");
        assertThat(problem.get("file").asText()).endsWith("INT1/msgs/1.blk".replace('/', java.io.File.separatorChar));
        assertThat(problem.get("offset").asLong()).isBetween(50_000L - 135, 50_000L);
        assertThat(problem.get("message").asText()).contains("message 368", "invalid checksum");
        assertThat(run.err()).contains("jetstart: damage: $G > INT1: ", "1.blk at offset " + problem.get("offset").asLong());
    }

    @Test
    void aTruncatedBlockIsReportedAsInspectReportsItWithTheSameExitStatus(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        try (FileChannel ch = FileChannel.open(block(store, "LIM1"), StandardOpenOption.WRITE)) {
            ch.truncate(70_000);
        }

        TestStores.Run dump = TestStores.cli("dump", store.toString(), "--json", "--stream", "LIM1");
        TestStores.Run inspect = TestStores.cli("inspect", store.toString(), "--json", "--stream", "LIM1");

        assertThat(dump.exit()).isEqualTo(inspect.exit()).isEqualTo(Main.DAMAGED);
        JsonNode dumped = dump.json().get("streams").get(0);
        JsonNode inspected = inspect.json().get("streams").get(0);
        assertThat(dumped.get("messages")).hasSize(inspected.get("state").get("messages").asInt());
        assertThat(dumped.get("problems")).isEqualTo(inspected.get("problems"));
        assertThat(dump.err()).contains("jetstart: damage: $G > LIM1: ", "1.blk at offset");
    }

    @Test
    void aRebuiltInterestStreamShowsOnlyWhatItsConsumersStillNeed(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        TestStores.dropIndexes(store);

        TestStores.Run run = TestStores.cli("dump", store.toString(), "--json", "--stream", "INT1");

        // The oracle after the server's own rebuild: 685 messages, first 302.
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode msgs = run.json().get("streams").get(0).get("messages");
        assertThat(msgs).hasSize(685);
        assertThat(msgs.get(0).get("seq").asLong()).isEqualTo(302);
    }

    @Test
    void textDumpPrintsHeadersAndPayloadEscapedOnOneLine(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);

        TestStores.Run run = TestStores.cli("dump", store.toString(), "--stream", "LIM1");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        String[] lines = run.out().split("\n");
        assertThat(lines).hasSize(990);
        assertThat(lines[0]).startsWith("$G > LIM1  1  2026-11-25T12:17:05.923754695Z  lim1.0  data \"s1:m1:");
        assertThat(lines[49]).contains("  hdrs \"NATS/1.0\\r\\nX-Seq:50\\r\\n\\r\\n\"  data \"s1:m50:");
    }

    @Test
    void escapingKeepsPrintableAsciiAndEscapesEveryOtherByte() {
        byte[] b = {'a', ' ', '"', '\\', '\r', '\n', '\t', 0, 0x7f, (byte) 0xc3, (byte) 0xa9};
        assertThat(Escaped.quote(b)).isEqualTo("\"a \\\"\\\\\\r\\n\\t\\x00\\x7f\\xc3\\xa9\"");
    }

    @Test
    void prettyIndentsTheJsonAndTheDefaultIsOneLine(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);

        TestStores.Run compact = TestStores.cli("dump", store.toString(), "--json", "--stream", "MAX1");
        TestStores.Run pretty = TestStores.cli("dump", store.toString(), "--json", "--pretty", "--stream", "MAX1");

        assertThat(compact.out().strip()).doesNotContain("\n");
        assertThat(pretty.out().lines().count()).isGreaterThan(800);
        assertThat(pretty.json()).isEqualTo(compact.json());
    }

    @Test
    void dumpJsonGoesToTheCommandsWriterWithEveryLiveMessage(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        Map<String, String> before = TestStores.digests(store);

        TestStores.Run run = TestStores.cli("dump", store.toString(), "--json", "--stream", "LIM1");

        assertThat(run.exit()).as("stderr %s", run.err()).isZero();
        JsonNode streams = run.json().get("streams");
        assertThat(streams).hasSize(1);
        JsonNode msgs = streams.get(0).get("messages");
        // The oracle: LIM1 holds 990 live messages, 1..1000 less every 97th.
        assertThat(msgs).hasSize(990);
        // Spec §9.10: seq 1 on lim1.0, payload "s1:m1:..."; seq 50 carries the header X-Seq:50.
        JsonNode first = msgs.get(0);
        assertThat(first.get("seq").asLong()).isEqualTo(1);
        assertThat(first.get("subject").asText()).isEqualTo("lim1.0");
        assertThat(first.get("time").asText()).isEqualTo("2026-11-25T12:17:05.923754695Z");
        assertThat(first.has("hdrs")).isFalse();
        assertThat(new String(Base64.getDecoder().decode(first.get("data").asText()), StandardCharsets.US_ASCII)).startsWith("s1:m1:");
        JsonNode fifty = msgs.get(49);
        assertThat(fifty.get("seq").asLong()).isEqualTo(50);
        assertThat(new String(Base64.getDecoder().decode(fifty.get("hdrs").asText()), StandardCharsets.US_ASCII))
                .isEqualTo("NATS/1.0\r\nX-Seq:50\r\n\r\n");
        assertThat(TestStores.digests(store)).isEqualTo(before);
    }
}
