package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dump --json} through {@code Main.run(out, err, ...)}: the JSON goes to the given writer. */
class DumpCommandTest {
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
