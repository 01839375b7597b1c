package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * 2.9.10's INT1 (interest retention, two consumers) with its one block damaged: 2.9 left the
 * records interest removed in place and kept those deletes only in {@code 1.idx}, which a damaged
 * block no longer matches. Whatever the rebuild then counts, the block is never removed or cut and
 * no sequence it holds is published again (the campaign's seed 32).
 */
class DamagedLegacyInterestBlockTest {
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** {@code cut} &gt; 0: the block cut to that length; else bit {@code bit} of byte {@code at} flipped. */
    @ParameterizedTest
    @CsvSource({"93976, 0, 0", "0, 15235, 2"})
    void theBlockStaysAndNoSequenceItHoldsIsReused(int cut, int at, int bit) throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path blk = store.resolve("jetstream/$G/streams/INT1/msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        if (cut > 0) {
            b = Arrays.copyOf(b, cut);
        } else {
            b[at] ^= (byte) (1 << bit);
        }
        Files.write(blk, b);
        for (int open = 0; open < 2; open++) {
            try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
                JetStartStream s = rt.stream("INT1").await(AWAIT);
                for (PullConsumer c : s.servedConsumers()) {
                    c.fetch(500, 0, Duration.ZERO);
                }
                long seq = s.publish("int1.x", new byte[] {1}).seq();
                assertThat(seq).as("open %d: published above every sequence the pristine INT1 used", open).isGreaterThan(1000);
            }
            byte[] now = Files.readAllBytes(blk);
            assertThat(now.length).as("open %d: block not cut", open).isGreaterThanOrEqualTo(b.length);
            assertThat(Arrays.equals(now, 0, b.length, b, 0, b.length)).as("open %d: block keeps its bytes", open).isTrue();
        }
    }
}
