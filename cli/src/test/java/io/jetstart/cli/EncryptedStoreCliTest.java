package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --key} / {@code --key-file} on a store nats-server 2.15.1 encrypted with AES-256-GCM
 * (and 2.10.27 with XChaCha20-Poly1305). Their recovery to the oracles is {@link FixtureOracleTest}'s.
 */
class EncryptedStoreCliTest {
    @TempDir
    Path tmp;

    private Path keyFile(String fixture) {
        return TestStores.fixtures().resolve(fixture).resolve("key.txt");
    }

    @Test
    void aWrongKeyExits66NamingTheKeyFileThatDidNotOpen() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-aes", tmp);
        Map<String, String> before = TestStores.digests(store);
        for (String command : new String[] {"inspect", "recover", "dump"}) {
            TestStores.Run run = TestStores.cli(command, store.toString(), "--key", "not the key");

            assertThat(run.exit()).as("%s exit; stderr %s", command, run.err()).isEqualTo(Main.NO_INPUT);
            assertThat(run.err()).as(command).contains("wrong key?").contains("meta.key")
                    .contains("AES-256-GCM authentication tag mismatch").contains("not the key this store was encrypted with");
            assertThat(run.out()).as("%s prints nothing decoded from garbage", command).isEmpty();
        }
        assertThat(TestStores.digests(store)).isEqualTo(before);
    }

    @Test
    void withoutAKeyEveryEncryptedStreamFailsAsBefore() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.10.27-chacha", tmp);

        TestStores.Run run = TestStores.cli("inspect", store.toString(), "--json");

        assertThat(run.exit()).isEqualTo(Main.FAILED);
        for (JsonNode s : run.json().get("streams")) {
            assertThat(s.toString()).contains("encrypted stream").contains("XChaCha20-Poly1305");
        }
    }

    @Test
    void dumpWithTheKeyFilePrintsTheMessagesTheServerStored() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.10.27-chacha", tmp);

        TestStores.Run run = TestStores.cli("dump", store.toString(), "--json", "--stream", "LIM1",
                "--key-file", keyFile("nats-2.10.27-chacha").toString());

        assertThat(run.exit()).as("stderr %s", run.err()).isZero();
        JsonNode msgs = run.json().get("streams").get(0).get("messages");
        // The oracle: 300 published, every 97th and every 89th deleted (6 in all).
        assertThat(msgs).hasSize(294);
        JsonNode first = msgs.get(0);
        assertThat(first.get("seq").asLong()).isEqualTo(1);
        assertThat(first.get("subject").asText()).isEqualTo("lim1.1");
        assertThat(new String(Base64.getDecoder().decode(first.get("data").asText()), StandardCharsets.US_ASCII))
                .startsWith("LIM1#1;LIM1#1;");
        JsonNode fifty = msgs.get(49);
        assertThat(fifty.get("seq").asLong()).isEqualTo(50);
        assertThat(new String(Base64.getDecoder().decode(fifty.get("hdrs").asText()), StandardCharsets.US_ASCII))
                .contains("X-Seq").contains("50");
    }

    @Test
    void aKeyFileWithATrailingLineEndGivesTheSameKeyAndBothOptionsAreAUsageError() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-aes", tmp);
        Path withNewline = tmp.resolve("key-with-newline.txt");
        Files.writeString(withNewline, Files.readString(keyFile("nats-2.15.1-aes")) + "\n");

        assertThat(TestStores.cli("inspect", store.toString(), "--key-file", withNewline.toString()).exit()).isZero();
        TestStores.Run both = TestStores.cli("inspect", store.toString(), "--key", "x", "--key-file", withNewline.toString());
        assertThat(both.exit()).isEqualTo(Main.USAGE);
        assertThat(both.err()).contains("--key or --key-file, not both");
    }
}
