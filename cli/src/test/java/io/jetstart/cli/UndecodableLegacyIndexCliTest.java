package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nats-2.9.10-small}'s INT1 with a {@code 1.idx} that does not decode, as nats-server 2.9.10
 * reports it on the same files (measured: UndecodableLegacyIndexOnServerIT): 699 messages, 302..1000,
 * its 14 listed deletes back, in every case; the consumers' pending kept where 2.9 read the first
 * sequence before the failure (its start then purges nothing), cleared where the header is bad (it
 * restores 1,000 and its interest purge clears every pending map). {@code verify} and
 * {@code recover} name the file, the offset and what was expected and found.
 */
class UndecodableLegacyIndexCliTest {
    @TempDir
    Path tmp;

    private Path damaged(java.util.function.UnaryOperator<byte[]> damage) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.9.10-small", tmp);
        Path idx = store.resolve("jetstream/$G/streams/INT1/msgs/1.idx");
        Files.write(idx, damage.apply(Files.readAllBytes(idx)));
        return store;
    }

    @Test
    void anIdxWhoseCountsDisagreeIsNamedWithItsOffsetAndTheStreamIsWhat29Reports() throws Exception {
        Path store = damaged(b -> {
            b[2] = (byte) 0xae; // msgs 686 where the range less 14 deletes is 685
            return b;
        });
        Map<String, String> before = TestStores.digests(store);

        TestStores.Run verify = TestStores.cli("verify", store.toString(), "--stream", "INT1");
        TestStores.Run recover = TestStores.cli("recover", store.toString(), "--json", "--quiet", "--stream", "INT1");

        assertThat(verify.out()).as(verify.err()).contains("INT1/msgs/1.idx at offset 2: legacy index ignored: accounting inconsistent: "
                + "msgs 686 but lastSeq - firstSeq + 1 - dmapLen = 1000 - 302 + 1 - 14 = 685; block rebuilt from its records from "
                + "sequence 302, the first sequence nats-server 2.9 reads before the failure");
        JsonNode stream = recover.json().get("streams").get(0);
        JsonNode problem = stream.get("problems").get(0);
        assertThat(problem.get("file").asText()).endsWith("INT1/msgs/1.idx");
        assertThat(problem.get("offset").asLong()).isEqualTo(2);
        assertThat(problem.get("message").asText()).contains("msgs 686").contains("= 685");
        assertState(stream, 85);
        assertThat(TestStores.digests(store)).as("no byte changed").isEqualTo(before);
    }

    @Test
    void anIdxCutInItsChecksumIsNamedWithWhatRemains() throws Exception {
        Path store = damaged(b -> Arrays.copyOf(b, 34));

        TestStores.Run recover = TestStores.cli("recover", store.toString(), "--json", "--quiet", "--stream", "INT1");

        JsonNode stream = recover.json().get("streams").get(0);
        JsonNode problem = stream.get("problems").get(0);
        assertThat(problem.get("offset").asLong()).isEqualTo(30);
        assertThat(problem.get("message").asText()).contains("short index file: need 8 bytes for the last checksum, 4 remain");
        assertState(stream, 85);
    }

    @Test
    void anIdxWithABadMagicIsNamedAndTheBlockRebuiltWhole() throws Exception {
        Path store = damaged(b -> {
            b[0] = 0x17;
            return b;
        });

        TestStores.Run recover = TestStores.cli("recover", store.toString(), "--json", "--quiet", "--stream", "INT1");

        JsonNode stream = recover.json().get("streams").get(0);
        JsonNode problem = stream.get("problems").get(0);
        assertThat(problem.get("offset").asLong()).isEqualTo(0);
        assertThat(problem.get("message").asText()).contains("expected magic 22 and version 1 or 2, found magic 23 version 1");
        assertState(stream, 0);
    }

    private static void assertState(JsonNode stream, long ackPending) {
        JsonNode state = stream.get("state");
        assertThat(state.get("messages").asLong()).isEqualTo(699);
        assertThat(state.get("first_seq").asLong()).isEqualTo(302);
        assertThat(state.get("last_seq").asLong()).isEqualTo(1000);
        assertThat(state.path("num_deleted").asLong()).isZero();
        for (JsonNode c : stream.get("consumers")) {
            assertThat(c.get("num_ack_pending").asLong()).as(c.get("name").asText()).isEqualTo(ackPending);
        }
    }
}
