package io.jetstart.core.format;

import java.util.Arrays;

/** Growable little-endian writer with Go's uvarint/varint encodings. Not thread-safe. */
public final class ByteWriter {
    private byte[] buf;
    private int len;

    public ByteWriter() {
        this(256);
    }

    public ByteWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            long want = Math.max((long) buf.length * 2, (long) len + extra);
            if (want > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("buffer over 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    public ByteWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    public ByteWriter u16(int v) {
        ensure(2);
        LittleEndian.putU16(buf, len, v);
        len += 2;
        return this;
    }

    public ByteWriter u32(long v) {
        ensure(4);
        LittleEndian.putU32(buf, len, v);
        len += 4;
        return this;
    }

    public ByteWriter u64(long v) {
        ensure(8);
        LittleEndian.putU64(buf, len, v);
        len += 8;
        return this;
    }

    public ByteWriter uvarint(long v) {
        ensure(10);
        while (Long.compareUnsigned(v, 0x80) >= 0) {
            buf[len++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
        return this;
    }

    public ByteWriter varint(long v) {
        long ux = v << 1;
        if (v < 0) {
            ux = ~ux;
        }
        return uvarint(ux);
    }

    public ByteWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    public ByteWriter bytes(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    public int size() {
        return len;
    }

    /** The internal array; only the first {@link #size()} bytes are written. */
    public byte[] array() {
        return buf;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    public void reset() {
        len = 0;
    }
}
