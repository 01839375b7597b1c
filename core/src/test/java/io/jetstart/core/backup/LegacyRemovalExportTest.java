package io.jetstart.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.compress.S2InputStream;
import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.LegacyIndexCodec;
import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.DeletedSequences;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamStore;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.testing.Legacy29Streams;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, "nothing resurrected", for export: a 2.9 stream keeps a removed message's record in
 * its block and the removal only in the block's {@code .idx}, which the tar leaves out; the tar
 * carries each such removal as a tombstone, in a block of its own after the last, so the restoring
 * server's rebuild removes them again.
 */
class LegacyRemovalExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIXTURE = "nats-2.9.10-small";

    @TempDir
    Path tmp;

    private static StreamDir streamDir(Path store, String name) throws IOException {
        return StoreLayout.discover(store, DiskGate.unbounded()).streams().stream()
                .filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private static JsonNode oracleState(String name) throws IOException {
        for (JsonNode s : JSON.readTree(Fixtures.root().resolve(FIXTURE).resolve("oracle.json").toFile()).get("streams")) {
            if (s.get("name").asText().equals(name)) {
                return s.get("state");
            }
        }
        throw new AssertionError("no " + name + " in the oracle of " + FIXTURE);
    }

    /** The tar's entries, by name in tar order. */
    private static Map<String, byte[]> tar(Path data) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = new S2InputStream(Files.newInputStream(data))) {
            TarReader tar = new TarReader(in);
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                tar.copyEntry(b);
                out.put(e.name(), b.toByteArray());
            }
        }
        return out;
    }

    /** The timestamp of each message record of a plain block, by sequence. */
    private static Map<Long, Long> messageTimes(byte[] block) {
        Map<Long, Long> out = new HashMap<>();
        RecordCursor c = new RecordCursor().wrap(block, block.length);
        while (c.next()) {
            if (c.isMessage()) {
                out.put(c.seq(), c.timestamp());
            }
        }
        return out;
    }

    /** What the oracle says was removed of 1..last: below the first sequence, and the deleted list. */
    private static TreeSet<Long> removedPerOracle(JsonNode state) {
        TreeSet<Long> out = new TreeSet<>();
        for (long seq = 1; seq < state.get("first_seq").asLong(); seq++) {
            out.add(seq);
        }
        if (state.has("deleted") && !state.get("deleted").isNull()) {
            state.get("deleted").forEach(n -> out.add(n.asLong()));
        }
        return out;
    }

    private static StreamState unpackAndOpen(StreamExport.Result r, StreamDir sd, Path under) throws Exception {
        // Named as the stream: meta.sum is keyed with the folder's name.
        Path target = under.resolve(sd.name());
        try (InputStream in = Files.newInputStream(r.data())) {
            SnapshotUnpacker.unpack(in, target);
        }
        StreamStore back = StreamOpener.open(sd.account(), sd.name(), target,
                MetaFiles.readStream(target, DiskGate.unbounded()).config(), StoreContext.singleThreaded());
        return back.state().withConsumerCount(r.state().consumerCount());
    }

    @Test
    void everyRemovalOnlyAnIdxSaidIsATombstoneInABlockAfterTheLastAndTheBlocksStayAsTheyAre() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp.resolve("src"));
        // INT1: 1-301 below the first sequence and 14 acknowledged, records untouched; MAX1:
        // 1-200 taken by max_msgs, records untouched.
        for (String name : List.of("INT1", "MAX1")) {
            StreamDir sd = streamDir(store, name);
            JsonNode oracle = oracleState(name);

            StreamExport.Result r = StreamExport.export(sd, tmp.resolve("out").resolve(name));

            Map<String, byte[]> tar = tar(r.data());
            assertThat(tar.keySet()).as(name).startsWith("meta.inf", "meta.sum", "msgs/1.blk", "msgs/2.blk")
                    .noneMatch(n -> n.endsWith(".idx") || n.endsWith(".fss") || n.endsWith("index.db"));
            byte[] block1 = Files.readAllBytes(sd.dir().resolve("msgs/1.blk"));
            assertThat(tar.get("msgs/1.blk")).as("%s: the store's block, byte for byte", name).isEqualTo(block1);
            Map<Long, Long> times = messageTimes(block1);

            byte[] added = tar.get("msgs/2.blk");
            RecordHash hash = RecordHashes.forBlock(name, 2);
            RecordCursor c = new RecordCursor().wrap(added, added.length);
            assertThat(c.next()).isTrue();
            assertThat(c.isErasedOrSkip()).as("%s: a skip record first", name).isTrue();
            assertThat(c.seq()).as("%s: of the last sequence", name).isEqualTo(oracle.get("last_seq").asLong());
            assertThat(c.timestamp()).isEqualTo(r.state().lastTs());
            assertThat(c.checksumProblem(hash)).isNull();
            List<Long> tombstoned = new ArrayList<>();
            while (c.next()) {
                assertThat(c.isTombstone()).as("%s: seq %d", name, c.seq()).isTrue();
                assertThat(c.checksumProblem(hash)).as("%s: seq %d", name, c.seq()).isNull();
                assertThat(c.timestamp()).as("%s: the removed message's time, seq %d", name, c.seq()).isEqualTo(times.get(c.seq()));
                tombstoned.add(c.seq());
            }
            assertThat(c.problem()).isNull();
            assertThat(tombstoned).as(name).containsExactlyElementsOf(removedPerOracle(oracle));
            assertThat(r.state().messages()).isEqualTo(oracle.get("messages").asLong());

            // The .idx files are not in the unpacked stream: it is rebuilt from the blocks.
            StreamState back = unpackAndOpen(r, sd, tmp.resolve("dst"));
            assertThat(back).as(name).usingRecursiveComparison()
                    .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(r.state());
        }
    }

    @Test
    void aLegacyStreamWhoseRemovalsItsBlocksSayGetsNoAddedBlock() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp.resolve("src"));
        // LIM1's deletes are secure erasures: the erased records say them, and its last message is live.
        StreamDir sd = streamDir(store, "LIM1");

        StreamExport.Result r = StreamExport.export(sd, tmp.resolve("out"));

        assertThat(tar(r.data()).keySet()).containsExactly("meta.inf", "meta.sum", "msgs/1.blk",
                "obs/C0/meta.inf", "obs/C0/meta.sum", "obs/C0/o.dat", "obs/C1/meta.inf", "obs/C1/meta.sum", "obs/C1/o.dat");
        assertThat(unpackAndOpen(r, sd, tmp.resolve("dst"))).usingRecursiveComparison()
                .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(r.state());
    }

    /**
     * 2.9 replaces an emptied last block with an empty one whose {@code .idx} alone keeps the last
     * sequence; a rebuild deletes an empty block file, so without the added block's skip record the
     * restored stream ended at its last message's sequence, not at the last sequence.
     */
    @Test
    void theLastSequenceOfAnEmptiedLastBlockSurvivesThroughTheAddedBlocksSkipRecord() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp.resolve("src"));
        StreamDir sd = streamDir(store, "INT1");
        Path msgs = sd.dir().resolve("msgs");
        LegacyIndex first = LegacyIndexCodec.decode(Files.readAllBytes(msgs.resolve("1.idx")));
        long lastTs = first.lastTs() + 5_000_000_000L;
        Files.write(msgs.resolve("2.blk"), new byte[0]);
        Files.write(msgs.resolve("2.idx"), LegacyIndexCodec.encode(new LegacyIndex(first.version(), 0, 0, 1006, 0, 1005, lastTs,
                null, new byte[8], null)));

        StreamExport.Result r = StreamExport.export(sd, tmp.resolve("out"));

        assertThat(r.state().lastSeq()).as("the .idx's last sequence").isEqualTo(1005);
        Map<String, byte[]> tar = tar(r.data());
        assertThat(tar.get("msgs/2.blk")).as("the empty block, as it is").isEmpty();
        byte[] added = tar.get("msgs/3.blk");
        RecordCursor c = new RecordCursor().wrap(added, added.length);
        assertThat(c.next()).isTrue();
        assertThat(c.isErasedOrSkip()).isTrue();
        assertThat(c.seq()).isEqualTo(1005);
        assertThat(c.timestamp()).isEqualTo(lastTs);
        StreamState back = unpackAndOpen(r, sd, tmp.resolve("dst"));
        assertThat(back).usingRecursiveComparison()
                .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(r.state());
        assertThat(back.lastSeq()).isEqualTo(1005);
        assertThat(back.messages()).isEqualTo(685);
    }

    /**
     * An {@code .idx} (its checksum still the block's) whose last sequence, 1005, is past its intact
     * block's records (1..1000): 2.9.10 reports 1005, and so does the open; the added block's skip
     * carries it into the tar, where no record says it.
     */
    @Test
    void anIdxLastPastItsBlocksRecordsSurvivesThroughTheAddedBlocksSkipRecord() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp.resolve("src"));
        StreamDir sd = streamDir(store, "LIM1");
        Path idx = sd.dir().resolve("msgs/1.idx");
        LegacyIndex real = LegacyIndexCodec.decode(Files.readAllBytes(idx));
        Files.write(idx, LegacyIndexCodec.encode(new LegacyIndex(real.version(), real.msgs(), real.bytes(), real.firstSeq(),
                real.firstTs(), 1005, real.lastTs(), real.deleted(), real.lastChecksum(), real.deletedFileOrder())));

        StreamExport.Result r = StreamExport.export(sd, tmp.resolve("out"));

        assertThat(r.state().lastSeq()).isEqualTo(1005);
        assertThat(r.state().messages()).isEqualTo(990);
        byte[] added = tar(r.data()).get("msgs/2.blk");
        RecordCursor c = new RecordCursor().wrap(added, added.length);
        assertThat(c.next()).isTrue();
        assertThat(c.isErasedOrSkip()).isTrue();
        assertThat(c.seq()).isEqualTo(1005);
        StreamState back = unpackAndOpen(r, sd, tmp.resolve("dst"));
        assertThat(List.of(back.messages(), back.firstSeq(), back.lastSeq())).containsExactly(990L, 1L, 1005L);
    }

    /**
     * More removals than one added block holds (290,000 over {@value RemovalTombstones#TOMBSTONES_PER_BLOCK}):
     * a second added block follows, each within nats-server's largest block size (8 MiB, what 2.10
     * and 2.15 write and read at most), each starting with the skip of the last sequence and
     * checksummed with its own key, their tombstones ascending across the two and exactly the
     * removals the {@code .idx} files said; the unpacked tar opens to {@code backup.json}'s state.
     * A synthetic 2.9 stream (Legacy29Streams): two blocks of 160,000 records, the first's
     * {@code .idx} starting at 150,001, the second's at 160,008 with every sequence not a multiple of
     * 8 deleted, so the second added block starts inside the second store block.
     */
    @Test
    void moreRemovalsThanOneAddedBlockHoldsGoIntoASecondAddedBlockInSequenceOrder() throws Exception {
        String name = "BIG";
        List<Legacy29Streams.Block> blocks = List.of(
                new Legacy29Streams.Block(1, 1, 160_000, 150_001, seq -> false),
                new Legacy29Streams.Block(2, 160_001, 320_000, 160_008, seq -> seq % 8 != 0));
        Path streamDir = tmp.resolve("src/jetstream/$G/streams").resolve(name);
        Legacy29Streams.write(streamDir, name, blocks);
        TreeSet<Long> removed = new TreeSet<>();
        for (Legacy29Streams.Block b : blocks) {
            for (long seq = b.lo(); seq <= b.hi(); seq++) {
                if (b.removes(seq)) {
                    removed.add(seq);
                }
            }
        }
        assertThat(removed.size()).isEqualTo(290_000);
        StreamDir sd = streamDir(tmp.resolve("src"), name);

        StreamExport.Result r = StreamExport.export(sd, tmp.resolve("out"));

        assertThat(r.problems()).isEmpty();
        assertThat(r.state().messages()).isEqualTo(30_000);
        assertThat(r.state().firstSeq()).isEqualTo(150_001);
        assertThat(r.state().lastSeq()).isEqualTo(320_000);
        assertThat(r.state().numDeleted()).isEqualTo(140_000);
        Map<String, byte[]> tar = tar(r.data());
        assertThat(tar.keySet()).containsExactly("meta.inf", "meta.sum", "msgs/1.blk", "msgs/2.blk", "msgs/3.blk", "msgs/4.blk");
        assertThat(tar.get("msgs/3.blk")).as("full: the skip and 279,619 tombstones")
                .hasSize(RemovalTombstones.MAX_RECORDS * Records.EMPTY_RECORD_LENGTH);
        assertThat(tar.get("msgs/4.blk")).hasSize((1 + 290_000 - RemovalTombstones.TOMBSTONES_PER_BLOCK) * Records.EMPTY_RECORD_LENGTH);
        List<Long> tombstoned = new ArrayList<>();
        for (int index : new int[] {3, 4}) {
            byte[] added = tar.get("msgs/" + index + ".blk");
            assertThat(added.length).as("msgs/%d.blk within nats-server's largest block", index).isLessThanOrEqualTo(8 << 20);
            RecordHash hash = RecordHashes.forBlock(name, index);
            RecordCursor c = new RecordCursor().wrap(added, added.length);
            assertThat(c.next()).isTrue();
            assertThat(c.isErasedOrSkip()).as("msgs/%d.blk: a skip record first", index).isTrue();
            assertThat(c.seq()).isEqualTo(320_000);
            assertThat(c.timestamp()).isEqualTo(Legacy29Streams.ts(320_000));
            assertThat(c.checksumProblem(hash)).isNull();
            while (c.next()) {
                assertThat(c.isTombstone()).as("msgs/%d.blk seq %d", index, c.seq()).isTrue();
                if (c.checksumProblem(hash) != null || c.timestamp() != Legacy29Streams.ts(c.seq())) {
                    throw new AssertionError("msgs/" + index + ".blk seq " + c.seq() + ": " + c.checksumProblem(hash)
                            + ", time " + c.timestamp());
                }
                tombstoned.add(c.seq());
            }
            assertThat(c.problem()).isNull();
        }
        // Compared as lists, not with AssertJ's element diff: its message would print 290,000 numbers.
        assertThat(tombstoned.equals(List.copyOf(removed))).as("the tombstones ascend across the added blocks, each removal once "
                + "(%d tombstones, %d removals)", tombstoned.size(), removed.size()).isTrue();

        JsonNode backupState = JSON.readTree(r.metadata().toFile()).get("state");
        assertThat(backupState.get("messages").asLong()).isEqualTo(30_000);
        assertThat(backupState.get("first_seq").asLong()).isEqualTo(150_001);
        assertThat(backupState.get("last_seq").asLong()).isEqualTo(320_000);
        assertThat(backupState.get("num_deleted").asLong()).isEqualTo(140_000);
        StreamState back = unpackAndOpen(r, sd, tmp.resolve("dst"));
        assertThat(back).usingRecursiveComparison()
                .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(r.state());
    }
}
