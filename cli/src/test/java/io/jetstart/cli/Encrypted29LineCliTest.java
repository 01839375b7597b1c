package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The store nats-server 2.9.10 encrypted ({@code nats-2.9.10-chacha}): its {@code meta.inf} and
 * {@code .idx} files are ciphertext, and the line is told by its {@code msgs/} listing (per-block
 * {@code .idx}, no {@code index.db}), so {@code inspect} and {@code recover} follow 2.9 without
 * {@code --as} (they took the newest line before).
 */
class Encrypted29LineCliTest {
    private static final String FIXTURE = "nats-2.9.10-chacha";
    private static final String CLUE = "encrypted msgs/ with .idx files and no index.db (2.9) (2 streams)";

    @TempDir
    Path tmp;

    private String keyFile() {
        return TestStores.fixtures().resolve(FIXTURE).resolve("key.txt").toString();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"inspect", "recover"})
    void theJsonSaysThe29LineWasDetectedFromTheIdxFiles(String command) throws Exception {
        Path store = TestStores.copyFixtureStore(FIXTURE, tmp);
        Map<String, String> before = TestStores.digests(store);

        TestStores.Run run = command.equals("recover")
                ? TestStores.cli(command, store.toString(), "--json", "--quiet", "--key-file", keyFile())
                : TestStores.cli(command, store.toString(), "--json", "--key-file", keyFile());

        assertThat(run.exit()).as("stderr %s", run.err()).isEqualTo(Main.OK);
        JsonNode line = run.json().get("server_line");
        assertThat(line.get("line").asText()).isEqualTo("2.9");
        assertThat(line.get("modelled_on").asText()).isEqualTo("2.9.10");
        assertThat(line.get("chosen").asText()).isEqualTo("detected");
        assertThat(line.get("evidence")).extracting(JsonNode::asText).containsExactly(CLUE);
        // What 2.9.10 reports on these files (oracle.json): the .idx deletes kept.
        JsonNode del = stream(run.json(), "DEL");
        assertThat(del.get("state").get("messages").asLong()).isEqualTo(537);
        assertThat(del.get("state").get("first_seq").asLong()).isEqualTo(4);
        assertThat(TestStores.digests(store)).as("no byte of the store changed").isEqualTo(before);
    }

    @Test
    void theTableNamesTheLineAndItsClue() throws Exception {
        Path store = TestStores.copyFixtureStore(FIXTURE, tmp);

        TestStores.Run run = TestStores.cli("inspect", store.toString(), "--key-file", keyFile());

        assertThat(run.exit()).as("stderr %s", run.err()).isEqualTo(Main.OK);
        assertThat(run.out()).contains("State as nats-server 2.9 reports it (modelled on 2.9.10; detected: " + CLUE + ")");
    }

    @Test
    void withoutItsIdxFilesTheStoreIsNoLonger29AndAsStillDecides() throws Exception {
        Path store = TestStores.copyFixtureStore(FIXTURE, tmp);
        try (Stream<Path> files = Files.walk(store)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".idx")).toList()) {
                Files.delete(f);
            }
        }

        JsonNode detected = TestStores.cli("inspect", store.toString(), "--json", "--key-file", keyFile()).json().get("server_line");
        JsonNode asked = TestStores.cli("inspect", store.toString(), "--json", "--key-file", keyFile(), "--as", "2.9").json()
                .get("server_line");

        assertThat(detected.get("line").asText()).isEqualTo("2.15");
        assertThat(asked.get("line").asText()).isEqualTo("2.9");
        assertThat(asked.get("chosen").asText()).isEqualTo("asked");
    }

    private static JsonNode stream(JsonNode report, String name) {
        for (JsonNode s : report.get("streams")) {
            if (s.get("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stream " + name + " in " + report);
    }
}
