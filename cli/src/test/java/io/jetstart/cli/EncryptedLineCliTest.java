package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A store nats-server 2.10.27 or 2.15.1 encrypted (both ciphers): with {@code --key-file} its line
 * is read from the version inside the seal of its smallest {@code index.db}, so {@code inspect}
 * follows the writer's line without {@code --as}; without the key, as before, the newest is assumed.
 */
class EncryptedLineCliTest {
    private static final String NOT_OPENED = "encrypted index.db not opened (one opened speaks for the store) (3 streams)";

    @TempDir
    Path tmp;

    private static String keyFile(String fixture) {
        return TestStores.fixtures().resolve(fixture).resolve("key.txt").toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "nats-2.10.27-chacha, 2.10, 2.10.27, 'encrypted index.db v1, opened with the key (1 stream)'",
            "nats-2.10.27-aes, 2.10, 2.10.27, 'encrypted index.db v1, opened with the key (1 stream)'",
            "nats-2.15.1-chacha, 2.15, 2.15.1, 'encrypted index.db v4 (2.14 or newer), opened with the key (1 stream)'",
            "nats-2.15.1-aes, 2.15, 2.15.1, 'encrypted index.db v4 (2.14 or newer), opened with the key (1 stream)'"})
    void inspectWithTheKeyNamesTheWritersLineAndItsClue(String fixture, String line, String modelledOn, String clue)
            throws Exception {
        Path store = TestStores.copyFixtureStore(fixture, tmp);
        Map<String, String> before = TestStores.digests(store);

        TestStores.Run json = TestStores.cli("inspect", store.toString(), "--json", "--key-file", keyFile(fixture));
        TestStores.Run table = TestStores.cli("inspect", store.toString(), "--key-file", keyFile(fixture));

        assertThat(json.exit()).as("stderr %s", json.err()).isEqualTo(Main.OK);
        JsonNode serverLine = json.json().get("server_line");
        assertThat(serverLine.get("line").asText()).isEqualTo(line);
        assertThat(serverLine.get("modelled_on").asText()).isEqualTo(modelledOn);
        assertThat(serverLine.get("chosen").asText()).isEqualTo("detected");
        assertThat(serverLine.get("evidence")).extracting(JsonNode::asText).containsExactly(NOT_OPENED, clue);
        assertThat(table.exit()).as("stderr %s", table.err()).isEqualTo(Main.OK);
        assertThat(table.out()).contains("State as nats-server " + line + " reports it (modelled on " + modelledOn
                + "; detected: " + NOT_OPENED + ", " + clue + ")");
        assertThat(TestStores.digests(store)).as("no byte of the store changed").isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"nats-2.10.27-chacha", "nats-2.15.1-aes"})
    void inspectWithoutTheKeyAssumesTheNewestLineAsBefore(String fixture) throws Exception {
        Path store = TestStores.copyFixtureStore(fixture, tmp);

        TestStores.Run run = TestStores.cli("inspect", store.toString(), "--json");

        JsonNode serverLine = run.json().get("server_line");
        assertThat(serverLine.get("line").asText()).isEqualTo("2.15");
        assertThat(serverLine.get("evidence")).extracting(JsonNode::asText).containsExactly(
                "encrypted index.db (2.10 or newer, its version unreadable) (4 streams)",
                "no readable clue newer than 2.9 beside an encrypted index.db; the newest line assumed");
    }
}
