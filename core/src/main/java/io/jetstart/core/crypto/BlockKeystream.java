package io.jetstart.core.crypto;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keystream a block file is XORed with (spec §3.9): the whole {@code <n>.blk}, from file offset
 * 0, compression envelope included; appends continue the same stream. Key = the block's seed,
 * nonce = the first bytes of its {@code <n>.key} (the KEK nonce, reused: {@code filestore.go:
 * genEncryptionKeys} passes it to {@code genBlockEncryptionKey}).
 *
 * <pre>
 *  CHACHA  XChaCha20: ChaCha20 (RFC 8439, 32-bit counter from 0) keyed HChaCha20(seed, nonce[0..16]),
 *          nonce 00 00 00 00 || nonce[16..24]; byte i of the file uses block i/64, byte i%64
 *  AES     AES-256-CTR, 128-bit big-endian counter block starting at nonce[0..16];
 *          byte i uses counter nonce + i/16, byte i%16
 * </pre>
 *
 * <p>Design note: both are seekable, so {@link #xor} starts at any file offset: the fast path
 * reads a block's last 8 bytes (its last checksum) without decrypting the rest, where nats-server
 * decrypts the whole block. Immutable and thread-safe: each call builds its own JDK cipher.
 */
public final class BlockKeystream {
    private final StoreCipher cipher;
    private final byte[] key;
    private final byte[] nonce;
    /** The block's own seed and key-file nonce: what nats-server 2.9 seals the block's {@code .idx} with. */
    private final byte[] seed;
    private final byte[] keyFileNonce;

    BlockKeystream(StoreCipher cipher, byte[] seed, byte[] nonce) {
        if (seed.length != StoreCipher.SEED_BYTES || nonce.length != cipher.nonceBytes()) {
            throw new IllegalArgumentException(cipher + " block keystream needs a 32-byte seed and a "
                    + cipher.nonceBytes() + "-byte nonce, got " + seed.length + " and " + nonce.length);
        }
        this.cipher = cipher;
        this.seed = seed.clone();
        this.keyFileNonce = nonce.clone();
        this.key = cipher == StoreCipher.CHACHA ? HChaCha20.subkey(seed, Arrays.copyOf(nonce, 16)) : seed.clone();
        this.nonce = cipher == StoreCipher.CHACHA ? chachaNonce(nonce) : nonce.clone();
    }

    /** The 12-byte ChaCha20 nonce of a 24-byte XChaCha20 nonce: four zero bytes, then its last 8 bytes. */
    static byte[] chachaNonce(byte[] xnonce) {
        byte[] n = new byte[12];
        System.arraycopy(xnonce, 16, n, 4, 8);
        return n;
    }

    public StoreCipher cipher() {
        return cipher;
    }

    /** XORs {@code buf[off, off+len)}, which holds the file's bytes from {@code fileOffset} on, in place. */
    public void xor(byte[] buf, int off, int len, long fileOffset) {
        if (fileOffset < 0 || len < 0) {
            throw new IllegalArgumentException("offset " + fileOffset + ", length " + len);
        }
        if (len == 0) {
            return;
        }
        try {
            Cipher c;
            int skip;
            if (cipher == StoreCipher.CHACHA) {
                long block = fileOffset >>> 6;
                if (block + ((len + 63L) >>> 6) > 0xFFFF_FFFFL) {
                    throw new IllegalArgumentException("XChaCha20 counter would wrap at offset " + fileOffset);
                }
                c = Cipher.getInstance("ChaCha20");
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new ChaCha20ParameterSpec(nonce, (int) block));
                skip = (int) (fileOffset & 63);
            } else {
                c = Cipher.getInstance("AES/CTR/NoPadding");
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(counterAt(nonce, fileOffset >>> 4)));
                skip = (int) (fileOffset & 15);
            }
            if (skip > 0) {
                c.update(new byte[skip]);
            }
            int n = c.doFinal(buf, off, len, buf, off);
            if (n != len) {
                throw new IllegalStateException("keystream produced " + n + " of " + len + " bytes");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(cipher + " keystream unavailable in this JDK: " + e, e);
        }
    }

    /**
     * The plaintext of this block's nats-server 2.9 {@code <n>.idx}. 2.9 seals it with the block's
     * AEAD (keyed by the block's seed, as {@code meta.inf} is by the stream's) under the key file's
     * nonce, which it does not store: the file is {@code ciphertext || tag} (2.9.10 {@code
     * writeIndexInfoLocked}, {@code readIndexInfo}: {@code mb.aek.Seal(buf[:0], mb.nonce, buf, nil)}).
     *
     * @param file   the {@code .idx}, named in the exception
     * @param sealed its bytes as stored
     * @throws DecryptionException when the tag does not verify: the file was changed, cut, written
     *                             with another key, or is not sealed (2.9.10 then rebuilds the block)
     */
    public byte[] openLegacyIndex(Path file, byte[] sealed) throws DecryptionException {
        try {
            return cipher.open(seed, keyFileNonce, sealed, 0, sealed.length);
        } catch (AEADBadTagException e) {
            throw new DecryptionException(DecryptionException.Kind.DAMAGED, file, cipher
                    + " authentication tag mismatch although its block's key file opened: the file was changed, cut"
                    + " or not sealed with its block's key (" + sealed.length + " bytes)", e);
        }
    }

    /** {@code iv + blocks} as a 128-bit big-endian integer, as Go's {@code cipher.NewCTR} counts. */
    static byte[] counterAt(byte[] iv, long blocks) {
        byte[] out = iv.clone();
        long carry = blocks;
        for (int i = 15; i >= 0 && carry != 0; i--) {
            long sum = (out[i] & 0xff) + (carry & 0xff);
            out[i] = (byte) sum;
            carry = (carry >>> 8) + (sum >>> 8);
        }
        return out;
    }
}
