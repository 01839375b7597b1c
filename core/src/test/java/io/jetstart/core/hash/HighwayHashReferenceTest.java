package io.jetstart.core.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The scalar hash's three code paths (streaming, the joined record hash, the record hash with a
 * header gap) against {@link ReferenceHighwayHash}, an independent plain formulation, on every
 * input length from 0 to 200 bytes: every packet count up to 6 and every remainder length and
 * padding branch, at several places in the array, ranges ending at its last byte included.
 */
class HighwayHashReferenceTest {
    private static final long SEED = 0x6868_7265_66L;

    @Test
    void theReferenceReproducesAllSixtyFivePublishedVectors() {
        byte[] input = MinioVectors.ascending(64);
        for (int i = 0; i <= 64; i++) {
            long h = ReferenceHighwayHash.hash(MinioVectors.ascending(32), input, 0, i);
            assertThat(HighwayHash64.hex(h)).as("input length %d", i).isEqualTo(MinioVectors.HASH64.get(i));
        }
    }

    @Test
    void aJoinedRecordOfEveryLengthHashesAsTheReferenceDoes() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int n = 0; n <= 200; n++) {
            for (int trial = 0; trial < 6; trial++) {
                byte[] key = new byte[32];
                rnd.nextBytes(key);
                HighwayHash64 h = new HighwayHash64(key);
                // Sequence and timestamp at a, the joined subject and payload at c = a + 16 + gap
                // (the record's 2-byte subject length sits in a real record's gap); trial 0 ends
                // the input at the array's last byte, so no read may go past it.
                int a = rnd.nextInt(24);
                int gap = rnd.nextInt(4);
                int c = a + 16 + gap;
                int slack = trial == 0 ? 0 : 1 + rnd.nextInt(40);
                byte[] b = new byte[c + n + slack];
                rnd.nextBytes(b);
                long expected = reference(key, b, a, c, n);
                int slen = n == 0 ? 0 : rnd.nextInt(Math.min(n, 40) + 1);
                String what = String.format("seed %x, n %d, trial %d: a %d, c %d, subject %d", SEED, n, trial, a, c, slen);
                assertThat(h.hashRecord(b, a, c, slen, c + slen, n - slen)).as(what).isEqualTo(expected);
                assertThat(h.hashSplit16(b, a, c, n)).as(what).isEqualTo(expected);
            }
        }
    }

    @Test
    void aRecordWithHeadersOfEveryLengthHashesAsTheReferenceDoes() {
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        byte[] key = new byte[32];
        rnd.nextBytes(key);
        HighwayHash64 h = new HighwayHash64(key);
        for (int n = 0; n <= 200; n++) {
            int slen = rnd.nextInt(Math.min(n, 40) + 1);
            // Subject, then the 4-byte header length (not hashed), then headers and payload.
            byte[] b = new byte[40 + n + 4];
            rnd.nextBytes(b);
            int a = 4;
            int s = 22;
            int q = s + slen + 4;
            byte[] joined = new byte[16 + n];
            System.arraycopy(b, a, joined, 0, 16);
            System.arraycopy(b, s, joined, 16, slen);
            System.arraycopy(b, q, joined, 16 + slen, n - slen);
            assertThat(h.hashRecord(b, a, s, slen, q, n - slen)).as("seed %x, n %d, subject %d", SEED + 1, n, slen)
                    .isEqualTo(ReferenceHighwayHash.hash(key, joined, 0, joined.length));
        }
    }

    @Test
    void streamingEveryLengthInRandomPiecesHashesAsTheReferenceDoes() {
        SplittableRandom rnd = new SplittableRandom(SEED + 2);
        byte[] key = new byte[32];
        rnd.nextBytes(key);
        HighwayHash64 h = new HighwayHash64(key);
        for (int n = 0; n <= 200; n++) {
            byte[] b = new byte[n + 8];
            rnd.nextBytes(b);
            int start = rnd.nextInt(8);
            h.reset();
            for (int pos = start; pos < start + n; ) {
                int piece = Math.min(start + n - pos, rnd.nextInt(70));
                h.update(b, pos, piece);
                pos += piece;
            }
            long expected = ReferenceHighwayHash.hash(key, b, start, n);
            assertThat(h.finish()).as("seed %x, n %d", SEED + 2, n).isEqualTo(expected);
            assertThat(h.hash(b, start, n)).as("seed %x, n %d in one piece", SEED + 2, n).isEqualTo(expected);
        }
    }

    private static long reference(byte[] key, byte[] b, int a, int c, int n) {
        byte[] joined = new byte[16 + n];
        System.arraycopy(b, a, joined, 0, 16);
        System.arraycopy(b, c, joined, 16, n);
        return ReferenceHighwayHash.hash(key, joined, 0, joined.length);
    }
}
