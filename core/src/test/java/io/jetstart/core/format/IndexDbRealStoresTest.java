package io.jetstart.core.format;

import static io.jetstart.core.format.TestBytes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec §9.10: {@code index.db} files written by real nats-server 2.10.27 and 2.15.1. */
class IndexDbRealStoresTest {
    @TempDir
    Path tmp;

    private byte[] read(String fixture, String stream, String file) throws IOException {
        return Files.readAllBytes(Fixtures.streamDir(Fixtures.copy(fixture, tmp), stream).resolve("msgs").resolve(file));
    }

    private static long nanos(String rfc3339) {
        Instant i = Instant.parse(rfc3339);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Test
    void decodesMax1WrittenBy2151AsVersion4() throws Exception {
        byte[] file = read("nats-2.15.1-small", "MAX1", "index.db");
        assertThat(file).hasSize(97);

        IndexDb db = IndexDbCodec.decode("MAX1", file);

        assertThat(db.version()).isEqualTo(4);
        assertThat(db.msgs()).isEqualTo(800);
        assertThat(db.bytes()).isEqualTo(108_800);
        assertThat(db.firstSeq()).isEqualTo(201);
        assertThat(db.firstTs()).isEqualTo(1795609026710475136L).isEqualTo(nanos("2026-11-25T12:17:06.710475136Z"));
        assertThat(db.lastSeq()).isEqualTo(1000);
        assertThat(db.lastTs()).isEqualTo(1795609026775863920L).isEqualTo(nanos("2026-11-25T12:17:06.77586392Z"));
        assertThat(db.subjects()).containsExactly(
                new IndexDb.Subject("max1.1", 266, 1, 1),
                new IndexDb.Subject("max1.0", 267, 1, 1),
                new IndexDb.Subject("max1.2", 267, 1, 1));
        assertThat(db.blocks()).hasSize(1);
        IndexDb.Block b = db.blocks().getFirst();
        assertThat(b.index()).isEqualTo(1);
        assertThat(b.bytes()).isEqualTo(108_800);
        assertThat(b.firstSeq()).isEqualTo(201);
        assertThat(b.firstTs()).isEqualTo(db.firstTs());
        assertThat(b.lastSeq()).isEqualTo(1000);
        assertThat(b.lastTs()).isEqualTo(db.firstTs() + 65_388_784L).isEqualTo(db.lastTs());
        assertThat(b.deleted().isEmpty()).isTrue();
        assertThat(b.ttls()).isZero();
        assertThat(b.schedules()).isZero();
        assertThat(b.msgs()).isEqualTo(800);
        assertThat(db.lastBlockIndex()).isEqualTo(1);
        assertThat(hex(db.lastChecksum())).isEqualTo("b2621e468d8bf454");
    }

    @Test
    void decodesMax1WrittenBy21027AsVersion1() throws Exception {
        byte[] file = read("nats-2.10.27-small", "MAX1", "index.db");
        assertThat(hex(file)).isEqualTo(hex(hex("""
                0b 01 a0 06 80 d2 06 c9 01 fa a2 9d 92 a9 a0 a4 eb 31 e8 07 a0 ef b3 b3 aa a0 a4 eb 31 03 06 6d
                61 78 31 2e 31 8a 02 01 01 06 6d 61 78 31 2e 30 8b 02 01 01 06 6d 61 78 31 2e 32 8b 02 01 01 01
                01 80 d2 06 c9 01 00 e8 07 a6 cc 96 a1 01 00 01 5e 88 aa d4 73 36 df a6 a4 23 9e 09 e3 5f 86 15
                """)));

        IndexDb db = IndexDbCodec.decode("MAX1", file);

        assertThat(db.version()).isEqualTo(1);
        assertThat(db.msgs()).isEqualTo(800);
        assertThat(db.bytes()).isEqualTo(108_800);
        assertThat(db.firstSeq()).isEqualTo(201);
        assertThat(db.firstTs()).isEqualTo(nanos("2026-11-25T12:09:56.552329405Z"));
        assertThat(db.lastSeq()).isEqualTo(1000);
        assertThat(db.lastTs()).isEqualTo(nanos("2026-11-25T12:09:56.721335248Z"));
        assertThat(db.subjects()).containsExactly(
                new IndexDb.Subject("max1.1", 266, 1, 1),
                new IndexDb.Subject("max1.0", 267, 1, 1),
                new IndexDb.Subject("max1.2", 267, 1, 1));
        IndexDb.Block b = db.blocks().getFirst();
        assertThat(db.blocks()).hasSize(1);
        assertThat(b).extracting(IndexDb.Block::index, IndexDb.Block::bytes, IndexDb.Block::firstSeq,
                        IndexDb.Block::lastSeq, IndexDb.Block::ttls, IndexDb.Block::schedules)
                .containsExactly(1L, 108_800L, 201L, 1000L, 0L, 0L);
        assertThat(b.firstTs()).isEqualTo(db.firstTs());
        assertThat(b.lastTs()).isEqualTo(db.lastTs());
        assertThat(db.lastBlockIndex()).isEqualTo(1);
        assertThat(hex(db.lastChecksum())).isEqualTo("5e88aad47336dfa6");
    }

    @Test
    void decodesLim1WrittenBy2151WithItsDeletedMap() throws Exception {
        Path fixture = Fixtures.copy("nats-2.15.1-small", tmp);
        Path msgs = Fixtures.streamDir(fixture, "LIM1").resolve("msgs");
        byte[] file = Files.readAllBytes(msgs.resolve("index.db"));
        byte[] block = Files.readAllBytes(msgs.resolve("1.blk"));
        assertThat(file).hasSize(382);

        IndexDb db = IndexDbCodec.decode("LIM1", file);

        assertThat(db.version()).isEqualTo(4);
        assertThat(db).extracting(IndexDb::msgs, IndexDb::bytes, IndexDb::firstSeq, IndexDb::lastSeq)
                .containsExactly(990L, 135_180L, 1L, 1000L);
        assertThat(db.firstTs()).isEqualTo(nanos("2026-11-25T12:17:05.923754695Z"));
        assertThat(db.lastTs()).isEqualTo(nanos("2026-11-25T12:17:06.050835571Z"));
        assertThat(db.subjects()).containsExactly(
                new IndexDb.Subject("lim1.1", 247, 1, 1),
                new IndexDb.Subject("lim1.0", 247, 1, 1),
                new IndexDb.Subject("lim1.2", 248, 1, 1),
                new IndexDb.Subject("lim1.3", 248, 1, 1));
        IndexDb.Block b = db.blocks().getFirst();
        assertThat(db.blocks()).hasSize(1);
        assertThat(b).extracting(IndexDb.Block::index, IndexDb.Block::bytes, IndexDb.Block::firstSeq,
                        IndexDb.Block::lastSeq, IndexDb.Block::ttls, IndexDb.Block::schedules, IndexDb.Block::msgs)
                .containsExactly(1L, 135_180L, 1L, 1000L, 0L, 0L, 990L);
        List<Long> deleted = new ArrayList<>();
        b.deleted().forEach(deleted::add);
        assertThat(deleted).containsExactly(97L, 194L, 291L, 388L, 485L, 582L, 679L, 776L, 873L, 970L);
        assertThat(db.lastBlockIndex()).isEqualTo(1);
        assertThat(hex(db.lastChecksum())).isEqualTo("38c69869c692345c")
                .isEqualTo(hex(Arrays.copyOfRange(block, block.length - 8, block.length)));
    }

    /**
     * 2.15.1's {@code index.db} v4 counts per block the messages with a {@code Nats-TTL} and with a
     * {@code Nats-Schedule}; the server only asks whether a count is 0 (it then skips the block when
     * it scans for them at start, filestore.go: recoverTTLState). What it wrote for
     * {@code nats-2.15.1-features} is its write path's count (storeRawMsg: every message stored with
     * a TTL above 0, so not "never", and never lowered by a removal). A scan of the blocks, as
     * jetstart's and the server's own cache load (indexCacheBuf) count, takes every record with a
     * non-empty header: more, never fewer, so a block the server would scan is never said to be
     * without TTLs (docs/compatibility.md).
     */
    @Test
    void theTtlAndScheduleCountsOf2151sIndexDbAreNonZeroExactlyWhereTheBlocksHoldSome() throws Exception {
        Path fixture = Fixtures.copy("nats-2.15.1-features", tmp);
        Map<String, List<Long>> written = new LinkedHashMap<>();
        Map<String, List<Long>> scanned = new LinkedHashMap<>();
        for (Path streamDir : Fixtures.streamDirs(fixture)) {
            Path msgs = streamDir.resolve("msgs");
            String stream = streamDir.getFileName().toString();
            IndexDb db = IndexDbCodec.decode(stream, Files.readAllBytes(msgs.resolve("index.db")));
            assertThat(db.version()).as(stream).isEqualTo(4);
            assertThat(db.blocks()).as(stream).hasSize(1);
            IndexDb.Block b = db.blocks().getFirst();
            byte[] blk = Files.readAllBytes(msgs.resolve(b.index() + ".blk"));
            BlockScan scan = new BlockScanner(stream).scan(b.index(), blk, blk.length);
            written.put(stream, List.of(b.ttls(), b.schedules()));
            scanned.put(stream, List.of(scan.ttls(), scan.schedules()));
            assertThat(List.of(scan.ttls() > 0, scan.schedules() > 0)).as(stream)
                    .isEqualTo(List.of(b.ttls() > 0, b.schedules() > 0));
        }
        // TTL: 5 short, 5 long, ttl.secs, 3 ttl.late (not ttl.never); SDM: its 3 markers (not
        // sdm.keep); KVT: t1, t2, the purge marker, 2 markers (not n); SCHED: both schedules, the
        // one that fired included.
        assertThat(written).containsEntry("TTL", List.of(14L, 0L)).containsEntry("SDM", List.of(3L, 0L))
                .containsEntry("KV_KVT", List.of(5L, 0L)).containsEntry("SCHED", List.of(0L, 2L))
                .containsEntry("CNT", List.of(0L, 0L));
        // The same plus each "never".
        assertThat(scanned).containsEntry("TTL", List.of(15L, 0L)).containsEntry("SDM", List.of(4L, 0L))
                .containsEntry("KV_KVT", List.of(6L, 0L)).containsEntry("SCHED", List.of(0L, 2L));
    }

    /** Every {@code index.db} in every fixture agrees with what its server reported while running. */
    @Test
    void everyIndexDbAgreesWithItsServersOracle() throws Exception {
        ObjectMapper json = new ObjectMapper();
        int checked = 0;
        // Encrypted fixtures are skipped: their files are ciphertext (checked through core.crypto in
        // StreamKeysRealStoresTest and EncryptedStoreTest).
        for (String name : Fixtures.plainNames()) {
            if (name.endsWith("-lines") || name.endsWith("-features")) {
                // Their oracle.json is the answer after a restart, which settles interest streams
                // (INTW) and expires what ran out since the stop (-features: TTLs, markers, max_age).
                continue;
            }
            Path fixture = Fixtures.copy(name, tmp);
            JsonNode oracle = json.readTree(fixture.resolve("oracle.json").toFile());
            for (JsonNode stream : oracle.get("streams")) {
                Path file = Fixtures.streamDir(fixture, stream.get("name").asText()).resolve("msgs").resolve("index.db");
                if (!Files.exists(file)) {
                    continue;
                }
                assertAgrees(IndexDbCodec.decode(stream.get("name").asText(), Files.readAllBytes(file)),
                        stream.get("state"), name + "/" + stream.get("name").asText());
                checked++;
            }
        }
        assertThat(checked).as("index.db files checked").isEqualTo(16);
    }

    private static void assertAgrees(IndexDb db, JsonNode state, String what) {
        assertThat(db.msgs()).as(what).isEqualTo(state.get("messages").asLong());
        assertThat(db.bytes()).as(what).isEqualTo(state.get("bytes").asLong());
        assertThat(db.firstSeq()).as(what).isEqualTo(state.get("first_seq").asLong());
        assertThat(db.lastSeq()).as(what).isEqualTo(state.get("last_seq").asLong());
        assertThat(db.firstTs()).as(what).isEqualTo(nanos(state.get("first_ts").asText()));
        assertThat(db.lastTs()).as(what).isEqualTo(nanos(state.get("last_ts").asText()));
        assertThat(db.blocks().stream().mapToLong(IndexDb.Block::msgs).sum()).as(what).isEqualTo(db.msgs());
        assertThat(db.blocks().stream().mapToLong(IndexDb.Block::bytes).sum()).as(what).isEqualTo(db.bytes());
        // The server reports as deleted every sequence in [first, last] that no block holds: the
        // blocks' delete maps, and the gaps between blocks (a block whose head was removed starts
        // later; the s2 fixtures' KV stream has one).
        java.util.TreeSet<Long> deleted = new java.util.TreeSet<>();
        long prevLast = db.firstSeq() - 1;
        for (IndexDb.Block b : db.blocks()) {
            for (long seq = prevLast + 1; seq < b.firstSeq() && seq <= db.lastSeq(); seq++) {
                deleted.add(seq);
            }
            b.deleted().forEach(deleted::add);
            prevLast = Math.max(prevLast, b.lastSeq());
        }
        List<Long> expectedDeleted = new ArrayList<>();
        if (state.has("deleted")) {
            state.get("deleted").forEach(n -> expectedDeleted.add(n.asLong()));
        }
        assertThat(deleted).as(what).containsExactlyInAnyOrderElementsOf(expectedDeleted);
        Map<String, Long> subjects = new LinkedHashMap<>();
        db.subjects().forEach(s -> subjects.put(s.subject(), s.total()));
        Map<String, Long> expectedSubjects = new LinkedHashMap<>();
        state.get("subjects").properties().forEach(e -> expectedSubjects.put(e.getKey(), e.getValue().asLong()));
        assertThat(subjects).as(what).isEqualTo(expectedSubjects);
    }

    /** Decode then encode at the version read gives back every byte, for every fixture file. */
    @Test
    void everyIndexDbRoundTripsByteForByte() throws Exception {
        int checked = 0;
        // Encrypted fixtures are skipped: their files are ciphertext (checked through core.crypto in
        // StreamKeysRealStoresTest and EncryptedStoreTest).
        for (String name : Fixtures.plainNames()) {
            Path fixture = Fixtures.copy(name, tmp);
            for (Path file : filesNamed(fixture, "index.db")) {
                String stream = file.getParent().getParent().getFileName().toString();
                byte[] bytes = Files.readAllBytes(file);
                IndexDb db = IndexDbCodec.decode(stream, bytes);

                assertThat(IndexDbCodec.encode(stream, db, db.version())).as(file.toString()).isEqualTo(bytes);
                checked++;
            }
        }
        // The -small stores, upbench, the encrypted, -s2, -lines and -features stores (testdata/README.md).
        assertThat(checked).as("index.db files round-tripped").isEqualTo(33);
    }

    @Test
    void upbenchIndexDbKeepsTenThousandSubjectsInFileOrder() throws Exception {
        byte[] file = read("nats-2.10.27-upbench", "U1", "index.db");

        IndexDb db = IndexDbCodec.decode("U1", file);

        assertThat(db.subjects()).hasSize(10_000);
        assertThat(db.subjects().stream().mapToLong(IndexDb.Subject::total).sum()).isEqualTo(db.msgs());
        assertThat(IndexDbCodec.encode("U1", db, db.version())).isEqualTo(file);
    }

    static List<Path> filesNamed(Path root, String suffix) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }
}
