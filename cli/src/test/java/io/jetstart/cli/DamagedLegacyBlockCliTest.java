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

    /**
     * The three HostileOperatorCommandsTest finds (seed 7 rounds 87 and 100, default seed round 88):
     * dump and get serve what 2.9.10 serves on those files (measured, docs/format-notes.md), never a
     * record the 2.9 .idx removed: MAX1 201..512, INT1 nothing, INT1 its range less the 6 deletes
     * its damaged .idx still lists.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "MAX1, blk 513, 312, 201, 512, 1 200 513",
        "INT1, blk 286, 0, 0, 0, 1 285 301 302",
        "INT1, idx, 693, 302, 1000, 1 301 308 315 350 371 378 399"})
    void dumpAndGetNeverServeWhatTheDamagedBlocksIdxRemoved(String stream, String damage, int served, long first, long last,
                                                           String notServed) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.9.10-small", tmp);
        Path msgs = store.resolve("jetstream/$G/streams/" + stream + "/msgs");
        if (damage.startsWith("blk ")) {
            // A huge record length, as the campaign writes it.
            Path blk = msgs.resolve("1.blk");
            byte[] b = Files.readAllBytes(blk);
            long at = StoreFaults.recordStarts(b).get(Integer.parseInt(damage.substring(4)) - 1);
            java.nio.ByteBuffer.wrap(b, Math.toIntExact(at), 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0x7fff_fff0);
            Files.write(blk, b);
        } else {
            // The last 8 bytes of INT1's delete list: an unterminated varint after its sixth delete.
            Path idx = msgs.resolve("1.idx");
            byte[] b = Files.readAllBytes(idx);
            java.util.Arrays.fill(b, 44, 52, (byte) 0xff);
            Files.write(idx, b);
        }

        TestStores.Run dump = TestStores.cli("dump", store.toString(), "--json", "--stream", stream);
        JsonNode seqs = dump.json().get("streams").get(0).get("messages");
        assertThat(seqs).as(dump.err()).hasSize(served);
        if (served > 0) {
            assertThat(seqs.get(0).get("seq").asLong()).isEqualTo(first);
            assertThat(seqs.get(served - 1).get("seq").asLong()).isEqualTo(last);
        }
        for (String seq : notServed.split(" ")) {
            assertThat(seqs.findValuesAsText("seq")).doesNotContain(seq);
            assertThat(TestStores.cli("get", "--seq=" + seq, store.toString(), stream).exit()).as("get %s", seq).isNotZero();
        }
        if (served > 0) {
            assertThat(TestStores.cli("get", "--seq=" + first, store.toString(), stream).exit()).isZero();
        }
    }
}
