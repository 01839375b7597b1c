package io.jetstart.core.hash.vector;

import io.jetstart.core.format.LittleEndian;
import io.jetstart.core.hash.RecordHash;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RecordHash} with HighwayHash-64's four 64-bit lanes in one 256-bit vector per state word:
 * the same rounds as {@link io.jetstart.core.hash.HighwayHash64}, one vector instruction where the
 * scalar code has four lane operations, and the zipper merge as one byte shuffle.
 *
 * <pre>
 *  state  v0, v1, mul0, mul1        four LongVector(4 × u64)
 *  round  v1   += mul0 + packet
 *         mul0 ^= lo32(v1) × hi32(v0)          (u32 × u32 → u64 per lane)
 *         v0   += mul1
 *         mul1 ^= lo32(v0) × hi32(v1)
 *         v0   += zipper(v1);  v1 += zipper(v0)
 *                 zipper: bytes 3 12 2 5 14 1 15 0 11 4 10 13 9 6 8 7 of each 16-byte half
 *  finish [tail round] + 4 rounds on permute(v0) = 32-bit lanes 5 4 7 6 1 0 3 2 of v0
 *  result lane 0 of v0 + v1 + mul0 + mul1
 * </pre>
 *
 * <p>Design note: everything a record's hash needs is in one method with the state in local
 * vectors, so C2 keeps it in registers (a vector stored in a field or passed between methods is
 * boxed). The record's three ranges are not joined: only the bytes before the first packet that
 * lies wholly in the last range are copied (sequence, timestamp, subject, and at most 31 bytes
 * more), and every later packet is read from the caller's array. On a CPU without native
 * 256-bit vectors the Vector API would fall back to Java code many times slower than the scalar
 * hash, which is why {@link #unsupportedReason()} exists and is asked first.
 */
public final class VectorRecordHash implements RecordHash {
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_256;
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_256;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    private static final VectorShuffle<Byte> ZIPPER = zipper();
    private static final VectorShuffle<Integer> PERMUTE_LANES = VectorShuffle.fromValues(INTS, 5, 4, 7, 6, 1, 0, 3, 2);
    private static final VectorMask<Byte> HIGH_HALF = VectorMask.fromLong(BYTES, 0xffff_0000L);
    private static final long LOW32 = 0xffffffffL;
    private static final int LOAD = 0;
    private static final int BLEND = 1;
    private static final int PERMUTE = 2;

    /** The keyed initial state: v0, v1, mul0, mul1, four lanes each. */
    private final long[] initial = new long[16];
    private final long[] state = new long[16];
    private final byte[] tail = new byte[32];
    private byte[] joined = new byte[64];

    /** @param key32 exactly 32 bytes, read as four little-endian u64 lanes */
    public VectorRecordHash(byte[] key32) {
        if (key32 == null || key32.length != 32) {
            throw new IllegalArgumentException("HighwayHash key must be 32 bytes, got "
                    + (key32 == null ? "null" : key32.length));
        }
        long[] mul0 = {0xdbe6d5d5fe4cce2fL, 0xa4093822299f31d0L, 0x13198a2e03707344L, 0x243f6a8885a308d3L};
        long[] mul1 = {0x3bd39e10cb0ef593L, 0xc0acf169b5f18a8cL, 0xbe5466cf34e90c6cL, 0x452821e638d01377L};
        for (int i = 0; i < 4; i++) {
            long k = LittleEndian.u64(key32, 8 * i);
            initial[i] = mul0[i] ^ k;
            initial[4 + i] = mul1[i] ^ Long.rotateLeft(k, 32);
            initial[8 + i] = mul0[i];
            initial[12 + i] = mul1[i];
        }
    }

    /**
     * Why this JVM should not use the vector hash ({@code null} when it should): the Vector API
     * runs 256-bit shapes as intrinsics only where the CPU has them (AVX2 on x86, SVE-256 or
     * wider elsewhere); anywhere else it is emulated in Java and far slower than scalar code.
     */
    public static String unsupportedReason() {
        int bits = ByteVector.SPECIES_PREFERRED.vectorBitSize();
        return bits >= 256 ? null
                : "the CPU's widest vector for bytes is " + bits + " bits (256 needed, e.g. AVX2)";
    }

    @Override
    public long hashRecord(byte[] b, int a, int s, int slen, int q, int m) {
        RecordHash.checkRange(b, a, 16);
        RecordHash.checkRange(b, s, slen);
        RecordHash.checkRange(b, q, m);
        if (q == s + slen) {
            // No header length between subject and payload: one range, read in place.
            q = s;
            m += slen;
            slen = 0;
        }
        // The first packet of a headerless record is seq+ts and the first 16 bytes of the rest:
        // two overlapping loads blended, nothing copied. Otherwise sequence and timestamp, the
        // subject and the first bytes of the last range up to a packet boundary are joined in a
        // buffer. Every packet after those is read in place.
        boolean blendFirst = slen == 0 && m >= 16 && q >= 16 && a <= b.length - 32;
        int lead;
        int top;
        byte[] j = joined;
        if (blendFirst) {
            lead = 32;
            top = 16;
        } else {
            lead = 16 + slen;
            top = Math.min(-lead & 31, m);
            j = joinedBuffer(lead + top);
            System.arraycopy(b, a, j, 0, 16);
            System.arraycopy(b, s, j, 16, slen);
            System.arraycopy(b, q, j, lead, top);
            lead += top;
        }
        q += top - lead;    // from here, packet offset `off` >= lead is b[q + off]
        int total = lead + m - top;
        int whole = total >>> 5;
        int size = total & 31;

        long[] st = state;
        System.arraycopy(initial, 0, st, 0, 16);
        for (int off = 0, end = whole << 5; off < end; off += 32) {
            if (off == 0 && blendFirst) {
                blendedRound(st, b, a, q);
            } else if (off < lead) {
                round(st, j, off);
            } else {
                round(st, b, q + off);
            }
        }
        if (size != 0) {
            int off = whole << 5;
            padTail(off < lead ? j : b, off < lead ? off : q + off, size);
            tailRound(st, tail, size);
        }
        for (int r = 0; r < 4; r++) {
            permuteRound(st);
        }
        return st[0] + st[4] + st[8] + st[12];
    }

    /*
     * The rounds. Design note: the state lives in `state` between rounds, and no vector is passed
     * to or returned from a method, or carried around a loop: every vector is made in `update` by
     * a load with a constant species, so C2 knows its exact class without a type profile. A vector
     * whose class C2 must guess (a loop-carried value, an argument of a call it did not inline)
     * is boxed on every operation; a compile made before the profile was rich (early, or from
     * little data) did exactly that and ran the hash 20 to 100 times slower for the rest of the
     * process. Now a call C2 does not inline costs a call, never a box. Loading and storing 128
     * bytes of state per round costs a few cycles.
     */

    private static void round(long[] st, byte[] src, int off) {
        update(st, LOAD, src, off, 0);
    }

    /** Seq+ts from {@code b[a, a+16)} and the next 16 bytes from {@code b[q+16, q+32)}. */
    private static void blendedRound(long[] st, byte[] b, int a, int q) {
        update(st, BLEND, b, a, q);
    }

    /** The remainder's length is folded into the state before its padded packet. */
    private static void tailRound(long[] st, byte[] packet, int size) {
        LongVector.fromArray(LONGS, st, 0).add(((long) size << 32) + size).intoArray(st, 0);
        LongVector.fromArray(LONGS, st, 4).reinterpretAsInts().lanewise(VectorOperators.ROL, size)
                .reinterpretAsLongs().intoArray(st, 4);
        update(st, LOAD, packet, 0, 0);
    }

    /** A finishing round: v0's lanes 2, 3, 0, 1, each rotated by 32 bits, are the input. */
    private static void permuteRound(long[] st) {
        update(st, PERMUTE, null, 0, 0);
    }

    /**
     * One round. The packet: {@code src[off, off+32)} (LOAD); {@code src[off, off+16)} then
     * {@code src[aux+16, aux+32)} (BLEND); v0 permuted (PERMUTE).
     */
    private static void update(long[] st, int kind, byte[] src, int off, int aux) {
        LongVector v0 = LongVector.fromArray(LONGS, st, 0);
        LongVector v1 = LongVector.fromArray(LONGS, st, 4);
        LongVector mul0 = LongVector.fromArray(LONGS, st, 8);
        LongVector mul1 = LongVector.fromArray(LONGS, st, 12);
        LongVector in;
        if (kind == PERMUTE) {
            in = v0.reinterpretAsInts().rearrange(PERMUTE_LANES).reinterpretAsLongs();
        } else if (kind == BLEND) {
            in = ByteVector.fromArray(BYTES, src, off).blend(ByteVector.fromArray(BYTES, src, aux), HIGH_HALF)
                    .reinterpretAsLongs();
        } else {
            in = ByteVector.fromArray(BYTES, src, off).reinterpretAsLongs();
        }
        v1 = v1.add(mul0).add(in);
        mul0 = mul0.lanewise(VectorOperators.XOR, v1.and(LOW32).mul(v0.lanewise(VectorOperators.LSHR, 32)));
        v0 = v0.add(mul1);
        mul1 = mul1.lanewise(VectorOperators.XOR, v0.and(LOW32).mul(v1.lanewise(VectorOperators.LSHR, 32)));
        v0 = v0.add(v1.reinterpretAsBytes().rearrange(ZIPPER).reinterpretAsLongs());
        v1 = v1.add(v0.reinterpretAsBytes().rearrange(ZIPPER).reinterpretAsLongs());
        v0.intoArray(st, 0);
        v1.intoArray(st, 4);
        mul0.intoArray(st, 8);
        mul1.intoArray(st, 12);
    }

    /*
     * The last 1..31 bytes laid into a zeroed packet as HighwayHash pads them: whole 4-byte words
     * first, then up to 4 bytes of the final partial word at fixed places.
     */
    private void padTail(byte[] src, int off, int size) {
        byte[] packet = tail;
        Arrays.fill(packet, (byte) 0);
        int mod4 = size & 3;
        int words = size & ~3;
        System.arraycopy(src, off, packet, 0, words);
        int last = off + words;
        if ((size & 16) != 0) {
            System.arraycopy(src, last + mod4 - 4, packet, 28, 4);
        } else if (mod4 != 0) {
            packet[16] = src[last];
            packet[17] = src[last + (mod4 >>> 1)];
            packet[18] = src[last + mod4 - 1];
        }
    }

    /** The join buffer, grown to {@code n} (at most the caller's array plus 48 bytes: ranges are checked). */
    private byte[] joinedBuffer(int n) {
        if (joined.length < n) {
            joined = new byte[Math.max(n, 2 * joined.length)];
        }
        return joined;
    }

    private static VectorShuffle<Byte> zipper() {
        int[] half = {3, 12, 2, 5, 14, 1, 15, 0, 11, 4, 10, 13, 9, 6, 8, 7};
        int[] both = new int[32];
        for (int i = 0; i < 16; i++) {
            both[i] = half[i];
            both[16 + i] = 16 + half[i];
        }
        return VectorShuffle.fromArray(BYTES, both, 0);
    }
}
