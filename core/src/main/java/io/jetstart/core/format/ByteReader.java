package io.jetstart.core.format;

/**
 * Bounded little-endian reader over a byte array slice, with Go's uvarint/varint encodings.
 *
 * <p>Every read checks what remains first and throws {@link FormatException} with the offset,
 * so a hostile length can never index out of bounds or drive an allocation. Not thread-safe:
 * one reader per decode.
 */
public final class ByteReader {
    private final byte[] buf;
    private final int end;
    private int pos;

    public ByteReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public ByteReader(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buf.length) {
            throw new IllegalArgumentException("slice " + offset + "+" + length + " outside " + buf.length);
        }
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    public int position() {
        return pos;
    }

    public int remaining() {
        return end - pos;
    }

    public boolean hasRemaining() {
        return pos < end;
    }

    public byte[] array() {
        return buf;
    }

    private void need(int n, String what) throws FormatException {
        if (n < 0 || end - pos < n) {
            throw new FormatException(pos, "truncated " + what + ": need " + n + " bytes, " + (end - pos) + " remain");
        }
    }

    public int u8(String what) throws FormatException {
        need(1, what);
        return buf[pos++] & 0xff;
    }

    public int u16(String what) throws FormatException {
        need(2, what);
        int v = LittleEndian.u16(buf, pos);
        pos += 2;
        return v;
    }

    public long u32(String what) throws FormatException {
        need(4, what);
        long v = LittleEndian.u32(buf, pos);
        pos += 4;
        return v;
    }

    public long u64(String what) throws FormatException {
        need(8, what);
        long v = LittleEndian.u64(buf, pos);
        pos += 8;
        return v;
    }

    /** Go {@code binary.Uvarint}: at most 10 bytes; a truncated or overlong value is corrupt. */
    public long uvarint(String what) throws FormatException {
        long x = 0;
        int s = 0;
        int start = pos;
        for (int i = 0; i < 10; i++) {
            if (pos >= end) {
                throw new FormatException(start, "truncated uvarint " + what);
            }
            int b = buf[pos++] & 0xff;
            if (b < 0x80) {
                if (i == 9 && b > 1) {
                    throw new FormatException(start, "uvarint " + what + " overflows 64 bits");
                }
                return x | ((long) b << s);
            }
            x |= (long) (b & 0x7f) << s;
            s += 7;
        }
        throw new FormatException(start, "uvarint " + what + " longer than 10 bytes");
    }

    /** Go {@code binary.Varint}: zig-zag over a uvarint. */
    public long varint(String what) throws FormatException {
        long ux = uvarint(what);
        long x = ux >>> 1;
        if ((ux & 1) != 0) {
            x = ~x;
        }
        return x;
    }

    /** A length read from the file, checked against what remains before the caller allocates. */
    public int length(long declared, String what) throws FormatException {
        if (declared < 0 || declared > remaining()) {
            throw new FormatException(pos, what + " length " + Long.toUnsignedString(declared)
                    + " exceeds the " + remaining() + " bytes that remain");
        }
        return (int) declared;
    }

    public byte[] bytes(int n, String what) throws FormatException {
        need(n, what);
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    public void skip(int n, String what) throws FormatException {
        need(n, what);
        pos += n;
    }
}
