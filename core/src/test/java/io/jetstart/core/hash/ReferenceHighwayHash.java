package io.jetstart.core.hash;

/**
 * A deliberately plain HighwayHash-64, for tests only: the state in arrays, one packet at a time
 * through a 32-byte buffer, and the zipper merge as the byte table of Google's reference code
 * ({@code _mm_shuffle_epi8} over the two lanes) rather than the shifts and masks of
 * {@link HighwayHash64}. It shares no code with the production hash, so the production hash's
 * register-friendly rewrites are checked against an independent formulation (which is itself
 * checked against the 65 published vectors).
 */
final class ReferenceHighwayHash {
    private static final long[] INIT0 = {
        0xdbe6d5d5fe4cce2fL, 0xa4093822299f31d0L, 0x13198a2e03707344L, 0x243f6a8885a308d3L,
    };
    private static final long[] INIT1 = {
        0x3bd39e10cb0ef593L, 0xc0acf169b5f18a8cL, 0xbe5466cf34e90c6cL, 0x452821e638d01377L,
    };
    /** Output byte i of the 16-byte zipper merge is input byte ZIPPER[i] (lane 0 = bytes 0..7). */
    private static final int[] ZIPPER = {3, 12, 2, 5, 14, 1, 15, 0, 11, 4, 10, 13, 9, 6, 8, 7};

    private final long[] v0 = new long[4];
    private final long[] v1 = new long[4];
    private final long[] mul0 = new long[4];
    private final long[] mul1 = new long[4];

    private ReferenceHighwayHash(byte[] key32) {
        for (int i = 0; i < 4; i++) {
            long k = word(key32, 8 * i, 8);
            mul0[i] = INIT0[i];
            mul1[i] = INIT1[i];
            v0[i] = INIT0[i] ^ k;
            v1[i] = INIT1[i] ^ Long.rotateLeft(k, 32);
        }
    }

    /** HH64 of {@code data[off, off+len)} with the 32-byte key. */
    static long hash(byte[] key32, byte[] data, int off, int len) {
        ReferenceHighwayHash h = new ReferenceHighwayHash(key32);
        int whole = len / 32 * 32;
        for (int i = 0; i < whole; i += 32) {
            h.update(java.util.Arrays.copyOfRange(data, off + i, off + i + 32));
        }
        int size = len - whole;
        if (size > 0) {
            h.remainder(data, off + whole, size);
        }
        for (int round = 0; round < 4; round++) {
            h.permuteAndUpdate();
        }
        return h.v0[0] + h.v1[0] + h.mul0[0] + h.mul1[0];
    }

    private void update(byte[] packet) {
        for (int i = 0; i < 4; i++) {
            v1[i] += mul0[i] + word(packet, 8 * i, 8);
            mul0[i] ^= (v1[i] & 0xffffffffL) * (v0[i] >>> 32);
            v0[i] += mul1[i];
            mul1[i] ^= (v0[i] & 0xffffffffL) * (v1[i] >>> 32);
        }
        zipperMergeAdd(v1, v0, 0);
        zipperMergeAdd(v1, v0, 2);
        zipperMergeAdd(v0, v1, 0);
        zipperMergeAdd(v0, v1, 2);
    }

    /** Adds the zipper merge of {@code from[i], from[i+1]} to {@code to[i], to[i+1]}. */
    private static void zipperMergeAdd(long[] from, long[] to, int i) {
        byte[] in = new byte[16];
        for (int b = 0; b < 8; b++) {
            in[b] = (byte) (from[i] >>> (8 * b));
            in[8 + b] = (byte) (from[i + 1] >>> (8 * b));
        }
        byte[] out = new byte[16];
        for (int b = 0; b < 16; b++) {
            out[b] = in[ZIPPER[b]];
        }
        to[i] += word(out, 0, 8);
        to[i + 1] += word(out, 8, 8);
    }

    /** The last 1..31 bytes, as the reference's UpdateRemainder pads them. */
    private void remainder(byte[] data, int off, int size) {
        for (int i = 0; i < 4; i++) {
            v0[i] += ((long) size << 32) + size;
            long lo = Integer.toUnsignedLong(Integer.rotateLeft((int) v1[i], size));
            long hi = Integer.toUnsignedLong(Integer.rotateLeft((int) (v1[i] >>> 32), size));
            v1[i] = lo | hi << 32;
        }
        int mod4 = size & 3;
        int words = size & ~3;
        byte[] packet = new byte[32];
        System.arraycopy(data, off, packet, 0, words);
        if ((size & 16) != 0) {
            for (int i = 0; i < 4; i++) {
                packet[28 + i] = data[off + words + i + mod4 - 4];
            }
        } else if (mod4 != 0) {
            packet[16] = data[off + words];
            packet[17] = data[off + words + (mod4 >> 1)];
            packet[18] = data[off + words + mod4 - 1];
        }
        update(packet);
    }

    private void permuteAndUpdate() {
        byte[] packet = new byte[32];
        long[] permuted = {
            Long.rotateLeft(v0[2], 32), Long.rotateLeft(v0[3], 32), Long.rotateLeft(v0[0], 32), Long.rotateLeft(v0[1], 32),
        };
        for (int i = 0; i < 4; i++) {
            for (int b = 0; b < 8; b++) {
                packet[8 * i + b] = (byte) (permuted[i] >>> (8 * b));
            }
        }
        update(packet);
    }

    /** Little-endian word of {@code n} bytes, assembled byte by byte. */
    private static long word(byte[] b, int off, int n) {
        long w = 0;
        for (int i = n - 1; i >= 0; i--) {
            w = w << 8 | (b[off + i] & 0xffL);
        }
        return w;
    }
}
