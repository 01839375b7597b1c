package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A block whose damage has whole, verified records after it is never removed as emptied: every
 * reader stops at the damage, so the messages it counts may all go while the ones after the damage
 * are still there for a repair (found by {@link HostileStoreRuntimeTest}).
 */
class RecordsPastDamageTest {
    @TempDir
    Path tmp;

    /**
     * 2.9.10's INT1 (interest, consumers' ack floors 301 and 600) holds 1..1000 in one block; a payload
     * bit of 100 is flipped. The rebuild counts 1..99, all acknowledged: the block looked emptied and
     * was removed with 101..1000 in it, at the first open (its last block) and at the next (a block
     * before the last).
     */
    @Test
    void aFlippedBlockWhoseCountedMessagesAreAllAcknowledgedStaysWithTheMessagesAfterItsDamage() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path blk = store.resolve("jetstream/$G/streams/INT1/msgs/1.blk");
        byte[] b = io.jetstart.core.testing.StoreFaults.flipPayloadBit(blk, 100);
        for (int open = 1; open <= 2; open++) {
            try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
                JetStartStream s = rt.stream("INT1").await(Duration.ofSeconds(30));
                // The block's 1000, then the one published at the first open.
                assertThat(s.info().lastSeq()).as("open %d: last sequence", open).isEqualTo(999L + open);
                s.publish("int1.x", new byte[] {1});
                s.flush();
            }
            assertThat(blk).as("open %d: the damaged block stays", open).exists();
            assertThat(Arrays.equals(Files.readAllBytes(blk), b)).as("open %d: as it was", open).isTrue();
        }
    }
}
