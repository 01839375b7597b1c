package io.jetstart.core.format;

import static io.jetstart.core.format.TestBytes.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec §4.7 and §9.10: 2.9 per-block {@code .fss} files. */
class LegacySubjectStateCodecTest {
    private static final String MAX1_FSS = """
            16 01 03 06 6d 61 78 31 2e 30 8b 02 ca 01 e8 07 06 6d 61 78 31 2e 31 8a 02 cb 01 e6 07 06 6d
            61 78 31 2e 32 8b 02 c9 01 e7 07 1f 05 fd 11 69 50 11 0a ea 4b 5c bd 05 1f 07 a1
            """;

    @TempDir
    Path tmp;

    @Test
    void decodesMax1WrittenBy2910() throws FormatException {
        LegacySubjectState fss = LegacySubjectStateCodec.decode("MAX1", 1, hex(MAX1_FSS));

        assertThat(fss.entries()).containsExactly(
                new LegacySubjectState.Entry("max1.0", 267, 202, 1000),
                new LegacySubjectState.Entry("max1.1", 266, 203, 998),
                new LegacySubjectState.Entry("max1.2", 267, 201, 999));
        assertThat(hex(fss.lastChecksum())).isEqualTo("ea4b5cbd051f07a1");
    }

    @Test
    void max1FixtureFileIsTheSpecVector() throws Exception {
        Path msgs = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "MAX1").resolve("msgs");

        assertThat(hex(Files.readAllBytes(msgs.resolve("1.fss")))).isEqualTo(hex(hex(MAX1_FSS)));
    }

    @Test
    void encodesTheSpecVector() {
        LegacySubjectState fss = new LegacySubjectState(List.of(
                new LegacySubjectState.Entry("max1.0", 267, 202, 1000),
                new LegacySubjectState.Entry("max1.1", 266, 203, 998),
                new LegacySubjectState.Entry("max1.2", 267, 201, 999)), hex("ea 4b 5c bd 05 1f 07 a1"));

        assertThat(hex(LegacySubjectStateCodec.encode("MAX1", 1, fss))).isEqualTo(hex(hex(MAX1_FSS)));
    }

    @Test
    void refusesAFileHashedWithAnotherBlocksKey() {
        assertThatThrownBy(() -> LegacySubjectStateCodec.decode("MAX1", 2, hex(MAX1_FSS)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("corrupt fss state: checksum did not match (stored 1f05fd116950110a, computed ");
    }

    @Test
    void refusesAShortFileOrABadHeader() {
        assertThatThrownBy(() -> LegacySubjectStateCodec.decode("MAX1", 1, new byte[23]))
                .isInstanceOf(FormatException.class).hasMessageContaining("short fss state (23 bytes, need 24)");
        byte[] file = hex(MAX1_FSS);
        file[1] = 2;
        assertThatThrownBy(() -> LegacySubjectStateCodec.decode("MAX1", 1, file))
                .isInstanceOf(FormatException.class).hasMessageContaining("short fss state: expected magic 22 version 1");
    }

    @Test
    void everyBitFlipOutsideTheCopiedBlockChecksumIsRefused() {
        byte[] file = hex(MAX1_FSS);
        // The last 8 bytes are the block's lchk, which only the store can compare with the block.
        for (int bit = 0; bit < (file.length - 8) * 8; bit++) {
            byte[] damaged = file.clone();
            damaged[bit / 8] ^= (byte) (1 << (bit % 8));

            assertThat(catchThrowable(() -> LegacySubjectStateCodec.decode("MAX1", 1, damaged)))
                    .as("bit %d", bit).isInstanceOf(FormatException.class);
        }
    }

    @Test
    void everyTruncationIsRefused() {
        byte[] file = hex(MAX1_FSS);
        for (int len = 0; len < file.length; len++) {
            byte[] cut = Arrays.copyOf(file, len);

            assertThat(catchThrowable(() -> LegacySubjectStateCodec.decode("MAX1", 1, cut)))
                    .as("length %d", len).isInstanceOf(FormatException.class);
        }
    }

    @Test
    void rehashedRandomDamageNeverEscapesAsAnotherExceptionType() {
        long seed = 0xf55L;
        Random rnd = new Random(seed);
        byte[] file = hex(MAX1_FSS);
        for (int i = 0; i < 5_000; i++) {
            byte[] body = Arrays.copyOf(file, file.length - 16);
            body[rnd.nextInt(body.length)] = (byte) rnd.nextInt(256);
            byte[] rehashed = rehash(body);

            Throwable t = catchThrowable(() -> LegacySubjectStateCodec.decode("MAX1", 1, rehashed));

            assertThat(t).as("seed %d, case %d", seed, i).satisfiesAnyOf(
                    x -> assertThat(x).isNull(),
                    x -> assertThat(x).isInstanceOf(FormatException.class));
        }
    }

    private static byte[] rehash(byte[] body) {
        byte[] out = Arrays.copyOf(body, body.length + 16);
        long h = new io.jetstart.core.hash.HighwayHash64(io.jetstart.core.hash.HashKeys.forBlock("MAX1", 1))
                .hash(body, 0, body.length);
        io.jetstart.core.hash.HighwayHash64.putLE(h, out, body.length);
        return out;
    }
}
