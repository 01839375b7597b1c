package io.jetstart.core.format;

import static io.jetstart.core.format.RecordsTest.FOO;
import static io.jetstart.core.format.RecordsTest.HELLO;
import static io.jetstart.core.format.RecordsTest.T1;
import static io.jetstart.core.format.RecordsTest.T2;
import static io.jetstart.core.format.RecordsTest.ascii;
import static io.jetstart.core.format.RecordsTest.block;
import static io.jetstart.core.format.RecordsTest.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.hash.HighwayHash64;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("both-hashes")
class BlockScannerTest {
    private static final BlockScanner TEST = new BlockScanner("TEST");

    /** A block of stream S built record by record with the real encoder. */
    private static final class Blk {
        final ByteWriter out = new ByteWriter();
        final HighwayHash64 h;

        Blk(long index) {
            h = block("S", index);
        }

        Blk msg(long seq, long ts, String subject) {
            Records.writeMessage(out, h, seq, ts, ascii(subject), null, HELLO);
            return this;
        }

        Blk msg(long seq, String subject, String headers) {
            Records.writeMessage(out, h, seq, seq, ascii(subject), ascii(headers), HELLO);
            return this;
        }

        Blk erased(long seq) {
            Records.writeErased(out, h, seq, 40, new byte[10]);
            return this;
        }

        Blk skip(long seq, long ts) {
            Records.writeSkip(out, h, seq, ts);
            return this;
        }

        Blk tomb(long seq, long ts) {
            Records.writeTombstone(out, h, seq, ts);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        BlockScan scan() {
            byte[] b = bytes();
            return new BlockScanner("S").scan(1, b, b.length);
        }
    }

    private static long nanos(String rfc3339) {
        Instant i = Instant.parse(rfc3339);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Test
    void theSpecBlockB1B2GivesTwoMessagesOf98Bytes() {
        byte[] b = hex(RecordsTest.RECORD_B1 + RecordsTest.RECORD_B2);
        BlockScan s = TEST.scan(1, b, b.length);
        assertThat(s.problem()).isNull();
        assertThat(List.of(s.firstSeq(), s.firstTs(), s.lastSeq(), s.lastTs(), s.msgs(), s.bytes()))
                .containsExactly(1L, T1, 2L, T2, 2L, 98L);
        assertThat(s.subjects()).containsExactly(Map.entry("foo", 2L));
        assertThat(s.lastChecksum()).isEqualTo(hex("dcc88be145a258ed"));
        assertThat(s.deleted().isEmpty()).isTrue();
        assertThat(s.validLength()).isEqualTo(98).isEqualTo(s.length());
        assertThat(s.recordsVerified()).isEqualTo(2);
    }

    @Test
    void aBlockHoldingOnlyThePurgeTombstoneRemembersTheLastSequence() {
        byte[] b = hex(RecordsTest.PURGE_TOMBSTONE_5);
        BlockScan s = TEST.scan(1, b, b.length);
        assertThat(s.msgs()).isZero();
        assertThat(s.tombstones()).containsExactly(new Tombstone(5, T1));
        assertThat(List.of(s.firstSeq(), s.firstTs(), s.lastSeq(), s.lastTs())).containsExactly(6L, 0L, 5L, T1);
    }

    @Test
    void aTombstoneOnlyBlockUsesTheHighestTombstoneAsSince2121() {
        BlockScan s = new Blk(1).tomb(5, 50).tomb(3, 30).scan();
        assertThat(List.of(s.firstSeq(), s.lastSeq(), s.lastTs())).containsExactly(6L, 5L, 50L);
        assertThat(s.tombstones()).containsExactly(new Tombstone(5, 50), new Tombstone(3, 30));
    }

    @Test
    void tombstonesDoNotMoveFirstOrLastOfABlockWithMessages() {
        BlockScan s = new Blk(1).msg(1, 10, "a").msg(2, 20, "a").tomb(9, 90).scan();
        assertThat(List.of(s.firstSeq(), s.lastSeq(), s.msgs())).containsExactly(1L, 2L, 2L);
        byte[] b = new Blk(1).msg(1, 10, "a").msg(2, 20, "a").tomb(9, 90).bytes();
        assertThat(s.lastChecksum()).isEqualTo(Arrays.copyOfRange(b, b.length - 8, b.length));
    }

    @Test
    void aCompactionGapInsideTheBlockGoesIntoTheDeletedSet() {
        BlockScan s = new Blk(1).msg(1, 10, "a").msg(2, 20, "b").msg(5, 50, "a").scan();
        assertThat(s.msgs()).isEqualTo(3);
        assertThat(s.deleted().toString()).isEqualTo("[3,4]");
        assertThat(s.subjects()).containsExactly(Map.entry("a", 2L), Map.entry("b", 1L));
        assertThat(List.of(s.lastSeq(), s.lastTs())).containsExactly(5L, 50L);
    }

    @Test
    void anErasedRecordInsideTheBlockIsDeletedAndNotCounted() {
        BlockScan s = new Blk(1).msg(1, 10, "a").erased(2).msg(3, 30, "a").scan();
        assertThat(s.msgs()).isEqualTo(2);
        assertThat(s.bytes()).isEqualTo(2 * 36);
        assertThat(s.deleted().toString()).isEqualTo("[2]");
    }

    @Test
    void leadingErasedAndSkipRecordsMoveTheFirstSequence() {
        BlockScan s = new Blk(1).erased(1).skip(2, 20).msg(3, 30, "a").scan();
        assertThat(List.of(s.firstSeq(), s.firstTs(), s.lastSeq(), s.msgs())).containsExactly(3L, 30L, 3L, 1L);
        assertThat(s.deleted().isEmpty()).isTrue();
        BlockScan onlySkips = new Blk(1).skip(7, 70).scan();
        assertThat(List.of(onlySkips.firstSeq(), onlySkips.firstTs(), onlySkips.lastSeq(), onlySkips.lastTs()))
                .containsExactly(8L, 0L, 7L, 70L);
    }

    @Test
    void aRecordWhoseSequenceDoesNotMoveUpIsSkipped() {
        BlockScan s = new Blk(1).msg(1, 10, "a").msg(2, 20, "a").msg(2, 21, "b").msg(1, 5, "b").scan();
        assertThat(List.of(s.msgs(), s.lastSeq(), s.lastTs())).containsExactly(2L, 2L, 20L);
        assertThat(s.subjects()).containsExactly(Map.entry("a", 2L));
    }

    @Test
    void messagesWithAnEmptySubjectAreCountedButNotPerSubject() {
        BlockScan s = new Blk(1).msg(1, 10, "").msg(2, 20, "x").scan();
        assertThat(s.msgs()).isEqualTo(2);
        assertThat(s.subjects()).containsExactly(Map.entry("x", 1L));
    }

    @Test
    void ttlAndScheduleHeadersAreCountedAsTheServerMatchesThem() {
        BlockScan s = new Blk(1)
                .msg(1, "a", "NATS/1.0\r\nNats-TTL: 5s\r\n\r\n")
                .msg(2, "a", "NATS/1.0\r\nNats-TTL:1\r\nNats-Schedule: @every 1s\r\n\r\n")
                .msg(3, "a", "NATS/1.0\r\nNats-TTL: \r\n\r\n")
                .msg(4, "a", "NATS/1.0\r\nX-Nats-TTL: 5s\r\n\r\n")
                .msg(5, "a", "NATS/1.0\r\nnats-ttl: 5s\r\n\r\n")
                .msg(6, "a", "NATS/1.0\r\nX: Nats-TTL\r\nNats-Schedule-X: 1\r\nNats-Schedule:x\r\n\r\n")
                .scan();
        assertThat(s.msgs()).isEqualTo(6);
        assertThat(s.ttls()).isEqualTo(2);
        assertThat(s.schedules()).isEqualTo(2);
    }

    @Test
    void anEmptyBufferIsAnEmptyBlockWithoutAProblem() {
        BlockScan s = new BlockScanner("S").scan(1, new byte[4], 0);
        assertThat(List.of(s.firstSeq(), s.lastSeq(), s.msgs(), s.validLength())).containsExactly(0L, 0L, 0L, 0L);
        assertThat(s.problem()).isNull();
        assertThat(s.lastChecksum()).isEqualTo(new byte[8]);
    }

    @Test
    void aTornLastRecordIsReportedAndThePrefixKept() {
        byte[] b = new Blk(1).msg(1, 10, "a").msg(2, 20, "a").bytes();
        BlockScan s = new BlockScanner("S").scan(1, b, b.length - 3);
        assertThat(s.msgs()).isEqualTo(1);
        assertThat(s.validLength()).isEqualTo(36);
        assertThat(s.problem()).isEqualTo(new BlockProblem(36, "sanity check failed (rl 36 > the 33 bytes that remain)", 33));
        assertThat(s.lastChecksum()).isEqualTo(Arrays.copyOfRange(b, 28, 36));
        BlockScan header = new BlockScanner("S").scan(1, b, 36 + 7);
        assertThat(header.problem()).isEqualTo(new BlockProblem(36, "truncated record header: 7 bytes remain", 7));
    }

    @Test
    void theEmptyBlockFixUpAlsoRunsWhenTheScanStopsEarly() {
        byte[] b = new Blk(1).tomb(5, 50).msg(6, 60, "a").bytes();
        b[b.length - 1] ^= 1;
        BlockScan s = new BlockScanner("S").scan(1, b, b.length);
        assertThat(s.problem().offset()).isEqualTo(30);
        assertThat(s.problem().reason()).startsWith("invalid checksum: stored ");
        assertThat(List.of(s.firstSeq(), s.lastSeq(), s.lastTs(), s.msgs())).containsExactly(6L, 5L, 50L, 0L);
    }

    @Test
    void aBlockOfManyStretchesGivesTheSameStateAsItsRecordsSayAndStopsAtTheBadOneInALaterStretch() {
        // The scan walks a block 256 KiB at a time (BlockScanner.scanRecords): 30,000 records of
        // 36 bytes are ~1 MiB, so records straddle every stretch boundary, a compaction gap, a
        // tombstone and an erased record sit in later stretches, and the damage is in the fourth.
        Blk blk = new Blk(1);
        long seq = 0;
        for (int i = 0; i < 30_000; i++) {
            seq += i == 20_000 ? 3 : 1;
            if (i == 12_345) {
                blk.tomb(7, 70);
            }
            if (i == 25_000) {
                blk.erased(seq++);
            }
            blk.msg(seq, seq * 10, i % 3 == 0 ? "a" : "b");
        }
        byte[] b = blk.bytes();
        assertThat(b.length).isGreaterThan(4 * (256 << 10));
        BlockScan s = new BlockScanner("S").scan(1, b, b.length);
        assertThat(s.problem()).isNull();
        assertThat(s.validLength()).isEqualTo(b.length);
        assertThat(List.of(s.firstSeq(), s.lastSeq(), s.lastTs(), s.msgs())).containsExactly(1L, seq, seq * 10, 30_000L);
        assertThat(s.deleted().toString()).isEqualTo("[20001,20002,25003]");
        assertThat(s.tombstones()).containsExactly(new Tombstone(7, 70));
        assertThat(s.subjects()).containsExactly(Map.entry("a", 10_000L), Map.entry("b", 20_000L));
        assertThat(s.recordsVerified()).isEqualTo(30_002L);

        int bad = 0;
        int before = 0;
        while (bad < 3 * (256 << 10) + 100) {
            bad += (int) (LittleEndian.u32(b, bad) & 0x7fff_ffffL);
            before++;
        }
        b[bad + 30] ^= 1;
        BlockScan cut = new BlockScanner("S").scan(1, b, b.length);
        assertThat(cut.problem().offset()).isEqualTo(bad);
        assertThat(cut.problem().reason()).startsWith("invalid checksum: stored ");
        assertThat(cut.validLength()).isEqualTo(bad);
        assertThat(cut.recordsVerified()).isEqualTo(before);
        assertThat(cut.lastChecksum()).isEqualTo(Arrays.copyOfRange(b, bad - 8, bad));
    }

    @Test
    void aHeaderClaimingRlOf2GiBIsReportedNotAllocated() {
        byte[] b = new Blk(1).msg(1, 10, "a").msg(2, 20, "a").bytes();
        LittleEndian.putU32(b, 36, 0x7fff_ffffL);
        BlockScan s = new BlockScanner("S").scan(1, b, b.length);
        assertThat(s.problem()).isEqualTo(new BlockProblem(36, "sanity check failed (rl 2147483647 > 33554432)", 36));
        assertThat(s.msgs()).isEqualTo(1);
    }

    @Test
    void everyRecordHeaderTheSanityCheckRefusesStopsTheScanWithItsReasonAndNoOtherDoes() {
        // The scan loop applies the sanity check (spec 3.4) inline and asks Records.sanity only to
        // say why: over a grid of lengths, subject lengths, header bits and buffer ends around
        // every boundary, the scan must stop exactly where sanity refuses, with its words.
        byte[] good = new Blk(1).msg(1, 10, "a").msg(2, 20, "abcdef").bytes();
        int second = 36;
        int secondRl = good.length - second;
        long[] rls = {0, 1, 29, 30, 31, 35, 36, 37, secondRl - 1, secondRl, secondRl + 1, 100,
            Records.MAX_RECORD_LENGTH, Records.MAX_RECORD_LENGTH + 1L, 0x7fff_ffffL};
        int[] slens = {0, 1, 5, 6, 7, 10, 11, 12, 0xffff};
        int refused = 0;
        for (long rl : rls) {
            for (int slen : slens) {
                for (boolean headers : new boolean[] {false, true}) {
                    for (int cut = 0; cut <= 2; cut++) {
                        byte[] b = good.clone();
                        LittleEndian.putU32(b, second, rl | (headers ? Records.HBIT : 0));
                        LittleEndian.putU16(b, second + 20, slen);
                        int len = cut == 0 ? b.length : cut == 1 ? b.length - 1 : second + 21;
                        String reason = Records.sanity(b, second, len);
                        BlockScan s = new BlockScanner("S").scan(1, b, len);
                        String what = String.format("rl %d, slen %d, headers %b, len %d", rl, slen, headers, len);
                        if (reason != null) {
                            refused++;
                            assertThat(s.problem()).as(what).isEqualTo(new BlockProblem(second, reason, len - second));
                            assertThat(s.msgs()).as(what).isEqualTo(1);
                        } else if (s.problem() != null) {
                            // Sane, so checked: its checksum covers other bytes now (or, with the
                            // subject and payload boundary moved, the same ones: then it counts).
                            assertThat(s.problem().reason()).as(what).startsWith("invalid checksum");
                        }
                    }
                }
            }
        }
        assertThat(refused).isGreaterThan(100);
    }

    @Test
    void anAbsurdSequenceGapIsReportedInsteadOfFilled() {
        BlockScan s = new Blk(1).msg(1, 10, "a").msg(1L << 40, 20, "a").scan();
        assertThat(s.problem().offset()).isEqualTo(36);
        assertThat(s.problem().reason()).startsWith("sequence gap too large: ");
        assertThat(List.of(s.msgs(), s.lastSeq())).containsExactly(1L, 1L);
        assertThat(s.subjects()).containsExactly(Map.entry("a", 1L));
    }

    @Test
    void forEachMessageVisitsExactlyTheCountedMessagesInFileOrder() {
        byte[] b = new Blk(1).erased(1).msg(2, 20, "a").tomb(1, 10).msg(3, "b", "NATS/1.0\r\nK: v\r\n\r\n")
                .msg(3, 31, "c").skip(4, 40).msg(5, 50, "d").bytes();
        List<String> seen = new ArrayList<>();
        new BlockScanner("S").forEachMessage(1, b, b.length,
                (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> seen.add(seq + "@" + ts + ":" + new String(buf, so, sl)
                        + "|" + new String(buf, ho, hl).strip() + "|" + new String(buf, po, pl) + "/" + rl));
        assertThat(seen).containsExactly("2@20:a||hello/36", "3@3:b|NATS/1.0\r\nK: v|hello/58", "5@50:d||hello/36");
        assertThat(new BlockScanner("S").scan(1, b, b.length).msgs()).isEqualTo(3);
    }

    @Test
    void forEachMessageStopsAtTheFirstBadRecord() {
        byte[] b = new Blk(1).msg(1, 10, "a").msg(2, 20, "a").bytes();
        LittleEndian.putU32(b, 36, 0xffff_ffffL);
        List<Long> seqs = new ArrayList<>();
        new BlockScanner("S").forEachMessage(1, b, b.length, (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> seqs.add(seq));
        assertThat(seqs).containsExactly(1L);
    }

    // ---- real stores ----

    private static JsonNode oracleStream(String fixture, String stream) throws Exception {
        JsonNode root = new ObjectMapper().readTree(Fixtures.root().resolve(fixture).resolve("oracle.rebuilt.json").toFile());
        for (JsonNode s : root.get("streams")) {
            if (s.get("name").asText().equals(stream)) {
                return s.get("state");
            }
        }
        throw new AssertionError("no stream " + stream + " in " + fixture);
    }

    private static BlockScan scanFixture(Path tmp, String fixture, String stream) throws Exception {
        Path copy = Files.isDirectory(tmp.resolve(fixture)) ? tmp.resolve(fixture) : Fixtures.copy(fixture, tmp);
        byte[] b = Files.readAllBytes(Fixtures.streamDir(copy, stream).resolve("msgs/1.blk"));
        BlockScan s = new BlockScanner(stream).scan(1, b, b.length);
        assertThat(s.problem()).as("%s %s", fixture, stream).isNull();
        assertThat(s.validLength()).isEqualTo(b.length);
        assertThat(s.lastChecksum()).isEqualTo(Arrays.copyOfRange(b, b.length - 8, b.length));
        return s;
    }

    /** A single-block stream whose tombstones change nothing: the block scan is the whole rebuilt state. */
    private static void assertMatchesOracle(BlockScan s, JsonNode o) {
        assertThat(s.msgs()).isEqualTo(o.get("messages").asLong());
        assertThat(s.bytes()).isEqualTo(o.get("bytes").asLong());
        assertThat(s.firstSeq()).isEqualTo(o.get("first_seq").asLong());
        assertThat(s.firstTs()).isEqualTo(nanos(o.get("first_ts").asText()));
        assertThat(s.lastSeq()).isEqualTo(o.get("last_seq").asLong());
        assertThat(s.lastTs()).isEqualTo(nanos(o.get("last_ts").asText()));
        List<Long> deleted = new ArrayList<>();
        if (o.has("deleted")) {
            o.get("deleted").forEach(d -> deleted.add(d.asLong()));
        }
        List<Long> ours = new ArrayList<>();
        s.deleted().forEach(ours::add);
        assertThat(ours).isEqualTo(deleted);
        Map<String, Long> subjects = new HashMap<>();
        o.get("subjects").fields().forEachRemaining(e -> subjects.put(e.getKey(), e.getValue().asLong()));
        assertThat(s.subjects()).isEqualTo(subjects);
    }

    @Test
    void lim1BlocksOfEveryServerVersionGiveTheStateTheServerRebuilt(@TempDir Path tmp) throws Exception {
        for (String fixture : Fixtures.SMALL) {
            BlockScan s = scanFixture(tmp, fixture, "LIM1");
            assertMatchesOracle(s, oracleStream(fixture, "LIM1"));
            assertThat(s.deleted().size()).isEqualTo(10);
        }
    }

    @Test
    void lim1Of2151Holds1000MessageRecords10ErasedAnd10Tombstones(@TempDir Path tmp) throws Exception {
        BlockScan s = scanFixture(tmp, "nats-2.15.1-small", "LIM1");
        assertThat(s.recordsVerified()).isEqualTo(1010);
        assertThat(s.tombstones()).hasSize(10);
        List<Long> tombSeqs = s.tombstones().stream().map(Tombstone::seq).toList();
        List<Long> erased = new ArrayList<>();
        s.deleted().forEach(erased::add);
        assertThat(tombSeqs).isEqualTo(erased);
        assertThat(s.tombstones().get(0)).isEqualTo(new Tombstone(97, 1795609025941064224L));
        BlockScan v29 = scanFixture(tmp, "nats-2.9.10-small", "LIM1");
        assertThat(v29.tombstones()).isEmpty();
        assertThat(v29.recordsVerified()).isEqualTo(1000);
    }

    @Test
    void int1BlocksHoldAll1000MessagesAnd315TombstonesSince210(@TempDir Path tmp) throws Exception {
        for (String fixture : List.of("nats-2.10.27-small", "nats-2.15.1-small")) {
            BlockScan s = scanFixture(tmp, fixture, "INT1");
            assertThat(List.of(s.msgs(), s.firstSeq(), s.lastSeq(), (long) s.tombstones().size()))
                    .containsExactly(1000L, 1L, 1000L, 315L);
            assertThat(s.tombstones().stream().map(Tombstone::seq).filter(q -> q <= 301).count()).isEqualTo(301);
            assertThat(s.recordsVerified()).isEqualTo(1315);
        }
        BlockScan v29 = scanFixture(tmp, "nats-2.9.10-small", "INT1");
        assertThat(List.of(v29.msgs(), (long) v29.tombstones().size())).containsExactly(1000L, 0L);
    }

    @Test
    void max1BlocksStillHoldTheMessagesRemovedByLimits(@TempDir Path tmp) throws Exception {
        for (String fixture : Fixtures.SMALL) {
            BlockScan s = scanFixture(tmp, fixture, "MAX1");
            JsonNode o = oracleStream(fixture, "MAX1");
            assertThat(List.of(s.msgs(), s.firstSeq(), s.lastSeq(), s.bytes())).containsExactly(1000L, 1L, 1000L, 136000L);
            assertThat(s.lastTs()).isEqualTo(nanos(o.get("last_ts").asText()));
            assertThat(s.tombstones()).isEmpty();
        }
    }

    @Test
    void upbenchBlocksGiveTheStateTheServerRebuilt(@TempDir Path tmp) throws Exception {
        for (String stream : List.of("U1", "U2")) {
            BlockScan s = scanFixture(tmp, "nats-2.10.27-upbench", stream);
            assertMatchesOracle(s, oracleStream("nats-2.10.27-upbench", stream));
            assertThat(s.subjects()).hasSize(10_000);
        }
    }

    @Test
    void forEachMessageOnFixtureBlocksAgreesWithTheScanCounts(@TempDir Path tmp) throws Exception {
        // Encrypted fixtures are skipped: their files are ciphertext (checked through core.crypto in
        // StreamKeysRealStoresTest and EncryptedStoreTest).
        for (String fixture : Fixtures.plainNames()) {
            for (RecordsTest.BlockFile bf : RecordsTest.blockFiles(Fixtures.copy(fixture, tmp))) {
                byte[] b = Files.readAllBytes(bf.path());
                BlockScanner scanner = new BlockScanner(bf.stream());
                BlockScan s = scanner.scan(bf.index(), b, b.length);
                Map<String, Long> subjects = new HashMap<>();
                long[] countAndBytes = new long[2];
                scanner.forEachMessage(bf.index(), b, (int) s.validLength(), (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
                    countAndBytes[0]++;
                    countAndBytes[1] += rl;
                    if (sl > 0) {
                        subjects.merge(new String(buf, so, sl, java.nio.charset.StandardCharsets.UTF_8), 1L, Long::sum);
                    }
                });
                assertThat(countAndBytes).as(bf.path().toString()).containsExactly(s.msgs(), s.bytes());
                assertThat(subjects).isEqualTo(s.subjects());
            }
        }
    }

    // ---- hostile input ----

    @Test
    void aHeaderLengthThatDoesNotFitStillPassesTheChecksumAndEveryCountedMessageIsVisited(@TempDir Path tmp) throws Exception {
        byte[] b = Files.readAllBytes(Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1").resolve("msgs/1.blk"));
        // Spec §9.10: seq 50 at offset 6664 has headers, slen 6; hlen is the u32 after the subject.
        int hlenAt = 6664 + 22 + 6;
        assertThat(LittleEndian.u32(b, hlenAt)).isEqualTo(22);
        b[hlenAt + 3] = 0x40;
        BlockScanner scanner = new BlockScanner("LIM1");
        BlockScan scan = scanner.scan(1, b, b.length);
        assertThat(scan.problem()).as("hlen is not hashed").isNull();
        List<Long> visited = new ArrayList<>();
        int[] seq50 = new int[3];
        scanner.forEachMessage(1, b, b.length, (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
            visited.add(seq);
            if (seq == 50) {
                seq50[0] = hl;
                seq50[1] = pl;
                seq50[2] = rl;
            }
        });
        assertThat(visited).hasSize((int) scan.msgs()).contains(50L, 1000L);
        assertThat(seq50).as("no headers; header and payload bytes as one payload").containsExactly(0, 22 + 100, 162);
    }

    @Test
    void randomTruncationsAndBitFlipsNeverThrowAndAlwaysReportWhere(@TempDir Path tmp) throws Exception {
        long seed = 0xB10C_5CA7L;
        Random rnd = new Random(seed);
        Path copy = Fixtures.copy("nats-2.15.1-small", tmp);
        byte[] original = Files.readAllBytes(Fixtures.streamDir(copy, "LIM1").resolve("msgs/1.blk"));
        List<Integer> recordStarts = new ArrayList<>();
        for (int off = 0; off < original.length; off += (int) (LittleEndian.u32(original, off) & 0x7fff_ffffL)) {
            recordStarts.add(off);
        }
        BlockScanner scanner = new BlockScanner("LIM1");
        BlockScan full = scanner.scan(1, original, original.length);
        for (int round = 0; round < 600; round++) {
            byte[] b = original.clone();
            int len = b.length;
            int kind = round % 3;
            int hashedFlipRecord = -1;
            String what;
            if (kind == 0) {
                len = rnd.nextInt(b.length);
                what = "truncated to " + len;
            } else if (kind == 1) {
                StringBuilder sb = new StringBuilder("flipped");
                for (int i = 0, flips = 1 + rnd.nextInt(3); i < flips; i++) {
                    int at = rnd.nextInt(b.length);
                    int bit = rnd.nextInt(8);
                    b[at] ^= (byte) (1 << bit);
                    sb.append(' ').append(at).append('.').append(bit);
                }
                what = sb.toString();
            } else {
                // One bit of a record's seq or ts: hashed, so it must be caught at that record.
                hashedFlipRecord = recordStarts.get(rnd.nextInt(recordStarts.size()));
                int at = hashedFlipRecord + 4 + rnd.nextInt(16);
                int bit = rnd.nextInt(8);
                b[at] ^= (byte) (1 << bit);
                what = "flipped hashed byte " + at + "." + bit;
            }
            String ctx = "seed " + seed + " round " + round + ": " + what;
            byte[] input = b;
            int inputLen = len;
            BlockScan[] out = new BlockScan[1];
            assertThatCode(() -> out[0] = scanner.scan(1, input, inputLen)).as(ctx).doesNotThrowAnyException();
            BlockScan s = out[0];
            assertThat(s.msgs()).as(ctx).isLessThanOrEqualTo(full.msgs());
            if (s.problem() == null) {
                // A cut on a record boundary parses cleanly; so can a flip in rl/slen bits the
                // checksum does not cover (subject|payload stay contiguous), as in the server.
                assertThat(kind).as(ctx).isNotEqualTo(2);
                assertThat(s.validLength()).as(ctx).isEqualTo(len);
            } else {
                assertThat(s.problem().offset()).as(ctx).isEqualTo(s.validLength());
                assertThat(s.problem().lostBytes()).as(ctx).isEqualTo(len - s.validLength());
                assertThat(s.problem().reason()).as(ctx).isNotBlank();
                assertThat(s.validLength()).as(ctx).isLessThan(len);
                if (kind == 2) {
                    assertThat(s.problem().offset()).as(ctx).isEqualTo(hashedFlipRecord);
                    assertThat(s.problem().reason()).as(ctx).startsWith("invalid checksum");
                }
                if (kind == 0) {
                    assertThat(recordStarts).as(ctx).contains((int) s.problem().offset());
                }
            }
            assertThatCode(() -> scanner.forEachMessage(1, input, inputLen, (q, t, bb, so, sl, ho, hl, po, pl, rl) -> { }))
                    .as(ctx).doesNotThrowAnyException();
        }
    }

    @Test
    void randomGarbageNeverThrows() {
        long seed = 42;
        Random rnd = new Random(seed);
        BlockScanner scanner = new BlockScanner("S");
        for (int round = 0; round < 2000; round++) {
            byte[] b = new byte[rnd.nextInt(200)];
            rnd.nextBytes(b);
            if (b.length >= 4 && rnd.nextBoolean()) {
                LittleEndian.putU32(b, 0, rnd.nextInt(b.length + 1) | (rnd.nextBoolean() ? Records.HBIT : 0));
            }
            int r = round;
            assertThatCode(() -> {
                BlockScan s = scanner.scan(1, b, b.length);
                assertThat(s.problem() != null || b.length == 0).isTrue();
                scanner.forEachMessage(1, b, b.length, (q, t, bb, so, sl, ho, hl, po, pl, rl) -> { });
            }).as("seed %d round %d", seed, r).doesNotThrowAnyException();
        }
    }
}
