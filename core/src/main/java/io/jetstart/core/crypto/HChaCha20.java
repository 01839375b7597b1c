package io.jetstart.core.crypto;

/**
 * HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2): the subkey step of XChaCha20. The JDK has ChaCha20
 * and ChaCha20-Poly1305 with 12-byte nonces only; XChaCha20 with a 24-byte nonce {@code n} is
 * ChaCha20 keyed with {@code HChaCha20(key, n[0..16])} and nonce {@code 00000000 || n[16..24]}.
 *
 * <pre>
 *  state (16 LE words): "expa" "nd 3" "2-by" "te k" | key[0..32] (8 words) | n[0..16] (4 words)
 *  20 rounds (10 column + diagonal double rounds), no feed-forward addition
 *  subkey = words 0..3 || words 12..15, little-endian = 32 bytes
 * </pre>
 */
final class HChaCha20 {
    private HChaCha20() {
    }

    static byte[] subkey(byte[] key, byte[] nonce16) {
        if (key.length != 32 || nonce16.length != 16) {
            throw new IllegalArgumentException("HChaCha20 takes a 32-byte key and a 16-byte nonce, got "
                    + key.length + " and " + nonce16.length);
        }
        int[] x = new int[16];
        x[0] = 0x61707865;
        x[1] = 0x3320646e;
        x[2] = 0x79622d32;
        x[3] = 0x6b206574;
        for (int i = 0; i < 8; i++) {
            x[4 + i] = le32(key, 4 * i);
        }
        for (int i = 0; i < 4; i++) {
            x[12 + i] = le32(nonce16, 4 * i);
        }
        for (int round = 0; round < 10; round++) {
            quarter(x, 0, 4, 8, 12);
            quarter(x, 1, 5, 9, 13);
            quarter(x, 2, 6, 10, 14);
            quarter(x, 3, 7, 11, 15);
            quarter(x, 0, 5, 10, 15);
            quarter(x, 1, 6, 11, 12);
            quarter(x, 2, 7, 8, 13);
            quarter(x, 3, 4, 9, 14);
        }
        byte[] out = new byte[32];
        for (int i = 0; i < 4; i++) {
            putLe32(out, 4 * i, x[i]);
            putLe32(out, 16 + 4 * i, x[12 + i]);
        }
        return out;
    }

    private static void quarter(int[] x, int a, int b, int c, int d) {
        x[a] += x[b];
        x[d] = Integer.rotateLeft(x[d] ^ x[a], 16);
        x[c] += x[d];
        x[b] = Integer.rotateLeft(x[b] ^ x[c], 12);
        x[a] += x[b];
        x[d] = Integer.rotateLeft(x[d] ^ x[a], 8);
        x[c] += x[d];
        x[b] = Integer.rotateLeft(x[b] ^ x[c], 7);
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static void putLe32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
