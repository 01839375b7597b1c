package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits take the oldest messages first, and never a newer one while older ones cannot be read:
 * a max_msgs removal stops at a block whose live messages it cannot all see (found by
 * {@link HostileStoreRuntimeTest}, seed 11).
 */
class LimitsPastUnreadableBlockTest {
    @TempDir
    Path tmp;

    /**
     * 2.10.27's MAX1 (max_msgs 800) holds 201..1000 live in one block after records 1..200 that 2.10
     * removed in place; a bit of record 183 is flipped. index.db serves 201..1000, but no reader gets
     * past the damage: the max_msgs removal of each publish found no live message in 1.blk and took
     * the one just acknowledged.
     */
    @Test
    void aPublishPastAnUnreadableBlockKeepsTheAcknowledgedMessage() throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-small", tmp);
        Path blk = store.resolve("jetstream/$G/streams/MAX1/msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        b[24895] ^= 1;
        Files.write(blk, b);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("MAX1").await(Duration.ofSeconds(30));
            assertThat(s.info().messages()).isEqualTo(800);
            for (int i = 0; i < 3; i++) {
                byte[] payload = {(byte) i};
                long seq = s.publish("max1.x", payload).seq();
                assertThat(seq).isEqualTo(1001 + i);
                StoredMessage m = s.get(seq).orElseThrow(() -> new AssertionError("acknowledged " + seq + " gone"));
                assertThat(m.payload()).isEqualTo(payload);
            }
            // The limit stays exceeded: the oldest cannot be read, so none of them is taken.
            assertThat(s.info().messages()).isEqualTo(803);
        }
    }
}
