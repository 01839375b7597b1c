package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MANY of the s2 stores (blocks 1-4, messages 1..1100 of which 678 are left, last 1100) with a middle
 * block gone under an {@code index.db} that names it. nats-server 2.10.27 checks only the write block
 * and starts with {@code index.db} as it is; 2.15.1 rebuilds from the blocks there are (measured:
 * 678 messages on 2.10.27 without 2.blk or 3.blk, 645 and 345 on 2.15.1; last 1100 on both).
 */
class MissingIndexedBlockTest {
    @TempDir
    Path tmp;

    private Path withoutBlock(String fixture, int block) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        Path sd = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("MANY");
        Files.delete(sd.resolve("msgs").resolve(block + ".blk"));
        return sd;
    }

    private static StreamStore open(Path sd, ServerLine line, boolean forWriter) throws Exception {
        return open(sd, line, forWriter, StoreContext.singleThreaded());
    }

    private static StreamStore open(Path sd, ServerLine line, boolean forWriter, StoreContext ctx) throws Exception {
        StreamKeys keys = StreamKeys.load(null, "$G", sd, DiskGate.unbounded());
        return StreamOpener.open("$G", "MANY", sd, MetaFiles.readStream(sd, DiskGate.unbounded(), keys).config(),
                ctx, line, keys, forWriter);
    }

    /** A limit set on disk as a config update while the server was down sets it (meta.inf and meta.sum). */
    private static void editConfig(Path sd, String from, String to) throws Exception {
        String meta = Files.readString(sd.resolve("meta.inf"));
        assertThat(meta).contains(from);
        MetaFiles.writeStream(sd, "MANY", meta.replace(from, to).getBytes(StandardCharsets.UTF_8));
    }

    private static StoreContext at(long nowNanos) {
        return new StoreContext(DiskGate.unbounded(), new BlockBuffers(1), BlockWork.sequential(), RecordHashSource.chosen(),
                () -> nowNanos, StoreContext.ScanProgress.NONE);
    }

    /**
     * Measured on nats-server 2.10.27 and 2.15.1 (MANY of the 2.10.27 s2 store without the block, the
     * limit lowered in meta.inf, STREAM.INFO a second after the start). 2.10.27's read of the missing
     * block fails and drops its messages from the counts: max_msgs and max_bytes stop there (434 or
     * 101 left, over the limit, until the next write), max_age (every block older) takes them all,
     * max_msgs_per_subject goes on but counts them in each subject's quota. 2.15.1 rebuilt without the
     * block, and its limits take what the blocks hold. Every case opened FAILED ("cannot read block")
     * under 2.10 before.
     */
    @ParameterizedTest(name = "without {0}.blk under {1}, {2} -> {3}: {4} messages from {5}")
    @CsvSource({
            "2, 2.10, '\"max_age\":0', '\"max_age\":3600000000000', 0, 1101",
            "2, 2.10, '\"max_msgs\":-1', '\"max_msgs\":100', 434, 667",
            "2, 2.10, '\"max_msgs\":-1', '\"max_msgs\":400', 434, 667",
            "2, 2.10, '\"max_bytes\":120000', '\"max_bytes\":10000', 434, 667",
            "2, 2.10, '\"max_msgs_per_subject\":-1', '\"max_msgs_per_subject\":10', 90, 667",
            "2, 2.10, '\"max_msgs_per_subject\":-1', '\"max_msgs_per_subject\":40', 367, 667",
            "3, 2.10, '\"max_age\":0', '\"max_age\":3600000000000', 0, 1101",
            "3, 2.10, '\"max_msgs\":-1', '\"max_msgs\":100', 101, 1000",
            "3, 2.10, '\"max_bytes\":120000', '\"max_bytes\":10000', 101, 1000",
            "3, 2.10, '\"max_msgs_per_subject\":-1', '\"max_msgs_per_subject\":40', 67, 1000",
            "2, 2.15, '\"max_msgs\":-1', '\"max_msgs\":100', 100, 1001",
            "2, 2.15, '\"max_msgs_per_subject\":-1', '\"max_msgs_per_subject\":10', 100, 1001",
            "3, 2.15, '\"max_msgs\":-1', '\"max_msgs\":400', 345, 1",
            "3, 2.15, '\"max_bytes\":120000', '\"max_bytes\":10000', 104, 640",
            "3, 2.15, '\"max_msgs_per_subject\":-1', '\"max_msgs_per_subject\":40', 320, 1"})
    void aStartUpLimitReachingTheMissingBlockEndsAsTheServerLineEnds(int block, String line, String from, String to,
                                                                      long messages, long first) throws Exception {
        Path sd = withoutBlock("nats-2.10.27-s2", block);
        editConfig(sd, from, to);
        StreamStore s = open(sd, ServerLine.parse(line), false);
        assertThat(s.state().messages()).isEqualTo(messages);
        assertThat(s.state().firstSeq()).isEqualTo(first);
        assertThat(s.state().lastSeq()).isEqualTo(1100);
        if (line.equals("2.10")) {
            Path blk = s.msgsDir.resolve(block + ".blk");
            String limit = to.substring(1, to.indexOf('"', 1));
            assertThat(s.problems()).anySatisfy(p -> {
                assertThat(p.file()).isEqualTo(blk);
                assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
                assertThat(p.message()).contains("start-up's " + limit + " reaches it").contains("drops its");
            });
        }
    }

    @Test
    void under2_10TheMissingBlocksSubjectsStayCountedAfterItsMessagesWent() throws Exception {
        // Measured on 2.10.27: max_msgs 100 leaves 434 messages and many.0 at 77 (44 in blocks 3-4,
        // the 33 of 2.blk); max_msgs_per_subject 10 leaves none of many.0 in the blocks, and 33 counted;
        // first 667 (the emptied 2.blk, kept in its list) at 2.blk's first time.
        Path sd = withoutBlock("nats-2.10.27-s2", 2);
        long blockFirstTs = open(sd, ServerLine.V2_10, false).blocks.stream().filter(b -> b.index == 2).findFirst().orElseThrow().firstTs;
        editConfig(sd, "\"max_msgs\":-1", "\"max_msgs\":100");
        StreamState byMsgs = open(sd, ServerLine.V2_10, false).state();
        assertThat(byMsgs.subjects()).containsEntry("many.0", 77L).containsEntry("many.1", 43L);
        assertThat(byMsgs.numSubjects()).isEqualTo(10);

        editConfig(sd, "\"max_msgs\":100", "\"max_msgs\":-1");
        editConfig(sd, "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":10");
        StreamState bySubject = open(sd, ServerLine.V2_10, false).state();
        assertThat(bySubject.subjects()).containsEntry("many.0", 33L).containsEntry("many.1", 10L);
        assertThat(bySubject.messages()).isEqualTo(90);
        assertThat(bySubject.numDeleted()).as("1100 - 667 + 1 - 90").isEqualTo(344);
        assertThat(bySubject.firstTs()).as("the emptied 2.blk is the first block, its first time the stream's").isEqualTo(blockFirstTs);
        assertThat(bySubject.lost().isEmpty()).as("2.10.27 reports no lost data for the block").isTrue();
    }

    @Test
    void under2_10MaxAgeTakesAWhollyOldMissingBlockUnreadAndStopsInOneItsCutFallsIn() throws Exception {
        // Read in 2.10.27's expireMsgsOnRecover: a block whose last is older than the cut-off goes whole,
        // unread; the block the cut falls in is read, which fails for the missing one and ends the expiry.
        Path sd = withoutBlock("nats-2.10.27-s2", 2);
        StreamStore plain = open(sd, ServerLine.V2_10, false);
        BlockState two = plain.blocks.stream().filter(b -> b.index == 2).findFirst().orElseThrow();
        BlockState three = plain.blocks.stream().filter(b -> b.index == 3).findFirst().orElseThrow();
        assertThat(two.firstTs).isLessThan(two.lastTs);
        assertThat(two.lastTs).isLessThan(three.lastTs);
        long maxAge = 1_000_000_000L;
        editConfig(sd, "\"max_age\":0", "\"max_age\":" + maxAge);

        // The cut inside 2.blk: 1.blk goes, 2.blk is dropped, and 3.blk is not reached although its first is old.
        StreamStore inside = open(sd, ServerLine.V2_10, false, at(two.firstTs + (two.lastTs - two.firstTs) / 2 + maxAge));
        assertThat(inside.state().messages()).isEqualTo(434);
        assertThat(inside.state().firstSeq()).isEqualTo(667);

        // The cut inside 3.blk: 1.blk and 2.blk go whole, and 3.blk's old messages with them.
        long cut = three.firstTs + (three.lastTs - three.firstTs) / 2;
        StreamStore past = open(sd, ServerLine.V2_10, false, at(cut + maxAge));
        assertThat(past.state().messages()).isLessThan(434).isGreaterThan(101);
        assertThat(past.state().firstTs()).isGreaterThan(cut);
        assertThat(past.state().lastSeq()).isEqualTo(1100);
    }

    @ParameterizedTest(name = "{0} without {1}.blk under {2}: {3} messages, last 1100, from {4}")
    @CsvSource({
            "nats-2.10.27-s2, 2, 2.10, 678, index",
            "nats-2.10.27-s2, 3, 2.10, 678, index",
            "nats-2.10.27-s2, 2, 2.11, 645, rebuilt",
            "nats-2.10.27-s2, 2, 2.15, 645, rebuilt",
            "nats-2.10.27-s2, 3, 2.15, 345, rebuilt",
            // 2.10 reads no v4 index.db: rebuilt whatever it names.
            "nats-2.15.1-s2, 2, 2.10, 645, rebuilt",
            "nats-2.15.1-s2, 2, 2.15, 645, rebuilt"})
    void eachLineStartsWithWhatItsServerReportsForAMissingMiddleBlock(String fixture, int block, String line, long messages,
                                                                        String source) throws Exception {
        StreamStore s = open(withoutBlock(fixture, block), ServerLine.parse(line), false);
        assertThat(s.state().messages()).isEqualTo(messages);
        assertThat(s.state().lastSeq()).isEqualTo(1100);
        assertThat(s.source().jsonName()).isEqualTo(source);
        assertThat(s.trustsMissingBlocks()).isEqualTo(source.equals("index"));
    }

    @ParameterizedTest
    @CsvSource({"2", "3"})
    void under2_10TheMissingBlockIsReportedAsDamageTheServerStartsWith(int block) throws Exception {
        StreamStore s = open(withoutBlock("nats-2.10.27-s2", block), ServerLine.V2_10, false);
        Path blk = s.msgsDir.resolve(block + ".blk");
        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.file()).isEqualTo(blk);
            assertThat(p.severity()).isEqualTo(Problem.Severity.DAMAGE);
            assertThat(p.serverAction()).isEqualTo(ServerAction.NONE);
            assertThat(p.message()).contains("named in index.db is missing");
        });
    }

    @ParameterizedTest
    @CsvSource({"2", "3"})
    void aWriterRebuildsUnder2_10AndKeepsTheLastSequence(int block) throws Exception {
        // A writer cannot serve or remove messages of a block that is not there; the last stays 1100
        // (the block is lost data), so no sequence the server would not use again is published again.
        StreamStore s = open(withoutBlock("nats-2.10.27-s2", block), ServerLine.V2_10, true);
        assertThat(s.source()).isEqualTo(Source.REBUILT);
        assertThat(s.trustsMissingBlocks()).isFalse();
        assertThat(s.state().messages()).isEqualTo(block == 2 ? 645 : 345);
        assertThat(s.state().lastSeq()).isEqualTo(1100);
        assertThat(s.problems()).anySatisfy(p -> assertThat(p.serverAction()).isEqualTo(ServerAction.REBUILD));
    }
}
