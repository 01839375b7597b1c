package io.jetstart.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The record checksum that {@link RecordHashes} picks: in the default test run the vector one (the
 * build passes {@code --add-modules jdk.incubator.vector}), in the {@code scalar-hash} run the
 * scalar one; both must equal HighwayHash-64 of the three ranges joined.
 */
@Tag("both-hashes")
class RecordHashTest {


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
    void aJvmWithoutC2KeepsTheScalarHashAndSaysWhy() throws Exception {
        // Under C1 only, the vector hash never leaves its slow path (minutes for a 1 GB rebuild).
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), RecordHashChoice.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished; output: %s", out).isTrue();
        assertThat(out).as("child JVM output").contains("scalar (C2 is off (-XX:TieredStopAtLevel=1)");
    }

    @Test
    void minioVectorsOfSixteenToSixtyFourBytesComeOutOfTheRecordShape() {
        RecordHash h = RecordHashes.forKey(MinioVectors.ascending(32));
        // The record shape needs the 16 bytes of sequence and timestamp: inputs of 16..64 bytes.
        for (int n = 16; n <= 64; n++) {
            byte[] in = MinioVectors.ascending(n);
            long got = h.hashRecord(in, 0, 16, 0, 16, n - 16);
            assertThat(HexFormat.of().formatHex(littleEndian(got))).as("input of %d bytes", n)
                    .isEqualTo(MinioVectors.HASH64.get(n));
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
        byte[] key = MinioVectors.ascending(32);
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
        RecordHash h = RecordHashes.forKey(MinioVectors.ascending(32));
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
