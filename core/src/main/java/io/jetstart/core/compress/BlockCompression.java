package io.jetstart.core.compress;

import io.jetstart.core.format.CompressionEnvelope;
import io.jetstart.core.format.FormatException;
import java.util.Optional;

/**
 * A block file's bytes to its plaintext and back, through nats-server's {@code cmp} envelope
 * ({@link CompressionEnvelope}, spec §3.8): what {@code decompressIfNeeded} and
 * {@code atomicOverwriteFile} do.
 *
 * <p>Reading is two steps so the caller allocates once: {@link #inspect} reads the envelope and
 * walks the S2 chunk headers (no decoding, no allocation) and gives the exact plaintext length;
 * {@link #decode} then fills an array the caller sized. Errors carry offsets into the block file.
 *
 * <p>Design note: the server's {@code Decompress} ignores {@code origSize} and takes whatever the
 * stream decodes to. We read it as a ceiling: a stream decoding to more than the envelope declares
 * is refused before anything is allocated, so a hostile 100-byte file cannot make us allocate more
 * than it declares (itself capped by the caller's {@code maxPlaintext}). A stream decoding to less
 * is accepted, as the server accepts it (the server always writes the exact size, so either case
 * means the file was altered).
 */
public final class BlockCompression {
    /** The last record's checksum, which the envelope keeps uncompressed after the S2 stream. */
    public static final int TAIL = 8;

    private BlockCompression() {
    }

    /**
     * A compressed block as read from its envelope.
     *
     * @param algorithm       {@link CompressionEnvelope#NONE} or {@link CompressionEnvelope#S2}
     * @param headerLength    bytes of "cmp", algorithm and size varint; the body starts here
     * @param declaredSize    the envelope's {@code origSize}
     * @param plaintextLength the length the block decodes to, its 8-byte tail included
     * @param storedLength    the block file's length
     */
    public record Compressed(int algorithm, int headerLength, long declaredSize, int plaintextLength, int storedLength) {
    }

    /**
     * The envelope of block bytes {@code buf[0, len)} with its S2 framing checked, or empty for a
     * plain block.
     *
     * @param maxPlaintext the largest plaintext the caller will hold; a larger declared size is an error
     */
    public static Optional<Compressed> inspect(byte[] buf, int len, int maxPlaintext) throws FormatException {
        Optional<CompressionEnvelope.Header> h = CompressionEnvelope.header(buf, len);
        if (h.isEmpty()) {
            return Optional.empty();
        }
        CompressionEnvelope.Header header = h.get();
        int start = header.headerLength();
        if (len - start < TAIL) {
            throw new FormatException(start, "compressed block body is " + (len - start) + " bytes, shorter than the "
                    + TAIL + "-byte checksum that ends it");
        }
        if (header.algorithm() == CompressionEnvelope.NONE) {
            // The server's Decompress returns the rest as is: the plaintext, tail included.
            return Optional.of(new Compressed(header.algorithm(), start, header.originalSize(), len - start, len));
        }
        long declared = header.originalSize();
        if (declared < TAIL) {
            throw new FormatException(4, "compressed block declares " + declared + " plaintext bytes, fewer than its "
                    + TAIL + "-byte checksum");
        }
        if (declared > maxPlaintext) {
            throw new FormatException(4, "compressed block declares " + declared + " plaintext bytes, more than the "
                    + maxPlaintext + " a block may hold");
        }
        long body = S2Stream.decodedLength(buf, start, len - TAIL, 0, declared - TAIL);
        return Optional.of(new Compressed(header.algorithm(), start, declared, (int) (body + TAIL), len));
    }

    /**
     * Decodes the block bytes {@code src[0, c.storedLength())} that {@link #inspect} described into
     * {@code dst[0, c.plaintextLength())}. {@code src} and {@code dst} must be different arrays.
     */
    public static void decode(Compressed c, byte[] src, byte[] dst) throws FormatException {
        if (src == dst) {
            throw new IllegalArgumentException("decoding in place is not possible");
        }
        int tailAt = c.storedLength() - TAIL;
        if (c.algorithm() == CompressionEnvelope.NONE) {
            System.arraycopy(src, c.headerLength(), dst, 0, c.plaintextLength());
            return;
        }
        int body = c.plaintextLength() - TAIL;
        S2Stream.decode(src, c.headerLength(), tailAt, dst, 0, body, 0);
        System.arraycopy(src, tailAt, dst, body, TAIL);
    }

    /** The plaintext of block bytes {@code buf[0, len)}: a copy, decoded when the block is compressed. */
    public static byte[] plaintext(byte[] buf, int len, int maxPlaintext) throws FormatException {
        Optional<Compressed> c = inspect(buf, len, maxPlaintext);
        if (c.isEmpty()) {
            return java.util.Arrays.copyOf(buf, len);
        }
        byte[] out = new byte[c.get().plaintextLength()];
        decode(c.get(), buf, out);
        return out;
    }

    /**
     * A block's plaintext {@code plain[off, off + len)} as the server writes a sealed block of a
     * {@code compression: s2} stream: "cmp", 1, uvarint(len), the S2 stream of all but the last
     * 8 bytes, then those 8 bytes.
     */
    public static byte[] compress(byte[] plain, int off, int len) {
        if (len < TAIL) {
            throw new IllegalArgumentException("a block shorter than its " + TAIL + "-byte checksum cannot be compressed: " + len);
        }
        byte[] stream = S2Stream.encode(plain, off, len - TAIL);
        byte[] header = new byte[14];
        header[0] = 'c';
        header[1] = 'm';
        header[2] = 'p';
        header[3] = CompressionEnvelope.S2;
        int h = 4;
        long v = len;
        while (v >= 0x80) {
            header[h++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        header[h++] = (byte) v;
        byte[] out = new byte[h + stream.length + TAIL];
        System.arraycopy(header, 0, out, 0, h);
        System.arraycopy(stream, 0, out, h, stream.length);
        System.arraycopy(plain, off + len - TAIL, out, h + stream.length, TAIL);
        return out;
    }
}
