package io.jetstart.core.hash;

/**
 * SHA-256 (FIPS 180-4) of a short byte string, for the HashKeys: nothing else.
 *
 * <p>Design note: the JDK's {@code MessageDigest.getInstance("SHA-256")} is the same algorithm
 * behind the security provider framework, and the framework's first use in a JVM (the provider
 * list, the {@code java.security} properties, the algorithm constraints) took 11-19 ms of one
 * thread in a fresh C1 JVM with an AOT cache, on the first stream's way (every other stream
 * waits for {@code HashKeys}' class initialisation). A key is the digest of a stream or consumer
 * name of a few dozen bytes, computed once per checksum; C1 has no SHA intrinsic either way, so
 * the JDK's own compression loop is no faster than this one. {@code Sha256Test} checks it
 * against {@code MessageDigest} for every length across the padding boundaries.
 */
final class Sha256 {
    private static final int[] K = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    };

    /** Longest input: its padded length (up to 72 bytes more) must be an int. */
    static final int MAX_LENGTH = Integer.MAX_VALUE - 128;

    private Sha256() {
    }

    /** The 32-byte digest of {@code in}. */
    static byte[] digest(byte[] in) {
        if (in.length > MAX_LENGTH) {
            throw new IllegalArgumentException("SHA-256 key input of " + in.length + " bytes, at most " + MAX_LENGTH);
        }
        // Padding: 0x80, zeros, the length in bits as a 64-bit big-endian number, to a multiple of 64.
        int padded = (in.length + 9 + 63) & ~63;
        byte[] msg = new byte[padded];
        System.arraycopy(in, 0, msg, 0, in.length);
        msg[in.length] = (byte) 0x80;
        long bits = (long) in.length << 3;
        for (int i = 0; i < 8; i++) {
            msg[padded - 1 - i] = (byte) (bits >>> (8 * i));
        }
        int[] h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
        int[] w = new int[64];
        for (int block = 0; block < padded; block += 64) {
            compress(h, w, msg, block);
        }
        byte[] out = new byte[32];
        for (int i = 0; i < 8; i++) {
            out[4 * i] = (byte) (h[i] >>> 24);
            out[4 * i + 1] = (byte) (h[i] >>> 16);
            out[4 * i + 2] = (byte) (h[i] >>> 8);
            out[4 * i + 3] = (byte) h[i];
        }
        return out;
    }

    private static void compress(int[] h, int[] w, byte[] msg, int at) {
        for (int t = 0; t < 16; t++) {
            int p = at + 4 * t;
            w[t] = (msg[p] << 24) | ((msg[p + 1] & 0xff) << 16) | ((msg[p + 2] & 0xff) << 8) | (msg[p + 3] & 0xff);
        }
        for (int t = 16; t < 64; t++) {
            int x = w[t - 15];
            int y = w[t - 2];
            int s0 = Integer.rotateRight(x, 7) ^ Integer.rotateRight(x, 18) ^ (x >>> 3);
            int s1 = Integer.rotateRight(y, 17) ^ Integer.rotateRight(y, 19) ^ (y >>> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        int a = h[0];
        int b = h[1];
        int c = h[2];
        int d = h[3];
        int e = h[4];
        int f = h[5];
        int g = h[6];
        int k = h[7];
        for (int t = 0; t < 64; t++) {
            int t1 = k + (Integer.rotateRight(e, 6) ^ Integer.rotateRight(e, 11) ^ Integer.rotateRight(e, 25))
                    + ((e & f) ^ (~e & g)) + K[t] + w[t];
            int t2 = (Integer.rotateRight(a, 2) ^ Integer.rotateRight(a, 13) ^ Integer.rotateRight(a, 22))
                    + ((a & b) ^ (a & c) ^ (b & c));
            k = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += k;
    }
}
