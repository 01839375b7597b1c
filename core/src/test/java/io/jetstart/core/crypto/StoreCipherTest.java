package io.jetstart.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

class StoreCipherTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] sequence(int first, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    @Test
    void hchacha20MatchesTheDraftVector() {
        // draft-irtf-cfrg-xchacha-03 §2.2.1.
        byte[] subkey = HChaCha20.subkey(sequence(0, 32), HEX.parseHex("000000090000004a0000000031415927"));
        assertThat(HEX.formatHex(subkey)).isEqualTo("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc");
    }

    @Test
    void xchacha20Poly1305MatchesTheDraftAeadVectorWithoutAssociatedData() throws Exception {
        // draft-irtf-cfrg-xchacha-03 §A.3.1 uses AAD; nats-server seals with none. The ciphertext does
        // not depend on the AAD (only the tag does), so its first 32 bytes are the draft's.
        byte[] key = sequence(0x80, 32);
        byte[] nonce = sequence(0x40, 24);
        byte[] plain = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
                + "sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
        byte[] sealed = StoreCipher.CHACHA.seal(key, nonce, plain);
        assertThat(sealed).hasSize(24 + plain.length + 16);
        assertThat(HEX.formatHex(Arrays.copyOfRange(sealed, 24, 56)))
                .isEqualTo("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb");
        assertThat(StoreCipher.CHACHA.open(key, sealed, 0, sealed.length)).isEqualTo(plain);
    }

    @Test
    void aChangedByteOrAnotherKeyFailsTheTagForBothCiphers() {
        for (StoreCipher c : StoreCipher.values()) {
            byte[] key = sequence(1, 32);
            byte[] sealed = c.seal(key, sequence(9, c.nonceBytes()), "hello".getBytes(StandardCharsets.US_ASCII));
            byte[] flipped = sealed.clone();
            flipped[c.nonceBytes() + 1] ^= 1;
            assertThatThrownBy(() -> c.open(key, flipped, 0, flipped.length)).as("%s", c).isInstanceOf(AEADBadTagException.class);
            assertThatThrownBy(() -> c.open(sequence(2, 32), sealed, 0, sealed.length)).as("%s", c)
                    .isInstanceOf(AEADBadTagException.class);
            assertThatThrownBy(() -> c.open(key, sealed, 0, 10)).as("%s too short", c).isInstanceOf(AEADBadTagException.class);
        }
    }

    @Test
    void keyFileLengthsNameTheCipher() {
        assertThat(StoreCipher.forKeyFileLength(72)).contains(StoreCipher.CHACHA);
        assertThat(StoreCipher.forKeyFileLength(64)).contains(StoreCipher.AES);
        assertThat(StoreCipher.forKeyFileLength(63)).isEmpty();
        assertThat(StoreCipher.forKeyFileLength(73)).isEmpty();
    }

    @Test
    void theBlockKeystreamDecryptsFromAnyOffsetAsFromTheStart() {
        Random random = new Random(42);
        for (StoreCipher c : StoreCipher.values()) {
            byte[] seed = new byte[32];
            byte[] nonce = new byte[c.nonceBytes()];
            random.nextBytes(seed);
            random.nextBytes(nonce);
            BlockKeystream ks = c.keystream(seed, nonce);
            byte[] plain = new byte[1000];
            random.nextBytes(plain);
            byte[] whole = plain.clone();
            ks.xor(whole, 0, whole.length, 0);
            assertThat(whole).as("%s changes the bytes", c).isNotEqualTo(plain);
            for (int off : new int[] {1, 15, 16, 17, 63, 64, 65, 500, 992}) {
                byte[] part = Arrays.copyOfRange(plain, off, plain.length);
                ks.xor(part, 0, part.length, off);
                assertThat(part).as("%s from offset %d", c, off).isEqualTo(Arrays.copyOfRange(whole, off, whole.length));
            }
            ks.xor(whole, 0, whole.length, 0);
            assertThat(whole).as("%s twice is the identity", c).isEqualTo(plain);
        }
    }

    @Test
    void theXChaCha20KeystreamIsTheAeadsKeystreamFromCounterZero() throws Exception {
        // ChaCha20-Poly1305 encrypts with counter 1 (counter 0 makes the Poly1305 key), so the AEAD's
        // ciphertext of zeros is the block keystream from byte 64 on: both use the same HChaCha20 step.
        byte[] key = sequence(0x80, 32);
        byte[] nonce = sequence(0x40, 24);
        byte[] sealed = StoreCipher.CHACHA.seal(key, nonce, new byte[128]);
        byte[] stream = new byte[192];
        StoreCipher.CHACHA.keystream(key, nonce).xor(stream, 0, stream.length, 0);
        assertThat(Arrays.copyOfRange(sealed, 24, 24 + 128)).isEqualTo(Arrays.copyOfRange(stream, 64, 192));
    }

    @Test
    void aesCounterAddsAcross64BitWords() {
        byte[] iv = HEX.parseHex("000000000000000000ffffffffffffff");
        assertThat(HEX.formatHex(BlockKeystream.counterAt(iv, 1))).isEqualTo("00000000000000000100000000000000");
        assertThat(HEX.formatHex(BlockKeystream.counterAt(HEX.parseHex("ffffffffffffffffffffffffffffffff"), 2)))
                .isEqualTo("00000000000000000000000000000001");
    }

    @Test
    void theKeyIsNeverPrinted() {
        assertThat(StoreKey.ofText("s3cret").toString()).doesNotContain("s3cret");
    }
}
