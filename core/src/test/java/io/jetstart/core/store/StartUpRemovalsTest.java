package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What recovery keeps for the writer of each removal at the open: one entry per removed message in
 * a block that keeps a live message, only the index of a block the removals emptied.
 */
class StartUpRemovalsTest {

    @Test
    void aBlockEmptiedInOrderDropsItsEntriesAndKeepsItsIndex() {
        StartUpRemovals r = new StartUpRemovals();
        for (long seq = 1; seq <= 10; seq++) {
            r.removed(seq, 1000 + seq, "a", 30);
        }
        r.blockEmptied(1, 0, 5);
        r.removed(11, 1011, "a", 30);

        assertThat(seqs(r)).containsExactly(6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(r.timestamp(0)).isEqualTo(1006);
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
        assertThat(r.timestamp(0)).isEqualTo(15);
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

    @Test
    void noneKeepsNothing() {
        assertThatThrownBy(() -> StartUpRemovals.NONE.removed(1, 1, "a", 30)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StartUpRemovals.NONE.blockEmptied(1, 0, 1)).isInstanceOf(IllegalStateException.class);
        assertThat(StartUpRemovals.NONE.size()).isZero();
        assertThat(StartUpRemovals.NONE.emptiedBlocks()).isZero();
    }

    private static List<Long> seqs(StartUpRemovals r) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            out.add(r.seq(i));
        }
        return out;
    }
}
