package io.jetstart.core.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Sha256Test {
    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void theFipsExamplesDigestToTheirPublishedValues() {
        assertThat(hex(Sha256.digest(new byte[0])))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(hex(Sha256.digest("abc".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(hex(Sha256.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
                .getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }

    @Test
    void everyLengthAcrossThreePaddingBoundariesDigestsAsTheJdkDoes() throws Exception {
        // 55/56 and 63/64 bytes change the number of padded blocks; 0..200 covers three of each.
        SplittableRandom random = new SplittableRandom(13);
        for (int length = 0; length <= 200; length++) {
            byte[] in = new byte[length];
            random.nextBytes(in);
            assertThat(Sha256.digest(in)).as("length %d", length)
                    .isEqualTo(MessageDigest.getInstance("SHA-256").digest(in));
        }
    }

    @Test
    void theInputIsLeftAsItWas() {
        byte[] in = "stream/consumer".getBytes(StandardCharsets.UTF_8);
        byte[] copy = in.clone();
        Sha256.digest(in);
        assertThat(in).isEqualTo(copy);
    }
}
