package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.LegacyIndexCodec;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.testing.StoreFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read through a 2.9 block's {@code .idx} on {@code nats-2.9.10-small}'s LIM1: a record whose
 * sequence is flipped costs its slot's message alone, and an {@code .idx} that claims more slots
 * than the block has is not read through at all.
 */
class LegacyBlockReadThroughIndexTest {
    @TempDir
    Path tmp;

    @Test
    void aFlippedSequenceCostsItsSlotsMessageAlone() throws Exception {
        Path msgs = Fixtures.copyStore("nats-2.9.10-small", tmp).resolve("jetstream/$G/streams/LIM1/msgs");
        StoreFaults.flipSequenceBit(msgs.resolve("1.blk"), 1, 10);
        LegacyIndex li = LegacyIndexCodec.decode(Files.readAllBytes(msgs.resolve("1.idx")));

        LegacyBlockReadThroughIndex.Served served = read(msgs, li);

        assertThat(served).isNotNull();
        assertThat(served.unreadable().contains(1)).isTrue();
        assertThat(served.unreadable().size()).isEqualTo(1);
        assertThat(served.index().msgs()).isEqualTo(989);
        assertThat(served.index().firstSeq()).isEqualTo(2);
    }

    @Test
    void anIdxClaimingSlotsPastTheBlocksRecordsIsNotReadThrough() throws Exception {
        Path msgs = Fixtures.copyStore("nats-2.9.10-small", tmp).resolve("jetstream/$G/streams/LIM1/msgs");
        StoreFaults.flipSequenceBit(msgs.resolve("1.blk"), 1, 10);
        LegacyIndex li = LegacyIndexCodec.decode(Files.readAllBytes(msgs.resolve("1.idx")));
        // One more live message than the block has records, at sequence 1001.
        LegacyIndex longer = new LegacyIndex(li.version(), li.msgs() + 1, li.bytes() + 136, li.firstSeq(), li.firstTs(),
                li.lastSeq() + 1, li.lastTs(), li.deleted(), li.lastChecksum(), li.deletedFileOrder());

        assertThat(read(msgs, longer)).isNull();
    }

    private static LegacyBlockReadThroughIndex.Served read(Path msgs, LegacyIndex li) throws Exception {
        byte[] blk = Files.readAllBytes(msgs.resolve("1.blk"));
        return LegacyBlockReadThroughIndex.of(li, blk, blk.length, RecordHashes.forBlock("LIM1", 1));
    }
}
