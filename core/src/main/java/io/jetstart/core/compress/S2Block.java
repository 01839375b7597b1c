package io.jetstart.core.compress;

import io.jetstart.core.format.FormatException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The S2 block format (drawn in {@link io.jetstart.core.compress the package doc}): one
 * length-prefixed sequence of literals and copies, decoded into a caller's array and encoded from
 * one. Every position reported in an error is an index into the source array plus {@code base}, so
 * a caller passing the file's bytes gets file offsets.
 */
final class S2Block {
    /** The longest varint a block's decoded length may take (Go: {@code decodedLen}, n &lt;= 5). */
    static final int MAX_LENGTH_VARINT = 5;

    private static final int TAG_LITERAL = 0;
    private static final int TAG_COPY1 = 1;
    private static final int TAG_COPY2 = 2;
    private static final int TAG_COPY4 = 3;

    /** Unaligned little-endian 8-byte access to byte arrays (bounds-checked by the JVM). */
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private static final int HASH_BITS = 14;
    /** Inputs shorter than this are stored as one literal: a match needs room to pay. */
    private static final int MIN_MATCH_INPUT = 16;

    private S2Block() {
    }

    /**
     * The decoded length varint at {@code src[pos, end)}: {@code [value, bytesUsed]}.
     *
     * @throws FormatException for a varint that is truncated, longer than 5 bytes or above 2^32-1
     */
    static long[] decodedLength(byte[] src, int pos, int end, long base) throws FormatException {
        long v = 0;
        for (int i = 0; i < MAX_LENGTH_VARINT; i++) {
            if (pos + i >= end) {
                throw new FormatException(base + pos, "S2 block length varint truncated after " + i + " bytes");
            }
            int b = src[pos + i] & 0xff;
            v |= (long) (b & 0x7f) << (7 * i);
            if (b < 0x80) {
                if (v > 0xffff_ffffL) {
                    throw new FormatException(base + pos, "S2 block length " + v + " is above 2^32-1");
                }
                return new long[] {v, i + 1};
            }
        }
        throw new FormatException(base + pos, "S2 block length varint longer than " + MAX_LENGTH_VARINT + " bytes");
    }

    /**
     * Decodes the elements in {@code src[s, end)} (the length varint already read) into exactly
     * {@code dst[dStart, dStart + dLen)}; nothing is written outside that range.
     *
     * <p>Design note: the first loop runs while at least 5 input bytes remain (the longest element
     * header), so it needs no per-byte bounds checks for headers, and copies short literals and
     * matches 8 bytes at a time while at least 16 bytes of output room remain (never past
     * {@code dEnd}); the last few elements go through the checked loop below. Every length and
     * offset is still checked against the input and the output before anything is copied.
     */
    static void decode(byte[] src, int s, int end, byte[] dst, int dStart, int dLen, long base) throws FormatException {
        int d = dStart;
        final int dEnd = dStart + dLen;
        int offset = 0; // the previous copy's offset, which a repeat reuses
        final int fastEnd = end - 5;
        while (s < fastEnd) {
            final int at = s;
            final int b = src[s] & 0xff;
            int length;
            switch (b & 3) {
                case TAG_LITERAL -> {
                    int m = b >>> 2;
                    long n;
                    if (m < 60) {
                        n = m + 1;
                        s += 1;
                    } else {
                        int extra = m - 59;
                        n = leUnsigned(src, s + 1, extra) + 1;
                        s += 1 + extra;
                    }
                    if (n > end - s || n > dEnd - d) {
                        throw literalPastEnd(at, n, end - s, d - dStart, dLen, base);
                    }
                    int ln = (int) n;
                    if (ln <= 16 && s + 16 <= end && d + 16 <= dEnd) {
                        LONG.set(dst, d, (long) LONG.get(src, s));
                        LONG.set(dst, d + 8, (long) LONG.get(src, s + 8));
                    } else {
                        System.arraycopy(src, s, dst, d, ln);
                    }
                    s += ln;
                    d += ln;
                    continue;
                }
                case TAG_COPY1 -> {
                    int code = (b >>> 2) & 7;
                    int off = ((b & 0xe0) << 3) | (src[s + 1] & 0xff);
                    if (off != 0) {
                        offset = off;
                        length = code + 4;
                        s += 2;
                    } else {
                        // S2's repeat: the previous offset again, with a longer length encoding.
                        switch (code) {
                            case 5 -> {
                                length = (src[s + 2] & 0xff) + 8;
                                s += 3;
                            }
                            case 6 -> {
                                length = (int) leUnsigned(src, s + 2, 2) + 260;
                                s += 4;
                            }
                            case 7 -> {
                                length = (int) leUnsigned(src, s + 2, 3) + 65540;
                                s += 5;
                            }
                            default -> {
                                length = code + 4;
                                s += 2;
                            }
                        }
                        if (offset == 0) {
                            throw repeatWithoutOffset(at, base);
                        }
                    }
                }
                case TAG_COPY2 -> {
                    length = (b >>> 2) + 1;
                    offset = (int) leUnsigned(src, s + 1, 2);
                    s += 3;
                }
                default -> {
                    length = (b >>> 2) + 1;
                    long off = leUnsigned(src, s + 1, 4);
                    s += 5;
                    if (off > Integer.MAX_VALUE) {
                        throw new FormatException(base + at, "S2 copy offset " + off + " reaches before the start of the block"
                                + " (output position " + (d - dStart) + ")");
                    }
                    offset = (int) off;
                }
            }
            d = checkedCopy(at, dst, d, dStart, dEnd, offset, length, base);
        }
        decodeChecked(src, s, end, dst, dStart, dEnd, d, offset, base);
    }

    /** A copy's checks, then the copy: 8 bytes at a time when it does not overlap and room remains. */
    private static int checkedCopy(int at, byte[] dst, int d, int dStart, int dEnd, int offset, int length, long base)
            throws FormatException {
        if (offset <= 0 || offset > d - dStart || length > dEnd - d) {
            throw badCopy(at, offset, length, d - dStart, dEnd - dStart, base);
        }
        if (offset >= 8 && d + length + 8 <= dEnd) {
            int from = d - offset;
            for (int i = 0; i < length; i += 8) {
                LONG.set(dst, d + i, (long) LONG.get(dst, from + i));
            }
            return d + length;
        }
        return copyBack(dst, d, offset, length);
    }

    /** The checked loop: the last elements, where fewer than 5 input bytes remain. */
    private static void decodeChecked(byte[] src, int s, int end, byte[] dst, int dStart, int dEnd, int d, int prevOffset,
                                      long base) throws FormatException {
        final int dLen = dEnd - dStart;
        long offset = prevOffset;
        while (s < end) {
            final int at = s;
            final int b = src[s] & 0xff;
            long length;
            switch (b & 3) {
                case TAG_LITERAL -> {
                    int m = b >>> 2;
                    if (m < 60) {
                        length = m + 1;
                        s += 1;
                    } else {
                        int extra = m - 59;
                        need(at, 1 + extra, end, "literal length", base);
                        length = leUnsigned(src, s + 1, extra) + 1;
                        s += 1 + extra;
                    }
                    if (length > end - s || length > dEnd - d) {
                        throw literalPastEnd(at, length, end - s, d - dStart, dLen, base);
                    }
                    System.arraycopy(src, s, dst, d, (int) length);
                    s += (int) length;
                    d += (int) length;
                    continue;
                }
                case TAG_COPY1 -> {
                    need(at, 2, end, "copy", base);
                    int code = (b >>> 2) & 7;
                    int off = ((b & 0xe0) << 3) | (src[s + 1] & 0xff);
                    s += 2;
                    if (off != 0) {
                        offset = off;
                        length = code + 4;
                    } else {
                        switch (code) {
                            case 5 -> {
                                need(at, 3, end, "repeat length", base);
                                length = (src[s] & 0xff) + 8L;
                                s += 1;
                            }
                            case 6 -> {
                                need(at, 4, end, "repeat length", base);
                                length = leUnsigned(src, s, 2) + 260;
                                s += 2;
                            }
                            case 7 -> {
                                need(at, 5, end, "repeat length", base);
                                length = leUnsigned(src, s, 3) + 65540;
                                s += 3;
                            }
                            default -> length = code + 4;
                        }
                    }
                }
                case TAG_COPY2 -> {
                    need(at, 3, end, "copy", base);
                    length = (b >>> 2) + 1;
                    offset = leUnsigned(src, s + 1, 2);
                    s += 3;
                }
                default -> {
                    need(at, 5, end, "copy", base);
                    length = (b >>> 2) + 1;
                    offset = leUnsigned(src, s + 1, 4);
                    s += 5;
                }
            }
            if (offset <= 0 || offset > d - dStart || length > dEnd - d) {
                throw badCopy(at, offset, length, d - dStart, dLen, base);
            }
            d = copyBack(dst, d, (int) offset, (int) length);
        }
        if (d != dEnd) {
            throw new FormatException(base + end, "S2 block decodes to " + (d - dStart) + " bytes, its header declares " + dLen);
        }
    }

    private static FormatException literalPastEnd(int at, long n, int srcLeft, int outPos, int dLen, long base) {
        if (n > srcLeft) {
            return new FormatException(base + at, "S2 literal of " + n + " bytes runs past the end of the"
                    + " compressed data (" + srcLeft + " bytes left)");
        }
        return new FormatException(base + at, "S2 literal of " + n + " bytes at output position " + outPos
                + " runs past the declared length " + dLen);
    }

    private static FormatException repeatWithoutOffset(int s, long base) {
        return new FormatException(base + s, "S2 copy with offset 0 (a repeat before any copy set an offset)");
    }

    private static FormatException badCopy(int at, long offset, long length, int outPos, int dLen, long base) {
        if (offset <= 0) {
            return new FormatException(base + at, "S2 copy with offset 0 (or a repeat before any copy set an offset)");
        }
        if (offset > outPos) {
            return new FormatException(base + at, "S2 copy offset " + offset + " reaches before the start of the block"
                    + " (output position " + outPos + ")");
        }
        return new FormatException(base + at, "S2 copy of " + length + " bytes at output position " + outPos
                + " runs past the declared length " + dLen);
    }

    /**
     * Copies {@code length} bytes from {@code offset} back to {@code d}; when they overlap, the
     * pattern of {@code offset} bytes repeats. Each round copies what is already written, so the
     * source window doubles and a run of one byte costs log2(length) array copies.
     */
    private static int copyBack(byte[] dst, int d, int offset, int length) {
        int from = d - offset;
        int stop = d + length;
        while (d < stop) {
            int n = Math.min(d - from, stop - d);
            System.arraycopy(dst, from, dst, d, n);
            d += n;
        }
        return d;
    }

    private static void need(int at, int bytes, int end, String what, long base) throws FormatException {
        if (at + bytes > end) {
            throw new FormatException(base + at, "S2 " + what + " element needs " + bytes + " bytes, "
                    + (end - at) + " left in the compressed data");
        }
    }

    private static long leUnsigned(byte[] b, int pos, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) (b[pos + i] & 0xff) << (8 * i);
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------
    // Encoding

    /**
     * Encodes {@code src[sOff, sOff + n)} as one block (length varint included) into {@code dst}
     * from {@code dOff}, using at most {@code n} bytes there.
     *
     * @return the bytes written, or -1 when the block would not be smaller than {@code n} (the
     *         caller then stores the input uncompressed)
     */
    static int encode(byte[] src, int sOff, int n, byte[] dst, int dOff) {
        final int dLimit = dOff + n;
        int d = putUvarint(dst, dOff, n, dLimit);
        if (d < 0) {
            return -1;
        }
        if (n < MIN_MATCH_INPUT) {
            d = literal(src, sOff, n, dst, d, dLimit);
            return d < 0 ? -1 : d - dOff;
        }
        // Greedy LZ77 over 4-byte hashes: the table holds the last position (+1, 0 = empty) of
        // each hash. Misses accelerate (skip grows by 1 every 32 misses) through data that does
        // not compress, so a block of random bytes costs a fraction of a pass.
        int[] table = new int[1 << HASH_BITS];
        final int end = sOff + n;
        final int last = end - 8; // keep room for the 4-byte loads
        int s = sOff;
        int pending = sOff; // start of the literal run not yet written
        int lastOffset = 0;
        int misses = 32;
        while (s < last) {
            int word = le32(src, s);
            int h = hash(word);
            int cand = table[h] - 1 + sOff;
            table[h] = s - sOff + 1;
            if (cand < sOff || le32(src, cand) != word || (s - cand >= 65536 && !longerThan4(src, cand, s, end))) {
                s += misses++ >> 5;
                continue;
            }
            misses = 32;
            // Extend backwards into the pending literals, then forwards.
            while (s > pending && cand > sOff && src[s - 1] == src[cand - 1]) {
                s--;
                cand--;
            }
            int m = 4;
            // Eight bytes at a time: the first differing byte is the lowest set bit of the XOR.
            while (s + m + 8 <= end) {
                long diff = (long) LONG.get(src, cand + m) ^ (long) LONG.get(src, s + m);
                if (diff != 0) {
                    m += Long.numberOfTrailingZeros(diff) >>> 3;
                    break;
                }
                m += 8;
            }
            if (s + m + 8 > end) {
                while (s + m < end && src[cand + m] == src[s + m]) {
                    m++;
                }
            }
            d = literal(src, pending, s - pending, dst, d, dLimit);
            if (d < 0) {
                return -1;
            }
            int offset = s - cand;
            d = offset == lastOffset ? repeat(dst, d, m, dLimit) : copy(dst, d, offset, m, dLimit);
            if (d < 0) {
                return -1;
            }
            lastOffset = offset;
            s += m;
            pending = s;
            if (s - 2 < last && s - 2 > sOff) {
                table[hash(le32(src, s - 2))] = s - 2 - sOff + 1;
            }
        }
        d = literal(src, pending, end - pending, dst, d, dLimit);
        return d < 0 ? -1 : d - dOff;
    }

    /** A copy4 costs 5 bytes: only worth taking for a match of 5 or more. */
    private static boolean longerThan4(byte[] src, int cand, int s, int end) {
        return s + 4 < end && src[cand + 4] == src[s + 4];
    }

    private static int hash(int word) {
        return (word * 0x1e35a7bd) >>> (32 - HASH_BITS);
    }

    private static int le32(byte[] b, int p) {
        return (int) INT.get(b, p);
    }

    private static int putUvarint(byte[] dst, int d, long v, int dLimit) {
        while (v >= 0x80) {
            if (d >= dLimit) {
                return -1;
            }
            dst[d++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        if (d >= dLimit) {
            return -1;
        }
        dst[d++] = (byte) v;
        return d;
    }

    /** Writes {@code n} literal bytes; returns the new position, or -1 when they do not fit. */
    private static int literal(byte[] src, int from, int n, byte[] dst, int d, int dLimit) {
        if (n == 0) {
            return d;
        }
        int v = n - 1;
        int extra = v < 60 ? 0 : v < 1 << 8 ? 1 : v < 1 << 16 ? 2 : v < 1 << 24 ? 3 : 4;
        if (d + 1 + extra + n > dLimit) {
            return -1;
        }
        if (extra == 0) {
            dst[d++] = (byte) (v << 2);
        } else {
            dst[d++] = (byte) ((59 + extra) << 2);
            for (int i = 0; i < extra; i++) {
                dst[d++] = (byte) (v >>> (8 * i));
            }
        }
        System.arraycopy(src, from, dst, d, n);
        return d + n;
    }

    /**
     * A copy of {@code length >= 4} bytes from {@code offset} back: a copy1/copy2/copy4 of up to 64
     * bytes, the rest (at least 4) as repeats of the same offset.
     */
    private static int copy(byte[] dst, int d, int offset, int length, int dLimit) {
        if (length <= 11 && offset < 2048) {
            if (d + 2 > dLimit) {
                return -1;
            }
            dst[d++] = (byte) (((offset >>> 8) << 5) | ((length - 4) << 2) | TAG_COPY1);
            dst[d++] = (byte) offset;
            return d;
        }
        int first = length <= 64 ? length : (length - 64 >= 4 ? 64 : length - 4);
        if (offset < 65536) {
            if (d + 3 > dLimit) {
                return -1;
            }
            dst[d++] = (byte) (((first - 1) << 2) | TAG_COPY2);
            dst[d++] = (byte) offset;
            dst[d++] = (byte) (offset >>> 8);
        } else {
            if (d + 5 > dLimit) {
                return -1;
            }
            dst[d++] = (byte) (((first - 1) << 2) | TAG_COPY4);
            dst[d++] = (byte) offset;
            dst[d++] = (byte) (offset >>> 8);
            dst[d++] = (byte) (offset >>> 16);
            dst[d++] = (byte) (offset >>> 24);
        }
        return first == length ? d : repeat(dst, d, length - first, dLimit);
    }

    /** {@code length >= 4} more bytes from the previous copy's offset, as S2 repeat elements. */
    private static int repeat(byte[] dst, int d, int length, int dLimit) {
        while (length > 0) {
            int n;
            if (length <= 8) {
                if (d + 2 > dLimit) {
                    return -1;
                }
                dst[d++] = (byte) (((length - 4) << 2) | TAG_COPY1);
                dst[d++] = 0;
                n = length;
            } else if (length <= 263) {
                if (d + 3 > dLimit) {
                    return -1;
                }
                dst[d++] = (byte) ((5 << 2) | TAG_COPY1);
                dst[d++] = 0;
                dst[d++] = (byte) (length - 8);
                n = length;
            } else if (length <= 65795) {
                if (d + 4 > dLimit) {
                    return -1;
                }
                int v = length - 260;
                dst[d++] = (byte) ((6 << 2) | TAG_COPY1);
                dst[d++] = 0;
                dst[d++] = (byte) v;
                dst[d++] = (byte) (v >>> 8);
                n = length;
            } else {
                // At most 16842755 per element, and the remainder must stay >= 4.
                n = Math.min(length, 16842755);
                if (length - n > 0 && length - n < 4) {
                    n = length - 4;
                }
                if (d + 5 > dLimit) {
                    return -1;
                }
                int v = n - 65540;
                dst[d++] = (byte) ((7 << 2) | TAG_COPY1);
                dst[d++] = 0;
                dst[d++] = (byte) v;
                dst[d++] = (byte) (v >>> 8);
                dst[d++] = (byte) (v >>> 16);
            }
            length -= n;
        }
        return d;
    }
}
