package io.jetstart.runtime;

import static io.jetstart.runtime.BlockReclaimTest.msgs;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.MessageRead;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A purge of the oldest messages removes the blocks wholly below its cut at once, their files gone
 * in the same batch, instead of writing a tombstone for each of their messages first (issue 11, as
 * nats-server's {@code Compact} and {@code PurgeEx} do): only the block the cut falls in gets
 * tombstones. A kill at any step leaves the stream as before or purged up to a lower sequence.
 */
class WholeBlockPurgeTest {
    private static final byte[] PAYLOAD = new byte[100];
    /** 600 messages of 100 bytes in blocks of 1 KiB: 7 a block, the tail holding 5. */
    private static final int MESSAGES = 600;

    @TempDir
    Path dir;
    @TempDir
    Path scratch;

    /** Each block file's size, by index. */
    private static Map<Long, Long> blockSizes(Path store, String name) throws IOException {
        Map<Long, Long> out = new HashMap<>();
        try (Stream<Path> s = Files.list(msgs(store, name))) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".blk")) {
                    out.put(Long.parseLong(n.substring(0, n.length() - 4)), Files.size(p));
                }
            }
        }
        return out;
    }

    /** Bytes the block files gained from {@code before} to {@code after} (new files whole). */
    private static long written(Map<Long, Long> before, Map<Long, Long> after) {
        long n = 0;
        for (var e : after.entrySet()) {
            n += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return n;
    }

    private JetStartStream filled(JetStartStore store, String name) throws Exception {
        JetStartStream s = store.createStream("$G", config("{\"name\":\"" + name + "\",\"subjects\":[\"p.*\"]}"));
        for (int i = 1; i <= MESSAGES; i++) {
            s.publish("p." + (i % 3), PAYLOAD);
        }
        s.flush();
        return s;
    }

    @Test
    void aPurgeUpToASequenceRemovesTheBlocksBelowItWithoutATombstoneForEachOfTheirMessages() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = filled(store, "U");
            Map<Long, Long> before = blockSizes(dir, "U");
            assertThat(before).hasSizeGreaterThan(80);
            assertThat(s.purge(new PurgeRequest(null, 0, 500))).isEqualTo(499);
            // Right after the purge, without a flush: only the block holding 500 and those after it are left.
            Map<Long, Long> after = blockSizes(dir, "U");
            long firstLeft = s.info().blocks().getFirst().index();
            assertThat(after.keySet()).allMatch(i -> i >= firstLeft);
            assertThat(after).hasSizeLessThanOrEqualTo(16);
            assertThat(written(before, after)).isLessThanOrEqualTo(1024);
            assertThat(s.info().firstSeq()).isEqualTo(500);
            for (long seq = 500; seq <= MESSAGES; seq++) {
                assertThat(s.get(seq)).isPresent();
            }
            assertThat(s.get(499)).isEmpty();
        }
        StreamState st = BlockReclaimTest.sameWithAndWithoutIndexDb(dir, scratch, "U", null);
        assertThat(st.firstSeq()).isEqualTo(500);
        assertThat(st.messages()).isEqualTo(101);
    }

    @Test
    void theTombstonesOfTheCutsBlockRollIntoABlockBegunWithASkipWhenTheTailIsFull() throws Exception {
        // 2 KiB blocks of 133-byte records: 15 a block, 600 messages in 40 full blocks, the tail
        // with room for one tombstone. Until 2026-12-06 the 9 tombstones of block 21 (301-315, cut
        // at 310) did not fit and the purge fell back to a tombstone for each of its 309 messages.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(2048))) {
            JetStartStream s = filled(store, "F");
            Map<Long, Long> before = blockSizes(dir, "F");
            assertThat(before).hasSize(40);
            assertThat(s.purge(new PurgeRequest(null, 0, 310))).isEqualTo(309);
            Map<Long, Long> after = blockSizes(dir, "F");
            assertThat(after.keySet()).as("blocks left right after the purge").allMatch(i -> i >= 21);
            assertThat(written(before, after)).isLessThanOrEqualTo(10 * io.jetstart.core.format.Records.EMPTY_RECORD_LENGTH);
            long last = s.info().blocks().getLast().index();
            assertThat(last).isEqualTo(41);
            byte[] b = Files.readAllBytes(msgs(dir, "F").resolve(last + ".blk"));
            io.jetstart.core.format.RecordCursor c = new io.jetstart.core.format.RecordCursor().wrap(b, b.length);
            assertThat(c.next() && c.isErasedOrSkip() && c.seq() == MESSAGES).as("the new block begins with a skip of 600").isTrue();
            assertThat(io.jetstart.core.store.RebuildFloor.of(b, b.length)).isEqualTo(MESSAGES + 1);
            assertThat(s.info().firstSeq()).isEqualTo(310);
            assertThat(s.publish("p.1", PAYLOAD).seq()).isEqualTo(MESSAGES + 1);
        }
        StreamState st = BlockReclaimTest.sameWithAndWithoutIndexDb(dir, scratch, "F", null);
        assertThat(st.firstSeq()).isEqualTo(310);
        assertThat(st.messages()).isEqualTo(MESSAGES - 309 + 1);
    }

    @Test
    void aPurgeKeepingTheNewestRemovesTheBlocksBeforeThemWithoutATombstoneForEachOfTheirMessages() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = filled(store, "K");
            Map<Long, Long> before = blockSizes(dir, "K");
            assertThat(s.purge(new PurgeRequest(null, 100, 0))).isEqualTo(500);
            Map<Long, Long> after = blockSizes(dir, "K");
            assertThat(after).hasSizeLessThanOrEqualTo(16);
            assertThat(written(before, after)).isLessThanOrEqualTo(1024);
            assertThat(s.info().firstSeq()).isEqualTo(501);
            assertThat(s.info().messages()).isEqualTo(100);
        }
        StreamState st = BlockReclaimTest.sameWithAndWithoutIndexDb(dir, scratch, "K", null);
        assertThat(st.firstSeq()).isEqualTo(501);
        assertThat(st.messages()).isEqualTo(100);
    }

    @Test
    void aKillAtAnyStepOfTheRemovalLeavesTheStreamAsBeforeOrPurgedUpToALowerSequence() throws Exception {
        List<Path> copies = new java.util.ArrayList<>();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = filled(store, "C");
            // The files a kill -9 would leave after each step: index.db, each of the ~70 file
            // removals (a few of them), the tombstones synced, the last index.db.
            int[] step = {0};
            s.writer().purger().afterPurgeStep(() -> {
                int at = step[0]++;
                if (at < 3 || at % 17 == 0 || at > 68) {
                    try {
                        Path copy = Files.createTempDirectory(scratch, "kill");
                        BlockReclaimTest.copyTree(dir.resolve("jetstream"), copy.resolve("jetstream"));
                        copies.add(copy);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            s.purge(new PurgeRequest(null, 0, 500));
            assertThat(step[0]).isGreaterThan(70);
        }
        assertThat(copies).hasSizeGreaterThan(5);
        for (int i = 0; i < copies.size(); i++) {
            Path bare = Files.createTempDirectory(scratch, "bare");
            BlockReclaimTest.copyTree(copies.get(i), bare);
            Files.deleteIfExists(msgs(bare, "C").resolve("index.db"));
            for (boolean withIndex : new boolean[] {true, false}) {
                Path copy = withIndex ? copies.get(i) : bare;
                StreamStore r = BlockReclaimTest.recover(copy, "C", null);
                String as = "copy " + i + (withIndex ? " with" : " without") + " index.db";
                assertThat(r.problems()).as(as).allSatisfy(p -> {
                    assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
                    assertThat(p.message()).doesNotContain("could not locate");
                });
                StreamState st = r.state();
                assertThat(st.lost().msgs()).as(as).isEmpty();
                // As before, or a prefix purged: no gap, the same last sequence.
                assertThat(st.lastSeq()).as(as).isEqualTo(MESSAGES);
                assertThat(st.firstSeq()).as(as).isBetween(1L, 500L);
                assertThat(st.messages()).as(as).isEqualTo(MESSAGES - st.firstSeq() + 1);
                MessageReader reader = new MessageReader(r);
                for (long seq = st.firstSeq(); seq <= MESSAGES; seq++) {
                    assertThat(reader.read(seq)).as(as + " seq " + seq).isInstanceOf(MessageRead.Found.class);
                }
                try (JetStartStore store = JetStart.open(copy, RuntimeOptions.defaults().withBlockSize(1024))) {
                    JetStartStream s = open(store, "C");
                    assertThat(s.info().messages()).as(as).isEqualTo(st.messages());
                    assertThat(s.publish("p.1", PAYLOAD).seq()).as(as).isEqualTo(MESSAGES + 1);
                }
            }
        }
        // The last copies, after the tombstones and index.db: the purge whole.
        StreamStore done = BlockReclaimTest.recover(copies.getLast(), "C", null);
        // (601 was published into it since: the first stays)
        assertThat(done.state().firstSeq()).isEqualTo(500);
    }
    @Test
    void anEncryptedCompressedStreamLosesTheBlockAndKeyFilesOfThePurgedBlocks() throws Exception {
        RuntimeOptions opts = RuntimeOptions.defaults().withBlockSize(1024)
                .withKey(BlockReclaimTest.KEY, io.jetstart.core.crypto.StoreCipher.CHACHA);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"Z\",\"subjects\":[\"z.*\"],\"compression\":\"s2\"}"));
            for (int i = 1; i <= MESSAGES; i++) {
                s.publish("z." + (i % 3), ("payload " + i + " ").repeat(10).getBytes());
            }
            s.flush();
            Map<Long, Long> before = blockSizes(dir, "Z");
            assertThat(before).hasSizeGreaterThan(80);
            s.purge(new PurgeRequest(null, 0, 500));
            Map<Long, Long> after = blockSizes(dir, "Z");
            long firstLeft = s.info().blocks().getFirst().index();
            assertThat(after.keySet()).allMatch(i -> i >= firstLeft);
            assertThat(after).hasSizeLessThanOrEqualTo(20);
            List<Long> keys;
            try (Stream<Path> l = Files.list(msgs(dir, "Z"))) {
                keys = l.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".key"))
                        .map(n -> Long.parseLong(n.substring(0, n.length() - 4))).sorted().toList();
            }
            assertThat(keys).containsExactlyElementsOf(after.keySet().stream().sorted().toList());
            assertThat(new String(s.get(500).orElseThrow().payload())).startsWith("payload 500 ");
        }
        StreamState st = BlockReclaimTest.sameWithAndWithoutIndexDb(dir, scratch, "Z", BlockReclaimTest.KEY);
        assertThat(st.firstSeq()).isEqualTo(500);
    }
}
