package io.jetstart.core.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("both-hashes")
class HighwayHashSplitTest {

    @Test
    void theZeroCopyRecordHashEqualsStreamingTheSameTwoRanges() {
        long seed = 0x5b117L;
        Random rnd = new Random(seed);
        byte[] key = new byte[32];
        rnd.nextBytes(key);
        HighwayHash64 fast = new HighwayHash64(key);
        HighwayHash64 slow = new HighwayHash64(key);
        for (int i = 0; i < 5_000; i++) {
            byte[] buf = new byte[400];
            rnd.nextBytes(buf);
            int a = rnd.nextInt(50);
            int c = a + 16 + rnd.nextInt(10);
            int n = rnd.nextInt(buf.length - c + 1);
            slow.reset();
            slow.update(buf, a, 16);
            slow.update(buf, c, n);
            assertThat(fast.hashSplit16(buf, a, c, n)).as("seed %d case %d (a=%d c=%d n=%d)", seed, i, a, c, n)
                    .isEqualTo(slow.finish());
        }
    }
}
