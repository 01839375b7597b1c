package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.SequenceSet;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BlockStateTest {
    private static BlockState block(SequenceSet deleted) {
        long msgs = 100 - deleted.size();
        return new BlockState(1, Path.of("1.blk")).with(101, 0, 200, 0, msgs, msgs * 100, deleted);
    }

    @Test
    void aBlockWithoutDeletesCountsEverySequenceOfTheRangeInsideIt() {
        BlockState b = block(new SequenceSet());
        assertThat(b.liveInRange(1, 1_000)).isEqualTo(100);
        assertThat(b.liveInRange(150, 160)).isEqualTo(11);
        assertThat(b.liveInRange(190, 250)).isEqualTo(11);
        assertThat(b.liveInRange(201, 300)).isZero();
        assertThat(b.liveInRange(160, 150)).isZero();
    }

    @Test
    void aBlockWithDeletesLeavesThemOutOfTheCount() {
        SequenceSet deleted = new SequenceSet();
        deleted.add(101);
        deleted.add(155);
        deleted.add(200);
        BlockState b = block(deleted);
        assertThat(b.liveInRange(1, 1_000)).isEqualTo(97);
        assertThat(b.liveInRange(150, 160)).isEqualTo(10);
        assertThat(b.liveInRange(156, 199)).isEqualTo(44);
        assertThat(b.liveInRange(200, 200)).isZero();
    }

    @Test
    void anEmptyBlockHasNothingLiveWhateverItsRange() {
        BlockState b = new BlockState(2, Path.of("2.blk")).with(201, 0, 200, 0, 0, 0, new SequenceSet());
        assertThat(b.liveInRange(1, 1_000)).isZero();
    }
}
