package io.jetstart.core.hash;

import io.jetstart.core.format.LittleEndian;

/**
 * HighwayHash with a 64-bit result (Google's algorithm, as {@code github.com/minio/highwayhash}
 * computes it): the checksum of every block record, of {@code meta.sum} and of the
 * {@code index.db} trailer.
 *
 * <pre>
 *  key (32 bytes) = k0 | k1 | k2 | k3          four little-endian u64 lanes
 *
 *  input          = packet | packet | ... | remainder
 *                   32 bytes each, read as     0..31 bytes, padded into one last
 *                   four LE u64 lanes          packet (length folded into the state)
 *
 *  state          = v0[4] v1[4] mul0[4] mul1[4]   (16 × u64)
 *  result         = v0[0] + v1[0] + mul0[0] + mul1[0] after four permute-and-update rounds;
 *                   stored on disk as 8 little-endian bytes
 * </pre>
 *
 * <p>Design note: this runs over every byte of every block during a rebuild. A record's checksum
 * ({@link #hashRecord}, {@link #hashSplit16}) is one method with its state in local variables,
 * shaped for C1 code (see {@code joined}). The streaming form ({@link #update}, {@link #finish()})
 * keeps the 16 state words in local variables in its bulk loop and reads each 32-byte packet
 * straight from the caller's array; only a packet split across two {@link #update} calls is
 * copied (into a 32-byte buffer owned by the instance). {@link #finish()} works on a copy of the
 * state, so it may be called at any point and updating may continue afterwards, like Go's
 * {@code Sum}.
 * Not thread-safe: one instance per thread (and per key; re-key with a new instance).
 */
public final class HighwayHash64 implements RecordHash {
    private static final long INIT0_0 = 0xdbe6d5d5fe4cce2fL;
    private static final long INIT0_1 = 0xa4093822299f31d0L;
    private static final long INIT0_2 = 0x13198a2e03707344L;
    private static final long INIT0_3 = 0x243f6a8885a308d3L;
    private static final long INIT1_0 = 0x3bd39e10cb0ef593L;
    private static final long INIT1_1 = 0xc0acf169b5f18a8cL;
    private static final long INIT1_2 = 0xbe5466cf34e90c6cL;
    private static final long INIT1_3 = 0x452821e638d01377L;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** The keyed initial v0 and v1 lanes (INIT0 ^ key, INIT1 ^ key with halves swapped): per key, not per hash. */
    private final long keyed00;
    private final long keyed01;
    private final long keyed02;
    private final long keyed03;
    private final long keyed10;
    private final long keyed11;
    private final long keyed12;
    private final long keyed13;

    private long v00;
    private long v01;
    private long v02;
    private long v03;
    private long v10;
    private long v11;
    private long v12;
    private long v13;
    private long m00;
    private long m01;
    private long m02;
    private long m03;
    private long m10;
    private long m11;
    private long m12;
    private long m13;

    private final byte[] pending = new byte[32];
    private final byte[] tail = new byte[32];
    private int pendingLen;

    /** @param key32 exactly 32 bytes, read as four little-endian u64 lanes */
    public HighwayHash64(byte[] key32) {
        if (key32 == null || key32.length != 32) {
            throw new IllegalArgumentException("HighwayHash key must be 32 bytes, got "
                    + (key32 == null ? "null" : key32.length));
        }
        long k0 = LittleEndian.u64(key32, 0);
        long k1 = LittleEndian.u64(key32, 8);
        long k2 = LittleEndian.u64(key32, 16);
        long k3 = LittleEndian.u64(key32, 24);
        keyed00 = INIT0_0 ^ k0;
        keyed01 = INIT0_1 ^ k1;
        keyed02 = INIT0_2 ^ k2;
        keyed03 = INIT0_3 ^ k3;
        keyed10 = INIT1_0 ^ Long.rotateLeft(k0, 32);
        keyed11 = INIT1_1 ^ Long.rotateLeft(k1, 32);
        keyed12 = INIT1_2 ^ Long.rotateLeft(k2, 32);
        keyed13 = INIT1_3 ^ Long.rotateLeft(k3, 32);
        reset();
    }

    /** Back to the keyed initial state: the next {@link #finish()} covers only what follows. */
    public void reset() {
        m00 = INIT0_0;
        m01 = INIT0_1;
        m02 = INIT0_2;
        m03 = INIT0_3;
        m10 = INIT1_0;
        m11 = INIT1_1;
        m12 = INIT1_2;
        m13 = INIT1_3;
        v00 = keyed00;
        v01 = keyed01;
        v02 = keyed02;
        v03 = keyed03;
        v10 = keyed10;
        v11 = keyed11;
        v12 = keyed12;
        v13 = keyed13;
        pendingLen = 0;
    }

    /** Feeds {@code b[off, off+len)}; the result equals the hash of everything fed since reset. */
    public void update(byte[] b, int off, int len) {
        RecordHash.checkRange(b, off, len);
        if (pendingLen > 0) {
            int take = Math.min(32 - pendingLen, len);
            System.arraycopy(b, off, pending, pendingLen, take);
            pendingLen += take;
            off += take;
            len -= take;
            if (pendingLen < 32) {
                return;
            }
            packets(pending, 0, 1);
            pendingLen = 0;
        }
        int whole = len >>> 5;
        if (whole > 0) {
            packets(b, off, whole);
            off += whole << 5;
            len -= whole << 5;
        }
        if (len > 0) {
            System.arraycopy(b, off, pending, 0, len);
            pendingLen = len;
        }
    }

    /** The 64-bit hash of everything fed since reset; the state is left as it was. */
    public long finish() {
        long x00 = v00, x01 = v01, x02 = v02, x03 = v03;
        long x10 = v10, x11 = v11, x12 = v12, x13 = v13;
        long y00 = m00, y01 = m01, y02 = m02, y03 = m03;
        long y10 = m10, y11 = m11, y12 = m12, y13 = m13;
        int size = pendingLen;
        // Round -1 (only with a remainder) absorbs the padded tail; rounds 0..3 permute v0 into
        // the input lanes. All in locals: finish runs once per record, so it must be cheap.
        for (int round = size > 0 ? -1 : 0; round < 4; round++) {
            long a0;
            long a1;
            long a2;
            long a3;
            if (round < 0) {
                long add = ((long) size << 32) + size;
                x00 += add;
                x01 += add;
                x02 += add;
                x03 += add;
                x10 = rotate32By(x10, size);
                x11 = rotate32By(x11, size);
                x12 = rotate32By(x12, size);
                x13 = rotate32By(x13, size);
                byte[] packet = tailPacket(size);
                a0 = LittleEndian.u64(packet, 0);
                a1 = LittleEndian.u64(packet, 8);
                a2 = LittleEndian.u64(packet, 16);
                a3 = LittleEndian.u64(packet, 24);
            } else {
                a0 = Long.rotateLeft(x02, 32);
                a1 = Long.rotateLeft(x03, 32);
                a2 = Long.rotateLeft(x00, 32);
                a3 = Long.rotateLeft(x01, 32);
            }
            x10 += y00 + a0;
            x11 += y01 + a1;
            x12 += y02 + a2;
            x13 += y03 + a3;
            y00 ^= (x10 & 0xffffffffL) * (x00 >>> 32);
            y01 ^= (x11 & 0xffffffffL) * (x01 >>> 32);
            y02 ^= (x12 & 0xffffffffL) * (x02 >>> 32);
            y03 ^= (x13 & 0xffffffffL) * (x03 >>> 32);
            x00 += y10;
            x01 += y11;
            x02 += y12;
            x03 += y13;
            y10 ^= (x00 & 0xffffffffL) * (x10 >>> 32);
            y11 ^= (x01 & 0xffffffffL) * (x11 >>> 32);
            y12 ^= (x02 & 0xffffffffL) * (x12 >>> 32);
            y13 ^= (x03 & 0xffffffffL) * (x13 >>> 32);
            x01 += zipperHigh(x11, x10);
            x00 += zipperLow(x11, x10);
            x03 += zipperHigh(x13, x12);
            x02 += zipperLow(x13, x12);
            x11 += zipperHigh(x01, x00);
            x10 += zipperLow(x01, x00);
            x13 += zipperHigh(x03, x02);
            x12 += zipperLow(x03, x02);
        }
        return x00 + x10 + y00 + y10;
    }

    /**
     * The hash of {@code b[a, a+16) ‖ b[c, c+n)} without copying: the shape of a headerless
     * record's checksum (sequence and timestamp, then subject and payload after the 2-byte subject
     * length). Equal to {@code reset(); update(b, a, 16); update(b, c, n); finish()}.
     *
     * <p>Design note: this is the rebuild's hot loop (the checksum is most of a rebuild's CPU), so
     * it is {@link #joined}: one method with the whole state in local variables, every packet (the
     * last one too) read straight from the caller's array. It neither uses nor changes the state
     * that {@link #update} feeds (nor does {@link #hashRecord} without headers; with headers, it
     * streams the three ranges through that state), so {@link #reset()} before updating again.
     */
    public long hashSplit16(byte[] b, int a, int c, int n) {
        if (n < 0 || a < 0 || c < 0 || a > b.length - 16 || c > b.length - n) {
            // Out of range: update says how.
            reset();
            update(b, a, 16);
            update(b, c, n);
            return finish();
        }
        return joined(b, a, c, n);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Subject and payload without headers between them are one range: {@link #hashSplit16}.
     */
    @Override
    public long hashRecord(byte[] b, int a, int s, int slen, int q, int m) {
        RecordHash.checkRange(b, a, 16);
        RecordHash.checkRange(b, s, slen);
        RecordHash.checkRange(b, q, m);
        if (q == s + slen) {
            return joined(b, a, s, slen + m);
        }
        reset();
        update(b, a, 16);
        update(b, s, slen);
        update(b, q, m);
        return finish();
    }

    /** {@code reset(); update(b, off, len); return finish();} */
    public long hash(byte[] b, int off, int len) {
        reset();
        update(b, off, len);
        return finish();
    }

    /** The hash as Go's {@code Sum} writes it: 16 lowercase hex digits of its 8 little-endian bytes. */
    public static String hex(long h) {
        char[] out = new char[16];
        for (int i = 0; i < 8; i++) {
            int b = (int) (h >>> (8 * i)) & 0xff;
            out[2 * i] = HEX[b >>> 4];
            out[2 * i + 1] = HEX[b & 0xf];
        }
        return new String(out);
    }

    /** Stores the hash as 8 little-endian bytes at {@code dst[off]}. */
    public static void putLE(long h, byte[] dst, int off) {
        LittleEndian.putU64(dst, off, h);
    }

    /**
     * HH64 of {@code b[a, a+16) ‖ b[c, c+n)}, both ranges inside {@code b}: the packets are
     * {@code b[a, a+16) ‖ b[c, c+16)}, then {@code b[c+16, end)} 32 bytes at a time, then the
     * {@code r = (n - 16) % 32} remaining bytes, padded; with {@code n < 16}, only the padded
     * {@code 16 + n} bytes (an empty message's record, a tombstone).
     *
     * <p>Design note: a fresh JVM runs a small store's rebuild in C1 code only (bin/quick-jit.args),
     * and C1 keeps what it can in registers but spills the rest around every use. So, unlike
     * {@link #packets} and {@link #finish()}, this does not carry the 16 state words through every
     * round: in the packet rounds lanes 0 and 1 never meet lanes 2 and 3 (the zipper merges lane 0
     * with 1 and 2 with 3), so all packets are run on lanes 0-1 (8 words live), then on lanes 2-3;
     * only the four permute rounds need all 16, and are written out (no loop whose end shuffles
     * them between stack slots); the last two compute only what the result reads. A pair's round
     * is written twice, in the loop over packet 0 and the whole packets and for the padded last
     * packet, which is read in place as words (no copy into a zeroed buffer): one round inside a
     * loop that also chose the last packet's words cost 3 % more. Each pair of zippers shares one
     * blend ({@link #ZIP_MASK}). Measured per record of 16 + 10 + 100 B: C1 258 -> 179 ns, tiered
     * (C2) 250 -> 174; of 16 + 14 B (an empty message): C1 177 -> 108, C2 135 -> 110
     * (docs/benchmarks-passes.md, "many's rebuild in C1 code").
     */
    private long joined(byte[] b, int a, int c, int n) {
        // Below 32 bytes in all, the input is only the padded last packet (of r = 16 + n bytes).
        boolean onePacket = n < 16;
        int wholeEnd = onePacket ? c : c + 16 + ((n - 16) & ~31);
        int r = onePacket ? 16 + n : (n - 16) & 31;
        long d;
        long x00;
        long x01;
        long x02;
        long x03;
        long x10;
        long x11;
        long x12;
        long x13;
        long y00;
        long y01;
        long y02;
        long y03;
        long y10;
        long y11;
        long y12;
        long y13;
        // Lanes 0 and 1 of every packet: v = v0[0..1], u = v1[0..1], m = mul0[0..1], w = mul1[0..1].
        {
            long v0 = keyed00;
            long v1 = keyed01;
            long u0 = keyed10;
            long u1 = keyed11;
            long m0 = INIT0_0;
            long m1 = INIT0_1;
            long w0 = INIT1_0;
            long w1 = INIT1_1;
            long in0;
            long in1;
            if (!onePacket) {
                in0 = LittleEndian.u64(b, a);
                in1 = LittleEndian.u64(b, a + 8);
                for (int off = c + 16; ; off += 32) {
                    u0 += m0 + in0;
                    u1 += m1 + in1;
                    m0 ^= (u0 & 0xffffffffL) * (v0 >>> 32);
                    m1 ^= (u1 & 0xffffffffL) * (v1 >>> 32);
                    v0 += w0;
                    v1 += w1;
                    w0 ^= (v0 & 0xffffffffL) * (u0 >>> 32);
                    w1 ^= (v1 & 0xffffffffL) * (u1 >>> 32);
                    d = (u0 ^ u1) & ZIP_MASK;
                    v1 += zipperHighOf(u0 ^ d);
                    v0 += zipperLowOf(u1 ^ d);
                    d = (v0 ^ v1) & ZIP_MASK;
                    u1 += zipperHighOf(v0 ^ d);
                    u0 += zipperLowOf(v1 ^ d);
                    if (off >= wholeEnd) {
                        break;
                    }
                    in0 = LittleEndian.u64(b, off);
                    in1 = LittleEndian.u64(b, off + 8);
                }
            }
            if (r > 0) {
                int off = wholeEnd; // the r remaining bytes
                long add = ((long) r << 32) + r;
                v0 += add;
                v1 += add;
                u0 = rotate32By(u0, r);
                u1 = rotate32By(u1, r);
                // Bytes 0..15 of the padded packet: tailPacket's whole 4-byte words.
                if (onePacket) {
                    in0 = LittleEndian.u64(b, a);
                    in1 = LittleEndian.u64(b, a + 8);
                } else {
                    int words = r & ~3;
                    in0 = words >= 8 ? LittleEndian.u64(b, off) : words == 4 ? LittleEndian.u32(b, off) : 0;
                    in1 = words >= 16 ? LittleEndian.u64(b, off + 8) : words == 12 ? LittleEndian.u32(b, off + 8) : 0;
                }
                u0 += m0 + in0;
                u1 += m1 + in1;
                m0 ^= (u0 & 0xffffffffL) * (v0 >>> 32);
                m1 ^= (u1 & 0xffffffffL) * (v1 >>> 32);
                v0 += w0;
                v1 += w1;
                w0 ^= (v0 & 0xffffffffL) * (u0 >>> 32);
                w1 ^= (v1 & 0xffffffffL) * (u1 >>> 32);
                d = (u0 ^ u1) & ZIP_MASK;
                v1 += zipperHighOf(u0 ^ d);
                v0 += zipperLowOf(u1 ^ d);
                d = (v0 ^ v1) & ZIP_MASK;
                u1 += zipperHighOf(v0 ^ d);
                u0 += zipperLowOf(v1 ^ d);
            }
            x00 = v0;
            x01 = v1;
            x10 = u0;
            x11 = u1;
            y00 = m0;
            y01 = m1;
            y10 = w0;
            y11 = w1;
        }
        // Lanes 2 and 3 of every packet.
        {
            long v0 = keyed02;
            long v1 = keyed03;
            long u0 = keyed12;
            long u1 = keyed13;
            long m0 = INIT0_2;
            long m1 = INIT0_3;
            long w0 = INIT1_2;
            long w1 = INIT1_3;
            long in0;
            long in1;
            if (!onePacket) {
                in0 = LittleEndian.u64(b, c);
                in1 = LittleEndian.u64(b, c + 8);
                for (int off = c + 16; ; off += 32) {
                    u0 += m0 + in0;
                    u1 += m1 + in1;
                    m0 ^= (u0 & 0xffffffffL) * (v0 >>> 32);
                    m1 ^= (u1 & 0xffffffffL) * (v1 >>> 32);
                    v0 += w0;
                    v1 += w1;
                    w0 ^= (v0 & 0xffffffffL) * (u0 >>> 32);
                    w1 ^= (v1 & 0xffffffffL) * (u1 >>> 32);
                    d = (u0 ^ u1) & ZIP_MASK;
                    v1 += zipperHighOf(u0 ^ d);
                    v0 += zipperLowOf(u1 ^ d);
                    d = (v0 ^ v1) & ZIP_MASK;
                    u1 += zipperHighOf(v0 ^ d);
                    u0 += zipperLowOf(v1 ^ d);
                    if (off >= wholeEnd) {
                        break;
                    }
                    in0 = LittleEndian.u64(b, off + 16);
                    in1 = LittleEndian.u64(b, off + 24);
                }
            }
            if (r > 0) {
                int off = wholeEnd; // the r remaining bytes
                long add = ((long) r << 32) + r;
                v0 += add;
                v1 += add;
                u0 = rotate32By(u0, r);
                u1 = rotate32By(u1, r);
                // Bytes 16..31 of the padded packet (tailPacket): with 16..31 remaining bytes,
                // whole words and then the last 4 bytes at 28..31; with fewer, 3 picked bytes
                // at 16..18 (whole words end before 16).
                int words = r & ~3;
                if (onePacket) {
                    // 16..31 bytes in all: b[c, c+n)'s whole words at 16.., the input's last 4 bytes
                    // at 28..31 (with n < 4, some of them are b[a, a+16)'s last).
                    int cw = n & ~3;
                    long last4;
                    if (n >= 4) {
                        last4 = LittleEndian.u32(b, c + n - 4);
                    } else {
                        last4 = LittleEndian.u32(b, a + 12) >>> (8 * n);
                        for (int i = 0; i < n; i++) {
                            last4 |= (b[c + i] & 0xffL) << (8 * (4 - n + i));
                        }
                    }
                    in0 = cw >= 8 ? LittleEndian.u64(b, c) : cw == 4 ? LittleEndian.u32(b, c) : 0;
                    in1 = (cw == 12 ? LittleEndian.u32(b, c + 8) : 0) | last4 << 32;
                } else if ((r & 16) != 0) {
                    in0 = words >= 24 ? LittleEndian.u64(b, off + 16) : words == 20 ? LittleEndian.u32(b, off + 16) : 0;
                    in1 = (words == 28 ? LittleEndian.u32(b, off + 24) : 0) | LittleEndian.u32(b, off + r - 4) << 32;
                } else {
                    int mod4 = r & 3;
                    in0 = mod4 == 0 ? 0 : (b[off + words] & 0xffL) | (b[off + words + (mod4 >>> 1)] & 0xffL) << 8
                            | (b[off + r - 1] & 0xffL) << 16;
                    in1 = 0;
                }
                u0 += m0 + in0;
                u1 += m1 + in1;
                m0 ^= (u0 & 0xffffffffL) * (v0 >>> 32);
                m1 ^= (u1 & 0xffffffffL) * (v1 >>> 32);
                v0 += w0;
                v1 += w1;
                w0 ^= (v0 & 0xffffffffL) * (u0 >>> 32);
                w1 ^= (v1 & 0xffffffffL) * (u1 >>> 32);
                d = (u0 ^ u1) & ZIP_MASK;
                v1 += zipperHighOf(u0 ^ d);
                v0 += zipperLowOf(u1 ^ d);
                d = (v0 ^ v1) & ZIP_MASK;
                u1 += zipperHighOf(v0 ^ d);
                u0 += zipperLowOf(v1 ^ d);
            }
            x02 = v0;
            x03 = v1;
            x12 = u0;
            x13 = u1;
            y02 = m0;
            y03 = m1;
            y12 = w0;
            y13 = w1;
        }
        // Permute rounds 0..2, written out: lanes 0-1 take v0[2..3] rotated as input, lanes 2-3 v0[0..1].
        long a0;
        long a1;
        long a2;
        long a3;
        // Round 0.
        a0 = Long.rotateLeft(x02, 32);
        a1 = Long.rotateLeft(x03, 32);
        a2 = Long.rotateLeft(x00, 32);
        a3 = Long.rotateLeft(x01, 32);
        x10 += y00 + a0;
        x11 += y01 + a1;
        y00 ^= (x10 & 0xffffffffL) * (x00 >>> 32);
        y01 ^= (x11 & 0xffffffffL) * (x01 >>> 32);
        x00 += y10;
        x01 += y11;
        y10 ^= (x00 & 0xffffffffL) * (x10 >>> 32);
        y11 ^= (x01 & 0xffffffffL) * (x11 >>> 32);
        d = (x10 ^ x11) & ZIP_MASK;
        x01 += zipperHighOf(x10 ^ d);
        x00 += zipperLowOf(x11 ^ d);
        d = (x00 ^ x01) & ZIP_MASK;
        x11 += zipperHighOf(x00 ^ d);
        x10 += zipperLowOf(x01 ^ d);
        x12 += y02 + a2;
        x13 += y03 + a3;
        y02 ^= (x12 & 0xffffffffL) * (x02 >>> 32);
        y03 ^= (x13 & 0xffffffffL) * (x03 >>> 32);
        x02 += y12;
        x03 += y13;
        y12 ^= (x02 & 0xffffffffL) * (x12 >>> 32);
        y13 ^= (x03 & 0xffffffffL) * (x13 >>> 32);
        d = (x12 ^ x13) & ZIP_MASK;
        x03 += zipperHighOf(x12 ^ d);
        x02 += zipperLowOf(x13 ^ d);
        d = (x02 ^ x03) & ZIP_MASK;
        x13 += zipperHighOf(x02 ^ d);
        x12 += zipperLowOf(x03 ^ d);
        // Round 1.
        a0 = Long.rotateLeft(x02, 32);
        a1 = Long.rotateLeft(x03, 32);
        a2 = Long.rotateLeft(x00, 32);
        a3 = Long.rotateLeft(x01, 32);
        x10 += y00 + a0;
        x11 += y01 + a1;
        y00 ^= (x10 & 0xffffffffL) * (x00 >>> 32);
        y01 ^= (x11 & 0xffffffffL) * (x01 >>> 32);
        x00 += y10;
        x01 += y11;
        y10 ^= (x00 & 0xffffffffL) * (x10 >>> 32);
        y11 ^= (x01 & 0xffffffffL) * (x11 >>> 32);
        d = (x10 ^ x11) & ZIP_MASK;
        x01 += zipperHighOf(x10 ^ d);
        x00 += zipperLowOf(x11 ^ d);
        d = (x00 ^ x01) & ZIP_MASK;
        x11 += zipperHighOf(x00 ^ d);
        x10 += zipperLowOf(x01 ^ d);
        x12 += y02 + a2;
        x13 += y03 + a3;
        y02 ^= (x12 & 0xffffffffL) * (x02 >>> 32);
        y03 ^= (x13 & 0xffffffffL) * (x03 >>> 32);
        x02 += y12;
        x03 += y13;
        y12 ^= (x02 & 0xffffffffL) * (x12 >>> 32);
        y13 ^= (x03 & 0xffffffffL) * (x13 >>> 32);
        d = (x12 ^ x13) & ZIP_MASK;
        x03 += zipperHighOf(x12 ^ d);
        x02 += zipperLowOf(x13 ^ d);
        d = (x02 ^ x03) & ZIP_MASK;
        x13 += zipperHighOf(x02 ^ d);
        x12 += zipperLowOf(x03 ^ d);
        // Round 2.
        a0 = Long.rotateLeft(x02, 32);
        a1 = Long.rotateLeft(x03, 32);
        a2 = Long.rotateLeft(x00, 32);
        a3 = Long.rotateLeft(x01, 32);
        x10 += y00 + a0;
        x11 += y01 + a1;
        y00 ^= (x10 & 0xffffffffL) * (x00 >>> 32);
        y01 ^= (x11 & 0xffffffffL) * (x01 >>> 32);
        x00 += y10;
        x01 += y11;
        y10 ^= (x00 & 0xffffffffL) * (x10 >>> 32);
        y11 ^= (x01 & 0xffffffffL) * (x11 >>> 32);
        d = (x10 ^ x11) & ZIP_MASK;
        x01 += zipperHighOf(x10 ^ d);
        x00 += zipperLowOf(x11 ^ d);
        d = (x00 ^ x01) & ZIP_MASK;
        x11 += zipperHighOf(x00 ^ d);
        x10 += zipperLowOf(x01 ^ d);
        // Round 3 reads only x02 and x03 of lanes 2-3: nothing else of theirs is updated here.
        x12 += y02 + a2;
        x13 += y03 + a3;
        x02 += y12;
        x03 += y13;
        d = (x12 ^ x13) & ZIP_MASK;
        x03 += zipperHighOf(x12 ^ d);
        x02 += zipperLowOf(x13 ^ d);
        // Round 3: the result is x00 + x10 + y00 + y10, so lanes 2-3 and y01, y11, x11 are not updated.
        x10 += y00 + Long.rotateLeft(x02, 32);
        x11 += y01 + Long.rotateLeft(x03, 32);
        y00 ^= (x10 & 0xffffffffL) * (x00 >>> 32);
        x00 += y10;
        x01 += y11;
        y10 ^= (x00 & 0xffffffffL) * (x10 >>> 32);
        d = (x10 ^ x11) & ZIP_MASK;
        x01 += zipperHighOf(x10 ^ d);
        x00 += zipperLowOf(x11 ^ d);
        x10 += zipperLowOf(x01 ^ ((x00 ^ x01) & ZIP_MASK));
        return x00 + x10 + y00 + y10;
    }

    /*
     * The last 1..31 bytes (their count is folded into the state by finish) laid into a zeroed
     * packet: whole 4-byte words first, then up to 4 bytes picked from the final partial word at
     * fixed places, so inputs of different lengths never collide.
     */
    private byte[] tailPacket(int size) {
        byte[] p = pending;
        byte[] packet = tail;
        java.util.Arrays.fill(packet, (byte) 0);
        int mod4 = size & 3;
        int words = size & ~3;
        System.arraycopy(p, 0, packet, 0, words);
        if ((size & 16) != 0) {
            for (int i = 0; i < 4; i++) {
                packet[28 + i] = p[words + i + mod4 - 4];
            }
        } else if (mod4 != 0) {
            packet[16] = p[words];
            packet[17] = p[words + (mod4 >>> 1)];
            packet[18] = p[words + mod4 - 1];
        }
        return packet;
    }

    private static long rotate32By(long lane, int count) {
        long lo = Integer.toUnsignedLong(Integer.rotateLeft((int) lane, count));
        long hi = Integer.toUnsignedLong(Integer.rotateLeft((int) (lane >>> 32), count));
        return lo | (hi << 32);
    }

    /** One round per 32-byte packet (the same round as in {@link #finish}), with the state in locals. */
    private void packets(byte[] b, int off, int count) {
        long x00 = v00, x01 = v01, x02 = v02, x03 = v03;
        long x10 = v10, x11 = v11, x12 = v12, x13 = v13;
        long y00 = m00, y01 = m01, y02 = m02, y03 = m03;
        long y10 = m10, y11 = m11, y12 = m12, y13 = m13;
        for (int end = off + (count << 5); off < end; off += 32) {
            x10 += y00 + LittleEndian.u64(b, off);
            x11 += y01 + LittleEndian.u64(b, off + 8);
            x12 += y02 + LittleEndian.u64(b, off + 16);
            x13 += y03 + LittleEndian.u64(b, off + 24);
            y00 ^= (x10 & 0xffffffffL) * (x00 >>> 32);
            y01 ^= (x11 & 0xffffffffL) * (x01 >>> 32);
            y02 ^= (x12 & 0xffffffffL) * (x02 >>> 32);
            y03 ^= (x13 & 0xffffffffL) * (x03 >>> 32);
            x00 += y10;
            x01 += y11;
            x02 += y12;
            x03 += y13;
            y10 ^= (x00 & 0xffffffffL) * (x10 >>> 32);
            y11 ^= (x01 & 0xffffffffL) * (x11 >>> 32);
            y12 ^= (x02 & 0xffffffffL) * (x12 >>> 32);
            y13 ^= (x03 & 0xffffffffL) * (x13 >>> 32);
            x01 += zipperHigh(x11, x10);
            x00 += zipperLow(x11, x10);
            x03 += zipperHigh(x13, x12);
            x02 += zipperLow(x13, x12);
            x11 += zipperHigh(x01, x00);
            x10 += zipperLow(x01, x00);
            x13 += zipperHigh(x03, x02);
            x12 += zipperLow(x03, x02);
        }
        v00 = x00;
        v01 = x01;
        v02 = x02;
        v03 = x03;
        v10 = x10;
        v11 = x11;
        v12 = x12;
        v13 = x13;
        m00 = y00;
        m01 = y01;
        m02 = y02;
        m03 = y03;
        m10 = y10;
        m11 = y11;
        m12 = y12;
        m13 = y13;
    }

    /*
     * Zipper merge: a byte shuffle of two lanes chosen so that the bytes the 32×32 multiplies
     * mix best land where the next multiply reads them. zipperLow is added to the even lane,
     * zipperHigh to the odd one. Output bytes (0 = lowest), as lo[i] / hi[i]:
     *   zipperLow  = lo3 hi4 lo2 lo5 hi6 lo1 hi7 lo0
     *   zipperHigh = hi3 lo4 hi2 hi5 hi1 lo6 hi0 lo7
     * Each takes bytes 0-3 and 5 from one lane and 4, 6, 7 from the other, so both are a fixed
     * shuffle of one blend of the lanes (ZIP_MASK selects bytes 0-3 and 5): with
     * d = (lo ^ hi) & ZIP_MASK, zipperLow shuffles hi ^ d and zipperHigh lo ^ d. One blend serves
     * both, and each shuffle is 6 masked shifts instead of 7-8 (fewer instructions in C1 code).
     */
    private static final long ZIP_MASK = 0x0000_ff00_ffff_ffffL;

    private static long zipperLow(long hi, long lo) {
        return zipperLowOf(hi ^ ((lo ^ hi) & ZIP_MASK));
    }

    private static long zipperHigh(long hi, long lo) {
        return zipperHighOf(lo ^ ((lo ^ hi) & ZIP_MASK));
    }

    /** {@code zipperLow} of the blend {@code l} = lo0 lo1 lo2 lo3 hi4 lo5 hi6 hi7. */
    private static long zipperLowOf(long l) {
        return ((l >>> 24) & 0xffffL) | ((l >>> 16) & 0xffff_0000_00L) | (l & 0xff_0000L)
                | ((l & 0xff00L) << 32) | ((l >>> 8) & 0xff_0000_0000_0000L) | (l << 56);
    }

    /** {@code zipperHigh} of the blend {@code h} = hi0 hi1 hi2 hi3 lo4 hi5 lo6 lo7. */
    private static long zipperHighOf(long h) {
        return ((h >>> 24) & 0xffffL) | (h & 0xff00_0000_00ff_0000L) | ((h >>> 16) & 0xff00_0000L)
                | ((h >>> 8) & 0xff00_0000_0000L) | ((h & 0xff00L) << 24) | ((h & 0xffL) << 48);
    }
}
