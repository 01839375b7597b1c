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
 * tombstones only at its lowest tombstone + 1; a block with a message record at that record, which
 * never pulls the stream's first below a message, whatever tombstones it also holds.
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
    void aSkipRecordWithoutMessagesIsNotKnownAndTakenAsTheLowest() {
        Records.writeSkip(out, h, 9, 9);
        assertThat(tomb(20).floor()).isEqualTo(RebuildFloor.UNKNOWN);
    }

    @Test
    void aTornRecordAfterTombstonesOnlyIsNotKnown() {
        tomb(20).tomb(21);
        byte[] torn = Arrays.copyOf(out.array(), out.size() - 5);
        assertThat(RebuildFloor.of(torn, torn.length)).isEqualTo(RebuildFloor.UNKNOWN);
    }
}
