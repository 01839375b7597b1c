package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.testing.StoreFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator commands on a damaged 2.9 block of {@code nats-2.9.10-small}'s LIM1, as nats-server
 * 2.9.10 serves it (measured: {@code DamagedLegacyBlockOnServerIT}): message 1's sequence flipped
 * to 1025 with the {@code .idx} intact is every other message served, the block left; a flipped
 * first length with the {@code .idx} is repaired into an empty block whose {@code .idx} keeps the
 * last sequence 1000, and undone byte for byte.
 */
class DamagedLegacyBlockCliTest {
    @TempDir
    Path tmp;

    private Path lim1Block(Path store) {
        return store.resolve("jetstream/$G/streams/LIM1/msgs/1.blk");
    }

    @Test
    void aFlippedSequenceWithItsIdxIsServedAsTheServerServesItAndRepairLeavesIt() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.9.10-small", tmp);
        StoreFaults.flipSequenceBit(lim1Block(store), 1, 10);
        Map<String, String> damaged = TestStores.digests(store);

        TestStores.Run inspect = TestStores.cli("inspect", store.toString(), "--json", "--stream", "LIM1");
        JsonNode state = inspect.json().get("streams").get(0).get("state");
        assertThat(state.get("messages").asLong()).as(inspect.err()).isEqualTo(989);
        assertThat(state.get("first_seq").asLong()).isEqualTo(2);
        assertThat(state.get("last_seq").asLong()).isEqualTo(1000);

        TestStores.Run dump = TestStores.cli("dump", store.toString(), "--json", "--stream", "LIM1");
        JsonNode msgs = dump.json().get("streams").get(0).get("messages");
        assertThat(msgs).hasSize(989);
        assertThat(msgs.findValuesAsText("seq")).doesNotContain("1", "1025").contains("2", "500", "1000");

        assertThat(TestStores.cli("get", "--seq=2", store.toString(), "LIM1").exit()).isZero();
        assertThat(TestStores.cli("get", "--seq=1000", store.toString(), "LIM1").exit()).isZero();
        assertThat(TestStores.cli("get", "--seq=1025", store.toString(), "LIM1").exit()).isNotZero();

        TestStores.Run repair = TestStores.cli("repair", store.toString());
        assertThat(repair.exit()).as(repair.out() + repair.err()).isZero();
        assertThat(repair.out()).contains("nothing to repair");
        assertThat(TestStores.digests(store)).isEqualTo(damaged);
    }

    @Test
    void aFlippedFirstLengthWithItsIdxIsRepairedIntoAnEmptyBlockKeepingTheLastSequenceAndUndone() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.9.10-small", tmp);
        StoreFaults.flipLengthBit(lim1Block(store), 1);
        Map<String, String> damaged = TestStores.digests(store);

        TestStores.Run repair = TestStores.cli("repair", store.toString());

        assertThat(repair.exit()).as(repair.out() + repair.err()).isZero();
        assertThat(repair.out()).contains("2.blk (empty) and 2.idx saying first 1001, last 1000", "repaired:");
        Path msgs = lim1Block(store).getParent();
        assertThat(msgs.resolve("1.blk")).doesNotExist();
        assertThat(msgs.resolve("2.blk")).isEmptyFile();
        JsonNode state = TestStores.cli("recover", store.toString(), "--json", "--quiet", "--stream", "LIM1").json()
                .get("streams").get(0).get("state");
        assertThat(state.get("messages").asLong()).isZero();
        assertThat(state.get("last_seq").asLong()).isEqualTo(1000);
        assertThat(TestStores.cli("verify", store.toString()).exit()).isZero();

        Path quarantine;
        try (Stream<Path> s = Files.list(tmp)) {
            quarantine = s.filter(p -> p.getFileName().toString().contains(".jetstart-quarantine-")).findFirst().orElseThrow();
        }
        assertThat(Files.readString(quarantine.resolve("manifest.json"))).contains("LIM1/msgs/2.idx", "LIM1/msgs/2.blk");
        TestStores.Run undo = TestStores.cli("repair", "--undo", quarantine.toString());
        assertThat(undo.exit()).as(undo.err()).isZero();
        assertThat(TestStores.digests(store)).isEqualTo(damaged);
    }
}
