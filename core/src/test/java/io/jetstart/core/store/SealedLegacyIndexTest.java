package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, nothing resurrected, for an encrypted 2.9 store: nats-server 2.9 keeps a plain delete
 * only in its block's {@code .idx}, sealed there with the block's key. {@code nats-2.9.10-chacha}
 * (written by the real 2.9.10) is opened with its key: its streams are what 2.9.10 reported, and
 * no deleted message is served. Before the {@code .idx} was opened, {@code DEL} came back with 642
 * messages (its {@code oracle.rebuilt.json}, 2.9.10 without its {@code .idx} files) where 2.9.10
 * reports 537.
 */
class SealedLegacyIndexTest {
    private static final String FIXTURE = "nats-2.9.10-chacha";

    @TempDir
    Path tmp;

    private Path streamDir(String stream) {
        return Fixtures.streamDir(Fixtures.copy(FIXTURE, tmp), stream);
    }

    private static StreamStore open(Path dir, String stream) throws Exception {
        StoreKey key = StoreKey.ofText(Fixtures.key(FIXTURE).orElseThrow());
        StreamKeys keys = StreamKeys.load(key, "$G", dir, DiskGate.unbounded());
        return StreamOpener.open("$G", stream, dir, MetaFiles.readStream(dir, DiskGate.unbounded(), keys).config(),
                StoreContext.singleThreaded().withKey(key));
    }

    private static JsonNode oracle(String file, String stream) throws Exception {
        for (JsonNode s : new ObjectMapper().readTree(Fixtures.root().resolve(FIXTURE).resolve(file).toFile()).get("streams")) {
            if (s.get("name").asText().equals(stream)) {
                return s.get("state");
            }
        }
        throw new AssertionError("no stream " + stream + " in " + FIXTURE + "/" + file);
    }

    /** The sequences {@code 1..last+2} that read as a message. */
    private static List<Long> served(StreamStore s) throws Exception {
        MessageReader reader = new MessageReader(s);
        List<Long> out = new ArrayList<>();
        for (long seq = 1; seq <= s.lastSeq() + 2; seq++) {
            if (reader.read(seq) instanceof MessageRead.Found) {
                out.add(seq);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"DEL", "LIM1"})
    void theSealedIdxIsOpenedAndTheStreamIsWhat2910Reported(String stream) throws Exception {
        StreamStore s = open(streamDir(stream), stream);
        JsonNode o = oracle("oracle.json", stream);

        assertThat(s.problems()).as("every sealed .idx opened and trusted").isEmpty();
        StreamState st = s.state();
        assertThat(new long[] {st.messages(), st.bytes(), st.firstSeq(), st.lastSeq()}).as(stream)
                .containsExactly(o.get("messages").asLong(), o.get("bytes").asLong(), o.get("first_seq").asLong(),
                        o.get("last_seq").asLong());
        assertThat(GoTime.format(st.firstTs())).isEqualTo(o.get("first_ts").asText());
        assertThat(GoTime.format(st.lastTs())).isEqualTo(o.get("last_ts").asText());
        Map<String, Long> subjects = new TreeMap<>();
        o.get("subjects").properties().forEach(e -> subjects.put(e.getKey(), e.getValue().asLong()));
        assertThat(st.subjects()).isEqualTo(subjects);

        List<Long> served = served(s);
        assertThat(served).as("%s: one served message per message counted", stream).hasSize((int) o.get("messages").asLong());
        List<Long> deleted = new ArrayList<>();
        o.get("deleted").forEach(d -> deleted.add(d.asLong()));
        assertThat(deleted).as("2.9.10's deletes, kept in the sealed .idx").isNotEmpty();
        assertThat(served).as("%s: no message 2.9.10 deleted is served", stream).doesNotContainAnyElementsOf(deleted);
    }

    /**
     * 2.9.10 counts in {@code num_deleted} only its blocks' delete maps (102); the 358 sequences
     * 643..1000 of DEL's emptied last block, whose {@code .idx} alone keeps its range, it leaves out.
     * jetstart lists every sequence of the stream's range not live (docs/compatibility.md).
     */
    @Test
    void delsDeletedAreThe102Of2910AndTheEmptiedBlocksRange() throws Exception {
        StreamState st = open(streamDir("DEL"), "DEL").state();
        assertThat(oracle("oracle.json", "DEL").get("num_deleted").asLong()).isEqualTo(102);
        assertThat(st.numDeleted()).isEqualTo(102 + (1000 - 643 + 1));
    }

    @Test
    void aDamagedSealedIdxIsNamedAndItsBlockRebuiltFromItsRecords() throws Exception {
        Path dir = streamDir("DEL");
        Path idx = dir.resolve("msgs/1.idx");
        byte[] b = Files.readAllBytes(idx);
        b[b.length / 2] ^= 0x01;
        Files.write(idx, b);

        StreamStore s = open(dir, "DEL");

        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.file()).isEqualTo(idx);
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.serverAction()).isEqualTo(ServerAction.REBUILD);
            assertThat(p.message()).contains("legacy index ignored").contains("authentication tag mismatch");
        });
        // Block 1 as 2.9.10 rebuilds it without its .idx: its 642 records all live again.
        StreamState st = s.state();
        assertThat(st.messages()).isEqualTo(oracle("oracle.rebuilt.json", "DEL").get("messages").asLong());
        assertThat(served(s)).contains(10L, 601L);
    }
}
