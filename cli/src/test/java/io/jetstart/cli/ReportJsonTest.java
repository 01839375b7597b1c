package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON by JSON: where nats-server writes {@code null}, so do we. */
class ReportJsonTest {
    @Test
    void lostBytesWithoutLostSequencesAreWrittenWithMsgsNullAsTheServerWritesThem(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        TestStores.dropIndexes(store);
        Path block = store.resolve("jetstream/$G/streams/LIM1/msgs/1.blk");
        // 40 bytes that are no record: the rebuild loses them (nats-server would truncate them), and no sequence.
        Files.write(block, new byte[40], StandardOpenOption.APPEND);

        TestStores.Run run = TestStores.cli("inspect", store.toString(), "--json", "--stream", "LIM1");

        JsonNode lost = run.json().get("streams").get(0).get("state").get("lost");
        assertThat(lost.get("bytes").asLong()).isEqualTo(40);
        assertThat(lost.has("msgs")).as("msgs is present (no omitempty on the server)").isTrue();
        assertThat(lost.get("msgs").isNull()).as("msgs: %s", lost.get("msgs")).isTrue();
    }
}
