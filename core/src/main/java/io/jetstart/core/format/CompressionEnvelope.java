package io.jetstart.core.format;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the header of the compression envelope nats-server puts around a sealed block of a stream
 * with {@code compression: s2} (spec §3.8). The header only: decoding the body is
 * {@link io.jetstart.core.compress.BlockCompression}'s.
 *
 * <pre>
 *  "c" "m" "p"   3 bytes 0x63 0x6d 0x70
 *  alg           1 byte: 0 = none (the plaintext follows as is), 1 = S2
 *  origSize      uvarint: plaintext length, its final 8 bytes included
 *  body          S2 stream of plaintext[0, origSize-8)
 *  tail          plaintext's last 8 bytes (the last record's checksum), uncompressed
 * </pre>
 *
 * <p>Design note: the server tests every block load this way, whatever the stream config says,
 * so we do too. A plain block whose first {@code rl} bytes happen to read {@code 63 6d 70 xx}
 * (a first record of about 7 MiB) is misread the same way by the server; that is accepted.
 */
public final class CompressionEnvelope {
    public static final int NONE = 0;
    public static final int S2 = 1;
    private static final int MIN_LENGTH = 5;

    private CompressionEnvelope() {
    }

    /**
     * The decoded envelope header.
     *
     * @param algorithm    {@link #NONE} or {@link #S2}
     * @param originalSize plaintext length including its final 8 bytes
     * @param headerLength bytes of "cmp" + alg + uvarint, where the body starts
     */
    public record Header(int algorithm, long originalSize, int headerLength) {
    }

    /** The envelope header of {@code buf[0, len)}, or empty when the block is plain. */
    public static Optional<Header> header(byte[] buf, int len) throws FormatException {
        if (len < 0 || len > buf.length) {
            throw new IllegalArgumentException("length " + len + " outside a buffer of " + buf.length);
        }
        if (len < MIN_LENGTH || buf[0] != 'c' || buf[1] != 'm' || buf[2] != 'p') {
            return Optional.empty();
        }
        int alg = buf[3] & 0xff;
        ByteReader r = new ByteReader(buf, 4, len - 4);
        long size;
        try {
            size = r.uvarint("original size");
        } catch (FormatException e) {
            throw new FormatException(4, "compression metadata incomplete: " + e.reason());
        }
        if (alg != NONE && alg != S2) {
            throw new FormatException(3, "compression algorithm not known: " + alg + " (expected 0 = none or 1 = S2)");
        }
        return Optional.of(new Header(alg, size, r.position()));
    }

    /** The plaintext size declared by the envelope, or empty when {@code buf[0, len)} has none. */
    public static OptionalLong originalSize(byte[] buf, int len) throws FormatException {
        Optional<Header> h = header(buf, len);
        return h.isPresent() ? OptionalLong.of(h.get().originalSize()) : OptionalLong.empty();
    }
}
