package io.jetstart.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A 2.9 {@code <n>.idx} in an encrypted stream is {@code seal(block seed, key-file nonce, index)}
 * without the nonce in front (2.9.10 {@code writeIndexInfoLocked}); it opens with its block's keys
 * and nothing else.
 */
class LegacyIndexSealTest {
    private static final Path FILE = Path.of("msgs", "1.idx");
    private static final byte[] INDEX = "an .idx body".getBytes(StandardCharsets.US_ASCII);

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** What 2.9 writes: the sealed form as {@link StoreCipher#seal} makes it, less its nonce prefix. */
    private static byte[] sealedAs29(StoreCipher c, byte[] seed, byte[] nonce) {
        byte[] withNonce = c.seal(seed, nonce, INDEX);
        return Arrays.copyOfRange(withNonce, c.nonceBytes(), withNonce.length);
    }

    @Test
    void anIdxSealedWithItsBlocksSeedAndKeyFileNonceOpensForBothCiphers() throws Exception {
        for (StoreCipher c : StoreCipher.values()) {
            byte[] seed = filled(32, 7);
            byte[] nonce = filled(c.nonceBytes(), 3);
            assertThat(c.keystream(seed, nonce).openLegacyIndex(FILE, sealedAs29(c, seed, nonce))).as("%s", c).isEqualTo(INDEX);
        }
    }

    @Test
    void anIdxOfAnotherBlockAChangedByteOrAPlainIdxIsDamageNamingTheFile() {
        for (StoreCipher c : StoreCipher.values()) {
            byte[] seed = filled(32, 7);
            byte[] nonce = filled(c.nonceBytes(), 3);
            BlockKeystream block = c.keystream(seed, nonce);
            byte[] otherBlocks = sealedAs29(c, filled(32, 8), nonce);
            byte[] flipped = sealedAs29(c, seed, nonce);
            flipped[2] ^= 1;
            for (byte[] bad : new byte[][] {otherBlocks, flipped, INDEX, new byte[0]}) {
                assertThatThrownBy(() -> block.openLegacyIndex(FILE, bad)).as("%s, %d bytes", c, bad.length)
                        .isInstanceOfSatisfying(DecryptionException.class, e -> {
                            assertThat(e.file()).isEqualTo(FILE);
                            assertThat(e.kind()).isEqualTo(DecryptionException.Kind.DAMAGED);
                        });
            }
        }
    }
}
