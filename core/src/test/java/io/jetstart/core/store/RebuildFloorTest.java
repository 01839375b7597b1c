package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Where nats-server 2.10.27's rebuild starts a block (its {@code rebuildStateLocked}): a block of
 * tombstones only at its lowest tombstone + 1, unless a skip or erased record came before any
 * message (then at its sequence + 1); a block with a message record at that record, which never
 * pulls the stream's first below a message, whatever tombstones it also holds.
 */
class RebuildFloorTest {
    private final ByteWriter out = new ByteWriter();
    private final HighwayHash64 h = new HighwayHash64(HashKeys.forBlock("S", 3));

    private RebuildFloorTest msg(long seq) {
        Records.writeMessage(out, h, seq, seq, "s.1".getBytes(StandardCharsets.US_ASCII), null, new byte[] {1, 2});
        return this;
    }

    private RebuildFloorTest tomb(long seq) {
        Records.writeTombstone(out, h, seq, seq);
        return this;
    }

    private long floor() {
        return RebuildFloor.of(Arrays.copyOf(out.array(), out.size()), out.size());
    }

    @Test
    void aBlockOfTombstonesOnlyStartsAfterItsLowestTombstone() {
        assertThat(tomb(40).tomb(7).tomb(12).floor()).isEqualTo(8);
    }

    @Test
    void aBlockWithAMessageRecordDoesNotPullTheFirstDownWhateverItsTombstones() {
        assertThat(tomb(3).msg(50).tomb(4).floor()).isEqualTo(RebuildFloor.NONE);
    }

    @Test
    void anEmptyBlockDoesNotPullTheFirstDown() {
        assertThat(floor()).isEqualTo(RebuildFloor.NONE);
    }

    @Test
    void aSkipRecordBeforeTombstonesStartsTheBlockAfterItsSequence() {
        Records.writeSkip(out, h, 90, 9);
        assertThat(tomb(20).tomb(7).floor()).isEqualTo(91);
    }

    @Test
    void theLastSkipTakenCountsAndOneBelowItIsPassedOver() {
        Records.writeSkip(out, h, 50, 9);
        Records.writeSkip(out, h, 90, 9);
        Records.writeSkip(out, h, 60, 9);
        assertThat(tomb(3).floor()).isEqualTo(91);
    }

    @Test
    void aMessageRecordBelowASkipBeforeItIsNotCountedAsAMessage() {
        // 2.10.27: seq < fseq goes the erased branch, so the block still has no message.
        Records.writeSkip(out, h, 90, 9);
        assertThat(msg(40).floor()).isEqualTo(91);
        assertThat(msg(91).floor()).isEqualTo(RebuildFloor.NONE);
    }

    @Test
    void aSkipAfterAMessageDoesNotMoveTheBlock() {
        assertThat(msg(5).tomb(2).floor()).isEqualTo(RebuildFloor.NONE);
        Records.writeSkip(out, h, 90, 9);
        assertThat(floor()).isEqualTo(RebuildFloor.NONE);
    }

    @Test
    void theWritersTallyAgreesWithTheBytes() {
        RebuildFloor.Tally t = new RebuildFloor.Tally();
        Records.writeSkip(out, h, 90, 9);
        t.skip(90);
        tomb(4);
        t.tombstone(4);
        assertThat(t.floor()).isEqualTo(floor()).isEqualTo(91);
        msg(91);
        t.message();
        assertThat(t.floor()).isEqualTo(floor()).isEqualTo(RebuildFloor.NONE);
    }

    @Test
    void aTornRecordAfterTombstonesOnlyIsNotKnown() {
        tomb(20).tomb(21);
        byte[] torn = Arrays.copyOf(out.array(), out.size() - 5);
        assertThat(RebuildFloor.of(torn, torn.length)).isEqualTo(RebuildFloor.UNKNOWN);
    }
}
