package io.jetstart.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The record checksum that {@link RecordHashes} picks: in the default test run the vector one (the
 * build passes {@code --add-modules jdk.incubator.vector}), in the {@code scalar-hash} run the
 * scalar one; both must equal HighwayHash-64 of the three ranges joined.
 */
@Tag("both-hashes")
class RecordHashTest {
    /** minio/highwayhash testVectors64 for inputs of 16..64 bytes (key 00..1f, input 00..n-1). */
    private static final String[] MINIO_16_TO_64 = {
        "32b87ef98934abcf", "e2c0c5c8d267fe19", "c25c569ca690dd04", "04c571238e51d975",
        "16ddd341119bad38", "e0708acd2c436402", "90336888625adba9", "8c023f009254b0d7",
        "1ee559ea5a615f20", "8428052196c8e0ee", "4f4f28a7931afc1b", "1da90db7b5752151",
        "39c6a2a076891ff7", "e7e3841fef3f09ae", "0f866111b092ca22", "685a03cf7c00c79f",
        "fc80d5ecd964c9a0", "fc8131a03cf7902c", "9eeb91564ef85c18", "9baa5227eff5c14f",
        "eb330a5e1a39b7f5", "9c6ce9b4834bb8b9", "b4d95c2a71fe425e", "dc973f0cf9f250a1",
        "7d632d5ed722a57f", "2bd3ff0dccd01a18", "2840851e98ed8938", "2dee86c5e89742fb",
        "9c0528bb454a066d", "0c86ecb309365690", "66c69740e9fca47a", "081e916bc0ba2613",
        "344f152b8d1626b9", "8d94b14589841999", "be5e8234c58fa9a2", "b6f03e21959080e9",
        "e9c07b7083542e58", "f56a8aa814946e08", "3d74f6208db986ee", "a7c0b109f67f9bf8",
        "e8c3229ec19c7d4c", "6f2a56245000979a", "efebe623f41cd45d", "27e268049c6013df",
        "5a158841f6a40d6e", "a1d4d7504bba55b7", "bd79746484347a88", "a03921bfe9eb8eab",
        "ffa6d24c5d2c5475",
    };

    private static byte[] counting(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    @Test
    void theImplementationTheBuildAsksForIsTheOneInUse() {
        String expected = System.getProperty("jetstart.expect.hash");
        assumeThat(expected).as("run by Maven, which says which hash to expect").isNotNull();
        String in = RecordHashes.implementation();
        if (expected.equals("vector") && in.contains("widest vector")) {
            // A CPU without 256-bit vectors: the scalar fallback is the right choice there.
            assertThat(RecordHashes.vectorized()).isFalse();
            return;
        }
        assertThat(in).as("RecordHashes.implementation()").startsWith(expected);
        assertThat(RecordHashes.vectorized()).isEqualTo(expected.equals("vector"));
    }

    @Test
    void minioVectorsOfSixteenToSixtyFourBytesComeOutOfTheRecordShape() {
        RecordHash h = RecordHashes.forKey(counting(32));
        for (int n = 16; n <= 64; n++) {
            byte[] in = counting(n);
            long got = h.hashRecord(in, 0, 16, 0, 16, n - 16);
            assertThat(HexFormat.of().formatHex(littleEndian(got))).as("input of %d bytes", n)
                    .isEqualTo(MINIO_16_TO_64[n - 16]);
        }
    }

    @Test
    void everyRecordShapeHashesLikeTheThreeRangesJoined() {
        long seed = 0x7265636f7264L;
        SplittableRandom random = new SplittableRandom(seed);
        byte[] key = new byte[32];
        random.nextBytes(key);
        RecordHash h = RecordHashes.forKey(key);
        HighwayHash64 joined = new HighwayHash64(key);
        byte[] b = new byte[4096];
        random.nextBytes(b);
        for (int slen = 0; slen <= 70; slen++) {
            for (int m = 0; m <= 300; m += 1 + (m / 64)) {
                for (int gap : new int[] {0, 4}) {
                    int a = random.nextInt(64);
                    int s = a + 18 + random.nextInt(8);
                    int q = s + slen + gap;
                    joined.reset();
                    joined.update(b, a, 16);
                    joined.update(b, s, slen);
                    joined.update(b, q, m);
                    assertThat(h.hashRecord(b, a, s, slen, q, m))
                            .as("seed %x: a %d, subject %d+%d, rest %d+%d", seed, a, s, slen, q, m)
                            .isEqualTo(joined.finish());
                }
            }
        }
    }

    @Test
    void aRecordThatEndsAtTheEndOfTheArrayIsHashedWithoutReadingPastIt() {
        // Packets are read 32 bytes at a time: the last one must come from the remainder copy.
        byte[] key = counting(32);
        for (int m = 0; m <= 80; m++) {
            byte[] b = new byte[22 + 5 + m];
            new SplittableRandom(m).nextBytes(b);
            HighwayHash64 joined = new HighwayHash64(key);
            joined.update(b, 4, 16);
            joined.update(b, 22, 5 + m);
            assertThat(RecordHashes.forKey(key).hashRecord(b, 4, 22, 5, 27, m)).as("payload %d", m)
                    .isEqualTo(joined.finish());
        }
    }

    @Test
    void aRangeOutsideTheArrayIsRefusedWithItsBounds() {
        RecordHash h = RecordHashes.forKey(counting(32));
        byte[] b = new byte[100];
        assertThatThrownBy(() -> h.hashRecord(b, 90, 22, 5, 27, 10))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("90+16");
        assertThatThrownBy(() -> h.hashRecord(b, 4, 22, 5, 27, 80))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("27+80");
        assertThatThrownBy(() -> h.hashRecord(b, 4, 22, -1, 27, 10))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static byte[] littleEndian(long v) {
        byte[] out = new byte[8];
        HighwayHash64.putLE(v, out, 0);
        return out;
    }
}
