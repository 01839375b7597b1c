package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.write.StreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The expiry nats-server 2.15.1 does right after a start, on {@code nats-2.15.1-features}
 * (testdata/README.md): the store as the server stopped holds messages whose {@code Nats-TTL} or
 * {@code max_age} ran out seconds later; the fixture's oracle.json is what 2.15.1 answered once
 * started again, and the clock decides which state an open reports.
 */
class StartUpExpiryTest {
    /** Any time since the fixture was made: every short TTL has run out, no 100-year one has. */
    private static final long NOW = System.currentTimeMillis() * 1_000_000L;

    @TempDir
    Path tmp;

    private int copies;

    private StreamStore open(String stream, long now, ServerLine line) throws Exception {
        Path dir = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-features", tmp.resolve("copy" + copies++)), stream);
        return open(dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(), now, line);
    }

    private static StreamStore open(Path dir, StreamConfig config, long now, ServerLine line) throws Exception {
        StoreContext ctx = new StoreContext(DiskGate.unbounded(), new BlockBuffers(1), BlockWork.sequential(),
                RecordHashSource.chosen(), () -> now, StoreContext.ScanProgress.NONE);
        return StreamOpener.open("$G", dir.getFileName().toString(), dir, config, ctx, line);
    }

    private static List<Long> deleted(StreamState st) {
        List<Long> out = new ArrayList<>();
        for (long seq : st.deleted().toArray()) {
            out.add(seq);
        }
        return out;
    }

    @Test
    void messagesWhoseTtlRanOutSinceTheStopAreGoneAsTheRestartedServerReports() throws Exception {
        StreamState st = open("TTL", NOW, ServerLine.NEWEST).state();

        // oracle.json: the three ttl.late (2 s, published just before the stop) expired at the restart.
        assertThat(st.messages()).isEqualTo(12);
        assertThat(deleted(st)).containsExactly(4L, 7L, 10L, 13L, 18L, 19L, 20L);
        assertThat(st.subjects()).isEqualTo(Map.of("ttl.long", 5L, "ttl.never", 1L, "ttl.plain", 5L, "ttl.secs", 1L));
    }

    @Test
    void beforeAnyTtlRanOutTheFilesStateIsReported() throws Exception {
        StreamState st = open("TTL", 0L, ServerLine.NEWEST).state();

        assertThat(st.messages()).isEqualTo(15);
        assertThat(st.subjects()).containsEntry("ttl.late", 3L);
    }

    @Test
    void aLineThatKnowsNoTtlExpiresNothing() throws Exception {
        StreamState st = open("TTL", NOW, ServerLine.V2_10).state();

        assertThat(st.messages()).isEqualTo(15);
    }

    @Test
    void maxAgeWithDeleteMarkersTakesTheMarkersButNotANeverTtl() throws Exception {
        // The server skips max_age while opening such a stream; its first age check takes the
        // three markers (sdm.a/b/c) and keeps sdm.keep, whose Nats-TTL is "never".
        assertThat(open("SDM", 0L, ServerLine.NEWEST).state().messages()).as("at the stop").isEqualTo(4);

        StreamStore s = open("SDM", NOW, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(1);
        assertThat(s.state().subjects()).isEqualTo(Map.of("sdm.keep", 1L));
        assertThat(deleted(s.state())).containsExactly(8L, 9L, 10L);
        assertThat(s.problems()).as("a marker expiring writes no new marker").isEmpty();
    }

    @Test
    void aLineThatKnowsNoDeleteMarkersTakesMaxAgeAtTheOpenNeverTtlOrNot() throws Exception {
        // 2.10.27 started on these files: "Restored 0 messages for stream '$G > SDM'" (it ignores
        // subject_delete_marker_ttl and Nats-TTL, so max_age takes every message while opening).
        StreamState st = open("SDM", NOW, ServerLine.V2_10).state();

        assertThat(st.messages()).isZero();
        // The last sequence stays (expireMsgsOnRecover keeps it with a tombstone; from the source).
        assertThat(st.lastSeq()).isEqualTo(10);
    }

    @Test
    void kvLimitMarkersWhoseTtlRanOutAreGone() throws Exception {
        StreamState st = open("KV_KVT", NOW, ServerLine.NEWEST).state();

        assertThat(st.messages()).isEqualTo(6);
        assertThat(deleted(st)).containsExactly(4L, 5L, 7L, 10L, 11L);
    }

    @Test
    void theLastMessageOfASubjectExpiringUnderDeleteMarkersIsNamedSinceTheServerWritesAMarkerThen() throws Exception {
        Path dir = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-features", tmp), "TTL");
        ObjectMapper json = new ObjectMapper();
        ObjectNode meta = (ObjectNode) json.readTree(Files.readAllBytes(dir.resolve("meta.inf")));
        meta.put("subject_delete_marker_ttl", 3_600_000_000_000L);

        StreamStore s = open(dir, StreamConfig.parse(json.writeValueAsBytes(meta)), NOW, ServerLine.NEWEST);

        // The marker is left out of the counts (2.15.1 counts it only until it ages out) and its
        // sequence, above the state's last, is named (docs/compatibility.md, "A marker written at start").
        assertThat(s.state().messages()).isEqualTo(12);
        assertThat(s.state().lastSeq()).isEqualTo(20);
        assertThat(s.problems()).singleElement().extracting(Problem::message).asString()
                .contains("ttl.late").contains("subject delete marker").contains("above sequence 20")
                .contains("last_seq stays one higher per such marker");
    }

    /** 2026-01-01T00:00:00Z, when the generated streams' first message was stored. */
    private static final long T0 = 1_767_225_600_000_000_000L;
    private static final byte[] TTL_1S = "NATS/1.0\r\nNats-TTL: 1s\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PAYLOAD = new byte[100];

    private static StreamConfig config(String extra) throws Exception {
        return StreamConfig.parse(("{\"name\":\"T\",\"subjects\":[\"t.>\"],\"retention\":\"limits\",\"max_msgs\":-1,"
                + "\"max_bytes\":-1,\"max_age\":0,\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1" + extra + "}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Stream T in 4 KiB blocks: 2,000 messages on t.plain without a TTL, and sequences 1001..1010
     * on t.ttl with a TTL of one second (all stored a millisecond apart from {@link #T0}), so that
     * one or two blocks of dozens hold TTL messages.
     */
    private Path ttlStream(int indexVersion) throws Exception {
        Path dir = tmp.resolve("gen" + copies++).resolve("T");
        byte[] plain = "t.plain".getBytes(StandardCharsets.US_ASCII);
        byte[] ttl = "t.ttl".getBytes(StandardCharsets.US_ASCII);
        try (StreamWriter w = new StreamWriter(dir, "T", 4096, indexVersion)) {
            for (int i = 1; i <= 2_010; i++) {
                boolean withTtl = i > 1000 && i <= 1010;
                w.append(withTtl ? ttl : plain, withTtl ? TTL_1S : null, PAYLOAD, T0 + i * 1_000_000L);
            }
        }
        return dir;
    }

    private static IndexDb indexDb(Path dir) throws Exception {
        return IndexDbCodec.decode("T", Files.readAllBytes(dir.resolve("msgs").resolve("index.db")));
    }

    /** The block file holding sequence {@code seq}, as index.db names it. */
    private static Path blockOf(Path dir, long seq) throws Exception {
        for (IndexDb.Block b : indexDb(dir).blocks()) {
            if (b.firstSeq() <= seq && seq <= b.lastSeq()) {
                return dir.resolve("msgs").resolve(b.index() + ".blk");
            }
        }
        throw new AssertionError("no block holds " + seq);
    }

    @Test
    void aBlockWithTtlMessagesAmongManyWithoutIsStillExpired() throws Exception {
        Path dir = ttlStream(2);
        assertThat(indexDb(dir).blocks()).as("blocks").hasSizeGreaterThan(20);

        StreamState st = open(dir, config(",\"allow_msg_ttl\":true"), NOW, ServerLine.NEWEST).state();

        assertThat(st.messages()).isEqualTo(2_000);
        assertThat(deleted(st)).containsExactly(1001L, 1002L, 1003L, 1004L, 1005L, 1006L, 1007L, 1008L, 1009L, 1010L);
        assertThat(st.subjects()).isEqualTo(Map.of("t.plain", 2_000L));
    }

    @Test
    void theBlocksIndexDbCountsNoTtlMessageInAreNotRead() throws Exception {
        Path dir = ttlStream(2);
        long indexDb = Files.size(dir.resolve("msgs").resolve("index.db"));
        long ttlBlocks = 0;
        for (Path block : new java.util.TreeSet<>(List.of(blockOf(dir, 1001), blockOf(dir, 1010)))) {
            ttlBlocks += Files.size(block);
        }

        StreamStore early = open(dir, config(",\"allow_msg_ttl\":true"), T0, ServerLine.NEWEST);
        StreamStore late = open(dir, config(",\"allow_msg_ttl\":true"), NOW, ServerLine.NEWEST);

        // index.db and the last block's checksum, then the blocks holding 1001..1010 once, whether
        // or not something is due (every block of 4 KiB was read, and those with a removal twice).
        assertThat(early.state().messages()).isEqualTo(2_010);
        assertThat(late.state().messages()).isEqualTo(2_000);
        assertThat(early.bytesRead()).isEqualTo(indexDb + 8 + ttlBlocks);
        assertThat(late.bytesRead()).isEqualTo(indexDb + 8 + ttlBlocks);
    }

    @Test
    void aBlockFileIndexDbCountsNoTtlMessageInIsNeverOpened() throws Exception {
        Path dir = ttlStream(2);
        // A block in the middle, counted 0, made a directory: reading it fails the open ("cannot read block").
        Path untouched = blockOf(dir, 500);
        Files.delete(untouched);
        Files.createDirectory(untouched);

        StreamState st = open(dir, config(",\"allow_msg_ttl\":true"), NOW, ServerLine.NEWEST).state();

        assertThat(st.messages()).isEqualTo(2_000);
    }

    @Test
    void anIndexDbV1CountsNothingSoEveryBlockIsReadForTtls() throws Exception {
        Path dir = ttlStream(1);
        long indexDb = Files.size(dir.resolve("msgs").resolve("index.db"));

        StreamStore s = open(dir, config(",\"allow_msg_ttl\":true"), NOW, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(2_000);
        assertThat(s.bytesRead()).as("every block once").isGreaterThan(indexDb + 8 + 2_000 * 100);
    }

    @Test
    void aTtlMessageInABlockCountedZeroIsKeptAsTheServerKeepsIt() throws Exception {
        Path dir = ttlStream(2);
        IndexDb db = indexDb(dir);
        List<IndexDb.Block> zeroed = new ArrayList<>();
        for (IndexDb.Block b : db.blocks()) {
            zeroed.add(new IndexDb.Block(b.index(), b.bytes(), b.firstSeq(), b.firstTs(), b.lastSeq(), b.lastTs(), 0,
                    b.schedules(), b.deleted()));
        }
        IndexDb edited = new IndexDb(db.version(), db.msgs(), db.bytes(), db.firstSeq(), db.firstTs(), db.lastSeq(), db.lastTs(),
                db.subjects(), zeroed, db.lastBlockIndex(), db.lastChecksum());
        Files.write(dir.resolve("msgs").resolve("index.db"), IndexDbCodec.encode("T", edited, db.version()));

        // docs/format-notes.md: 2.15.1 kept such messages 3 s past their time (its scan skips the block).
        StreamState st = open(dir, config(",\"allow_msg_ttl\":true"), NOW, ServerLine.NEWEST).state();

        assertThat(st.messages()).isEqualTo(2_010);
    }

    @Test
    void theAgeCheckReadsOnlyTheBlocksOldEnoughAndAsksTheSubjectTotalsWhatWasLast() throws Exception {
        // max_age one hour with delete markers; "now" an hour and a second after T0: the first
        // 1,000 messages (one a millisecond from T0 + 1 ms) are old enough, the other 1,010 not.
        Path dir = ttlStream(2);
        long now = T0 + 3_600_000_000_000L + 1_000_000_000L;
        long indexDb = Files.size(dir.resolve("msgs").resolve("index.db"));
        long oldBlocks = 0;
        for (IndexDb.Block b : indexDb(dir).blocks()) {
            if (b.firstTs() <= now - 3_600_000_000_000L) {
                oldBlocks += Files.size(dir.resolve("msgs").resolve(b.index() + ".blk"));
            }
        }
        StreamConfig c = config(",\"max_age\":3600000000000,\"subject_delete_marker_ttl\":60000000000");

        StreamStore s = open(dir, c, now, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(1_010);
        assertThat(s.state().firstSeq()).isEqualTo(1_001);
        assertThat(s.problems()).as("t.plain keeps 1,000 messages: no marker").isEmpty();
        // Each block old enough read once, never a block that starts after the cut.
        assertThat(s.bytesRead()).isEqualTo(indexDb + 8 + oldBlocks);
    }

    @Test
    void theAgeCheckNamesASubjectWhoseLastMessageWentFromTheStreamsTotals() throws Exception {
        // Everything is old: t.ttl and t.plain both lose their last message.
        Path dir = ttlStream(2);
        StreamConfig c = config(",\"max_age\":3600000000000,\"subject_delete_marker_ttl\":60000000000");

        StreamStore s = open(dir, c, NOW, ServerLine.NEWEST);

        assertThat(s.state().messages()).isZero();
        assertThat(s.problems()).extracting(Problem::message).hasSize(2)
                .anySatisfy(m -> assertThat(m).contains("t.plain"))
                .anySatisfy(m -> assertThat(m).contains("t.ttl"));
    }

    /**
     * Stream K: five 100-byte messages on k.full, then one on k.ttl with a TTL of one second, all
     * from {@link #T0}: records of 136 bytes (k.full) and 165 (k.ttl, with its header), 845 in all.
     */
    private Path markerStream() throws Exception {
        Path dir = tmp.resolve("gen" + copies++).resolve("K");
        try (StreamWriter w = new StreamWriter(dir, "K", 4096, 4)) {
            for (int i = 1; i <= 5; i++) {
                w.append("k.full".getBytes(StandardCharsets.US_ASCII), null, PAYLOAD, T0 + i * 1_000_000L);
            }
            w.append("k.ttl".getBytes(StandardCharsets.US_ASCII), TTL_1S, PAYLOAD, T0 + 6_000_000L);
        }
        return dir;
    }

    private static StreamConfig markerConfig(String limits) throws Exception {
        return StreamConfig.parse(("{\"name\":\"K\",\"subjects\":[\"k.>\"],\"retention\":\"limits\",\"max_msgs\":-1,"
                + "\"max_age\":0,\"storage\":\"file\",\"num_replicas\":1,\"allow_msg_ttl\":true,\"allow_rollup_hdrs\":true,"
                + "\"subject_delete_marker_ttl\":2000000000" + limits + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aValueWhoseMarkerAFullStreamRefusesStaysCountedAndIsNamedWithWhy() throws Exception {
        // 845 bytes of 900 with discard new: k.ttl's marker (a 72-byte header, a 111-byte record)
        // does not fit beside k.ttl itself, whose bytes stay until the marker is stored (it would
        // fit in the room k.ttl's removal leaves). 2.15.1 keeps such a value after its start
        // (KvModelIT, a bucket down past the expiry).
        Path dir = markerStream();

        StreamStore s = open(dir, markerConfig(",\"max_bytes\":900,\"discard\":\"new\""), NOW, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(6);
        assertThat(s.state().subjects()).containsEntry("k.ttl", 1L);
        assertThat(s.problems()).singleElement().extracting(Problem::message).asString()
                .contains("k.ttl").contains("sequence 6").contains("keeps").contains("max_bytes 900")
                .doesNotContain("above sequence");
    }

    @Test
    void aValueWhoseMarkerFitsBesideItGoesAndTheMarkerIsNamed() throws Exception {
        // 845 + 111 bytes: within 1,000.
        Path dir = markerStream();

        StreamStore s = open(dir, markerConfig(",\"max_bytes\":1100,\"discard\":\"new\""), NOW, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(5);
        assertThat(s.problems()).singleElement().extracting(Problem::message).asString()
                .contains("k.ttl").contains("above sequence 6");
    }

    @Test
    void withDiscardOldTheMaxBytesThatRefusedTheMarkerTakesIt() throws Exception {
        Path dir = markerStream();

        StreamStore s = open(dir, markerConfig(",\"max_bytes\":900,\"discard\":\"old\""), NOW, ServerLine.NEWEST);

        assertThat(s.state().subjects()).doesNotContainKey("k.ttl");
        assertThat(s.problems()).singleElement().extracting(Problem::message).asString().contains("above sequence 6");
    }

    @Test
    void aValueWhoseMarkerIsOverMaxMsgSizeStays() throws Exception {
        Path dir = markerStream();

        StreamStore s = open(dir, markerConfig(",\"max_msg_size\":70"), NOW, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(6);
        assertThat(s.problems()).singleElement().extracting(Problem::message).asString()
                .contains("k.ttl").contains("72-byte header").contains("max_msg_size 70");
    }

    @Test
    void anOpenForAWriterKeepsTheExpiredLastValueLiveAndHandsItsSubjectOver() throws Exception {
        // The writer stores the marker through its publish path, whose rollup then removes the
        // value, or, refused, leaves it as the server does: the open removes nothing of it.
        Path dir = markerStream();
        StoreContext ctx = new StoreContext(DiskGate.unbounded(), new BlockBuffers(1), BlockWork.sequential(),
                RecordHashSource.chosen(), () -> NOW, StoreContext.ScanProgress.NONE);

        StreamStore s = StreamOpener.open("$G", "K", dir, markerConfig(""), ctx, ServerLine.NEWEST, null, true);

        assertThat(s.state().messages()).isEqualTo(6);
        assertThat(s.problems()).isEmpty();
        StreamMutator m = s.handOver(ctx);
        assertThat(m.takeStartUpMarkerSubjects()).containsExactly("k.ttl");
        assertThat(m.startUpRemovalsPending()).as("nothing removed for the writer to tombstone").isFalse();
    }

    @Test
    void aStreamServedWithoutAWriterDropsTheKeptValueWhoseMarkerWouldBeStoredAndKeepsTheOther() throws Exception {
        StoreContext ctx = new StoreContext(DiskGate.unbounded(), new BlockBuffers(1), BlockWork.sequential(),
                RecordHashSource.chosen(), () -> NOW, StoreContext.ScanProgress.NONE);
        StreamStore fits = StreamOpener.open("$G", "K", markerStream(), markerConfig(",\"max_bytes\":1000,\"discard\":\"new\""), ctx,
                ServerLine.NEWEST, null, true);
        StreamStore full = StreamOpener.open("$G", "K", markerStream(), markerConfig(",\"max_bytes\":900,\"discard\":\"new\""), ctx,
                ServerLine.NEWEST, null, true);

        fits.handOver(ctx).dropStartUpMarkers();
        full.handOver(ctx).dropStartUpMarkers();

        assertThat(fits.state().messages()).as("as recover reports: k.ttl went for its marker").isEqualTo(5);
        assertThat(full.state().messages()).as("k.ttl stays: its marker has no room").isEqualTo(6);
    }
}
