package io.jetstart.core.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * nats-server's two cipher families ({@code jetstream.cipher}: {@code chachapoly}, the default,
 * or {@code aes}; {@code filestore.go: genEncryptionKey}, {@code genBlockEncryptionKey}).
 *
 * <pre>
 *                 AEAD (key files, meta.inf, index.db, o.dat)      block keystream (.blk)
 *  CHACHA         XChaCha20-Poly1305, 24-byte nonce, 16-byte tag    XChaCha20, counter 0
 *  AES            AES-256-GCM, 16-byte nonce, 16-byte tag           AES-256-CTR, IV = nonce
 *
 *  sealed file  = nonce || ciphertext || tag
 *  key file     = nonce || seal(KEK, 32-byte seed)   72 bytes (CHACHA) or 64 bytes (AES)
 * </pre>
 *
 * <p>Design note: the cipher is not written anywhere in the store; the server tries its
 * configured cipher, then the other. The key file's length tells them apart without trying, and
 * a seal that does not open is then a wrong key, not a wrong guess.
 */
public enum StoreCipher {
    CHACHA("XChaCha20-Poly1305", 24),
    AES("AES-256-GCM", 16);

    /** The random seed each key file seals: the key of a stream, block or consumer. */
    public static final int SEED_BYTES = 32;
    public static final int TAG_BYTES = 16;

    private final String description;
    private final int nonceBytes;

    StoreCipher(String description, int nonceBytes) {
        this.description = description;
        this.nonceBytes = nonceBytes;
    }

    public String description() {
        return description;
    }

    public int nonceBytes() {
        return nonceBytes;
    }

    /** The length of a key file sealed with this cipher: nonce, seed and tag. */
    public int keyFileBytes() {
        return nonceBytes + SEED_BYTES + TAG_BYTES;
    }

    /** The cipher a key file of {@code length} bytes was written with, if any. */
    public static Optional<StoreCipher> forKeyFileLength(long length) {
        for (StoreCipher c : values()) {
            if (c.keyFileBytes() == length) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /**
     * Opens {@code in[off, off+len)} = {@code nonce || ciphertext || tag}.
     *
     * @throws AEADBadTagException when the tag does not verify (wrong key or changed bytes)
     */
    byte[] open(byte[] key, byte[] in, int off, int len) throws AEADBadTagException {
        if (len < nonceBytes + TAG_BYTES) {
            throw new AEADBadTagException(len + " bytes cannot hold a " + nonceBytes + "-byte nonce and a "
                    + TAG_BYTES + "-byte tag");
        }
        return open(key, Arrays.copyOfRange(in, off, off + nonceBytes), in, off + nonceBytes, len - nonceBytes);
    }

    /**
     * Opens {@code in[off, off+len)} = {@code ciphertext || tag} under {@code nonce}, which is not
     * stored with it (a 2.9 {@code .idx}: the nonce is its block's key-file nonce).
     *
     * @throws AEADBadTagException when the tag does not verify (wrong key or changed bytes)
     */
    byte[] open(byte[] key, byte[] nonce, byte[] in, int off, int len) throws AEADBadTagException {
        if (len < TAG_BYTES) {
            throw new AEADBadTagException(len + " bytes cannot hold a " + TAG_BYTES + "-byte tag");
        }
        try {
            Cipher c = aead(Cipher.DECRYPT_MODE, key, nonce);
            return c.doFinal(in, off, len);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            // Key and nonce sizes are fixed by this class: anything else is a JDK without the cipher.
            throw new IllegalStateException(description + " unavailable in this JDK: " + e, e);
        }
    }

    /** {@code nonce || seal(plain)}, as nats-server writes a sealed file. For tests and writers. */
    public byte[] seal(byte[] key, byte[] nonce, byte[] plain) {
        if (nonce.length != nonceBytes) {
            throw new IllegalArgumentException(description + " takes a " + nonceBytes + "-byte nonce, got " + nonce.length);
        }
        try {
            byte[] sealed = aead(Cipher.ENCRYPT_MODE, key, nonce).doFinal(plain);
            byte[] out = Arrays.copyOf(nonce, nonceBytes + sealed.length);
            System.arraycopy(sealed, 0, out, nonceBytes, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(description + " unavailable in this JDK: " + e, e);
        }
    }

    private Cipher aead(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
        if (key.length != 32) {
            throw new IllegalArgumentException(description + " takes a 32-byte key, got " + key.length);
        }
        if (this == CHACHA) {
            // XChaCha20-Poly1305 = ChaCha20-Poly1305 under HChaCha20(key, nonce[0..16]) with nonce 0^4 || nonce[16..24].
            Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
            c.init(mode, new SecretKeySpec(HChaCha20.subkey(key, Arrays.copyOf(nonce, 16)), "ChaCha20"),
                    new IvParameterSpec(BlockKeystream.chachaNonce(nonce)));
            return c;
        }
        // Go's cipher.NewGCMWithNonceSize(block, 16): standard GCM with a 128-bit IV (J0 from GHASH).
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
        return c;
    }

    /** The keystream a block with this seed and key-file nonce is XORed with. */
    public BlockKeystream keystream(byte[] seed, byte[] nonce) {
        return new BlockKeystream(this, seed, nonce);
    }

    @Override
    public String toString() {
        return description;
    }
}
