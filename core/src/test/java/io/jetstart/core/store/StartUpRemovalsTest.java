package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.write.StreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What recovery keeps for the writer of each removal at the open: one entry per removed message in
 * a block that keeps a live message, only the index of a block the removals emptied.
 */
class StartUpRemovalsTest {
    @TempDir
    Path tmp;

    @Test
    void aBlockEmptiedInOrderDropsItsEntriesAndKeepsItsIndex() {
        StartUpRemovals r = new StartUpRemovals();
        for (long seq = 1; seq <= 10; seq++) {
            r.removed(seq, 1000 + seq, "a", 30);
        }
        r.blockEmptied(1, 0, 5);
        r.removed(11, 1011, "a", 30);

        assertThat(seqs(r)).containsExactly(6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(r.emptiedBlocks()).isEqualTo(1);
        assertThat(r.emptiedBlock(0)).isEqualTo(1);
    }

    @Test
    void aBlockEmptiedByALaterWalkDropsItsEarlierScatteredEntriesToo() {
        StartUpRemovals r = new StartUpRemovals();
        // A per-subject walk takes 3 of block 1 and 15 of block 2; the interest sweep then empties block 1.
        r.removed(3, 3, "b", 30);
        r.removed(15, 15, "b", 30);
        for (long seq : new long[] {1, 2, 4, 5}) {
            r.removed(seq, seq, "a", 30);
        }
        r.blockEmptied(1, 0, 10);

        assertThat(seqs(r)).containsExactly(15L);
    }

    @Test
    void aMillionRemovalsThatEmptyTheirBlocksAsTheyGoKeepKilobytesNotMegabytes() {
        StartUpRemovals r = new StartUpRemovals();
        long seq = 0;
        for (long block = 1; block <= 10_000; block++) {
            long lo = seq + 1;
            for (int i = 0; i < 100; i++) {
                seq++;
                r.removed(seq, seq, "a", 30);
            }
            r.blockEmptied(block, lo, seq);
        }
        // The block the cut falls in: its removals stay, one by one.
        r.removed(seq + 1, seq + 1, "a", 30);

        assertThat(r.size()).isEqualTo(1);
        assertThat(r.emptiedBlocks()).isEqualTo(10_000);
        assertThat(r.retainedBytes()).as("16 B a message would be 16 MB").isLessThan(200_000);
    }

    @Test
    void scatteredRemovalsInBlocksThatStayAreAllKept() {
        StartUpRemovals r = new StartUpRemovals();
        List<Long> expected = new ArrayList<>();
        for (long seq = 3; seq <= 3000; seq += 3) {
            r.removed(seq, seq, "a", 30);
            expected.add(seq);
        }
        r.removed(1, 1, "a", 30);
        r.removed(2, 2, "a", 30);
        r.blockEmptied(1, 0, 2);
        assertThat(seqs(r)).containsExactlyElementsOf(expected);
    }

    /**
     * A subject limit lowered on disk over a stream of 1 M messages on two subjects, t.a on two of
     * every three, t.b on the third, limit 333,333: t.b keeps all, t.a loses its oldest 333,334,
     * scattered over the first two thirds of the stream, in blocks that keep their t.b messages.
     * 16 bytes a removal (sequence and timestamp) was 5.3 MB.
     */
    @Test
    void scatteredRemovalsOfASubjectLimitOverAMillionMessagesKeepAboutABitASequence() {
        StartUpRemovals r = new StartUpRemovals();
        long removed = 0;
        for (long seq = 1; seq <= 1_000_000 && removed < 333_334; seq++) {
            if (seq % 3 != 0) {
                r.removed(seq, seq, "t.a", 30);
                removed++;
            }
        }
        assertThat(r.size()).isEqualTo(333_334);
        // 500,001 sequences wide: 8 chunks of 65,536, each a bitmap of 8 KiB.
        assertThat(r.retainedBytes()).as("bytes kept for %d removals", removed).isLessThan(70_000);
        assertThat(r.contains(1)).isTrue();
        assertThat(r.contains(3)).isFalse();
        assertThat(r.anyIn(3, 3)).isFalse();
        assertThat(r.anyIn(3, 4)).isTrue();
    }

    /**
     * The same on a real stream: 1,000,000 messages of 43 bytes in 4 MiB blocks, t.a on two of
     * every three and t.b on the third (with the two strictly alternating, a subject limit takes a
     * run of whole blocks, which keeps 8 bytes a block), opened for a writer with
     * max_msgs_per_subject 333,333 on its config: t.a's oldest 333,334 go from blocks that keep their
     * t.b messages. What recovery hands the writer is counted in bytes.
     */
    @Test
    void aSubjectLimitLoweredOverAMillionMessagesHandsTheWriterKilobytes() throws Exception {
        Path dir = tmp.resolve("T");
        byte[] payload = "0123456789".getBytes(StandardCharsets.US_ASCII);
        byte[] ta = "t.a".getBytes(StandardCharsets.US_ASCII);
        byte[] tb = "t.b".getBytes(StandardCharsets.US_ASCII);
        try (StreamWriter w = new StreamWriter(dir, "T", 4 << 20, 1)) {
            for (int i = 0; i < 1_000_000; i++) {
                w.append(i % 3 == 2 ? tb : ta, null, payload, 1_767_225_600_000_000_000L + i);
            }
        }
        StreamConfig config = StreamConfig.parse(("{\"name\":\"T\",\"subjects\":[\"t.*\"],\"retention\":\"limits\","
                + "\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,\"max_msgs_per_subject\":333333,\"discard\":\"old\","
                + "\"storage\":\"file\",\"num_replicas\":1}").getBytes(StandardCharsets.UTF_8));

        StreamStore opened = StreamOpener.open("$G", "T", dir, config, StoreContext.singleThreaded(), ServerLine.NEWEST, null, true);
        assertThat(opened.messages()).isEqualTo(666_666);
        StartUpRemovals kept = opened.handOver(StoreContext.singleThreaded()).takeStartUpRemovals();

        assertThat(kept.size()).as("t.a's oldest, one by one").isEqualTo(333_334);
        assertThat(kept.emptiedBlocks()).as("every block keeps its t.b messages").isZero();
        assertThat(kept.contains(1)).isTrue();
        assertThat(kept.contains(3)).as("t.b's first").isFalse();
        // 500,001 sequences: 8 chunks of 65,536, each a bitmap of 8 KiB (16 bytes a removal: 5.3 MB).
        assertThat(kept.retainedBytes()).as("bytes kept for %d removals", kept.size()).isLessThan(70_000);
    }

    @Test
    void sparseRemovalsKeepAFewBytesEachNotABitmap() {
        StartUpRemovals r = new StartUpRemovals();
        // One removal in 1,000 over 10 M sequences: 10,000 removals, 16 bytes each was 160 kB.
        for (long seq = 500; seq <= 10_000_000; seq += 1000) {
            r.removed(seq, seq, "a", 30);
        }
        assertThat(r.size()).isEqualTo(10_000);
        // 2 bytes each, lists grown by doubling, 153 chunks: 45,632 bytes (a bitmap a chunk: 1.25 MB).
        assertThat(r.retainedBytes()).isLessThan(50_000);
        assertThat(r.anyIn(501, 1499)).isFalse();
        assertThat(r.anyIn(501, 1500)).isTrue();
    }

    @Test
    void writtenRemovalsAreForgottenAndEmptiedRangesGoInListsAndBitmapsAlike() {
        StartUpRemovals r = new StartUpRemovals();
        for (long seq = 1; seq <= 200_000; seq++) {
            // Dense below 100,000 (bitmaps), one in 100 above (lists).
            if (seq < 100_000 || seq % 100 == 0) {
                r.removed(seq, seq, "a", 30);
            }
        }
        long before = r.size();
        assertThat(r.written(50_000)).isTrue();
        assertThat(r.written(50_000)).isFalse();
        r.blockEmptied(7, 60_000, 150_000);
        assertThat(r.contains(59_999)).isTrue();
        assertThat(r.anyIn(60_000, 150_000)).isFalse();
        assertThat(r.contains(150_100)).isTrue();
        List<Long> out = seqs(r);
        assertThat(out).isSorted().hasSize((int) (before - 1 - (100_000 - 60_000) - 501));
    }

    @Test
    void noneKeepsNothing() {
        assertThatThrownBy(() -> StartUpRemovals.NONE.removed(1, 1, "a", 30)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StartUpRemovals.NONE.blockEmptied(1, 0, 1)).isInstanceOf(IllegalStateException.class);
        assertThat(StartUpRemovals.NONE.size()).isZero();
        assertThat(StartUpRemovals.NONE.emptiedBlocks()).isZero();
    }

    private static List<Long> seqs(StartUpRemovals r) {
        List<Long> out = new ArrayList<>();
        r.forEach(out::add);
        assertThat(out).hasSize((int) r.size());
        return out;
    }
}
