package io.jetstart.core.compress;

import io.jetstart.core.format.FormatException;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The S2 stream (framing) format drawn in {@link io.jetstart.core.compress the package doc}:
 * {@link #decodedLength} walks and checks the chunk headers without decoding, {@link #decode}
 * decodes into an array of exactly that length, {@link #encode} writes what {@code s2.NewWriter}
 * reads (and what nats-server's {@code Decompress} accepts).
 *
 * <p>Limits are those of klauspost's {@code s2.Reader} with its defaults, so we refuse what the
 * server refuses: a chunk decodes to at most 4 MiB (64 KiB in a Snappy-identified stream), and a
 * compressed chunk is at most {@code MaxEncodedLen(4 MiB) + 4} bytes long.
 */
public final class S2Stream {
    /** The largest decoded chunk {@code s2.Reader} accepts by default ({@code maxBlockSize}). */
    static final int MAX_CHUNK_DECODED = 4 << 20;
    /** Snappy framing's limit on a chunk's decoded size. */
    static final int MAX_SNAPPY_CHUNK_DECODED = 1 << 16;
    /** {@code MaxEncodedLen(4 MiB) + checksumSize}: 4,194,304 + 4 (varint) + 4 (literal tag) + 4. */
    static final int MAX_CHUNK_LENGTH = MAX_CHUNK_DECODED + 12;
    /** The input size per chunk {@code s2.NewWriter} uses by default. */
    static final int WRITER_CHUNK = 1 << 20;

    static final int CHUNK_COMPRESSED = 0x00;
    static final int CHUNK_UNCOMPRESSED = 0x01;
    static final int CHUNK_STREAM_ID = 0xff;
    private static final byte[] MAGIC_S2 = {'S', '2', 's', 'T', 'w', 'O'};
    private static final byte[] MAGIC_SNAPPY = {'s', 'N', 'a', 'P', 'p', 'Y'};

    private S2Stream() {
    }

    /**
     * Walks the chunks of {@code src[off, end)}, checking every header, length and chunk type, and
     * returns the total decoded length. Reads no payload beyond the compressed chunks' length
     * varints, so it is cheap and allocates nothing.
     *
     * @param base   added to every reported offset (e.g. where {@code src[0]} sits in its file)
     * @param limit  the most bytes the stream may decode to; beyond it is an error
     */
    public static long decodedLength(byte[] src, int off, int end, long base, long limit) throws FormatException {
        check(src, off, end);
        long total = 0;
        int p = off;
        boolean identified = false;
        boolean snappy = false;
        while (p < end) {
            final int at = p;
            if (end - p < 4) {
                throw new FormatException(base + at, "S2 chunk header truncated: " + (end - p) + " of 4 bytes");
            }
            int type = src[p] & 0xff;
            int length = (src[p + 1] & 0xff) | (src[p + 2] & 0xff) << 8 | (src[p + 3] & 0xff) << 16;
            p += 4;
            if (length > end - p) {
                throw new FormatException(base + at, "S2 chunk of type 0x" + Integer.toHexString(type) + " declares "
                        + length + " bytes, " + (end - p) + " left");
            }
            if (!identified && type != CHUNK_STREAM_ID) {
                throw new FormatException(base + at, "S2 stream does not start with its stream identifier chunk"
                        + " (found chunk type 0x" + Integer.toHexString(type) + ")");
            }
            long n;
            switch (type) {
                case CHUNK_STREAM_ID -> {
                    if (length != MAGIC_S2.length) {
                        throw new FormatException(base + at, "S2 stream identifier of " + length + " bytes (expected 6)");
                    }
                    if (Arrays.equals(src, p, p + 6, MAGIC_S2, 0, 6)) {
                        snappy = false;
                    } else if (Arrays.equals(src, p, p + 6, MAGIC_SNAPPY, 0, 6)) {
                        snappy = true;
                    } else {
                        throw new FormatException(base + p, "S2 stream identifier is not \"S2sTwO\" nor \"sNaPpY\"");
                    }
                    identified = true;
                    n = 0;
                }
                case CHUNK_COMPRESSED -> {
                    if (length < 4) {
                        throw new FormatException(base + at, "S2 compressed chunk of " + length + " bytes, shorter than its checksum");
                    }
                    if (length > MAX_CHUNK_LENGTH) {
                        throw new FormatException(base + at, "S2 compressed chunk of " + length + " bytes, more than the "
                                + MAX_CHUNK_LENGTH + " a reader accepts");
                    }
                    n = S2Block.decodedLength(src, p + 4, p + length, base)[0];
                }
                case CHUNK_UNCOMPRESSED -> {
                    if (length < 4) {
                        throw new FormatException(base + at, "S2 uncompressed chunk of " + length + " bytes, shorter than its checksum");
                    }
                    n = length - 4;
                }
                default -> {
                    if (type <= 0x7f) {
                        throw new FormatException(base + at, "S2 chunk type 0x" + Integer.toHexString(type)
                                + " is reserved and not skippable");
                    }
                    n = 0; // padding, seek index and other skippable chunks
                }
            }
            long max = snappy ? MAX_SNAPPY_CHUNK_DECODED : MAX_CHUNK_DECODED;
            if (n > max) {
                throw new FormatException(base + at, "S2 chunk decodes to " + n + " bytes, more than the " + max + " allowed");
            }
            total += n;
            if (total > limit) {
                throw new FormatException(base + at, "S2 stream decodes to more than the " + limit + " bytes declared");
            }
            p += length;
        }
        return total;
    }

    /**
     * Decodes {@code src[off, end)} into {@code dst[dOff, dOff + length)}, where {@code length} is
     * what {@link #decodedLength} returned for the same bytes. Each chunk's CRC is verified.
     */
    public static void decode(byte[] src, int off, int end, byte[] dst, int dOff, int length, long base)
            throws FormatException {
        check(src, off, end);
        if (dOff < 0 || length < 0 || dOff > dst.length - length) {
            throw new IllegalArgumentException("output range " + dOff + "+" + length + " outside " + dst.length);
        }
        CRC32C crc = new CRC32C();
        int p = off;
        int d = dOff;
        final int dEnd = dOff + length;
        while (p < end) {
            final int at = p;
            if (end - p < 4) {
                throw new FormatException(base + at, "S2 chunk header truncated: " + (end - p) + " of 4 bytes");
            }
            int type = src[p] & 0xff;
            int chunkLength = (src[p + 1] & 0xff) | (src[p + 2] & 0xff) << 8 | (src[p + 3] & 0xff) << 16;
            p += 4;
            if (chunkLength > end - p) {
                throw new FormatException(base + at, "S2 chunk declares " + chunkLength + " bytes, " + (end - p) + " left");
            }
            final int chunkEnd = p + chunkLength;
            if (type == CHUNK_COMPRESSED || type == CHUNK_UNCOMPRESSED) {
                if (chunkLength < 4) {
                    throw new FormatException(base + at, "S2 data chunk of " + chunkLength + " bytes, shorter than its checksum");
                }
                int stored = (src[p] & 0xff) | (src[p + 1] & 0xff) << 8 | (src[p + 2] & 0xff) << 16 | (src[p + 3] & 0xff) << 24;
                int n;
                if (type == CHUNK_COMPRESSED) {
                    long[] len = S2Block.decodedLength(src, p + 4, chunkEnd, base);
                    if (len[0] > dEnd - d) {
                        throw new FormatException(base + at, "S2 chunk decodes to " + len[0] + " bytes, only " + (dEnd - d)
                                + " left of the " + length + " expected");
                    }
                    n = (int) len[0];
                    S2Block.decode(src, p + 4 + (int) len[1], chunkEnd, dst, d, n, base);
                } else {
                    n = chunkLength - 4;
                    if (n > dEnd - d) {
                        throw new FormatException(base + at, "S2 chunk holds " + n + " bytes, only " + (dEnd - d)
                                + " left of the " + length + " expected");
                    }
                    System.arraycopy(src, p + 4, dst, d, n);
                }
                crc.reset();
                crc.update(dst, d, n);
                int computed = mask((int) crc.getValue());
                if (computed != stored) {
                    throw new FormatException(base + at, "S2 chunk checksum mismatch: stored 0x" + Integer.toHexString(stored)
                            + ", the " + n + " decoded bytes give 0x" + Integer.toHexString(computed));
                }
                d += n;
            }
            // Identifier and skippable chunks were checked by decodedLength; they hold no data.
            p = chunkEnd;
        }
        if (d != dEnd) {
            throw new FormatException(base + end, "S2 stream decodes to " + (d - dOff) + " bytes, expected " + length);
        }
    }

    /** The masked CRC-32C of the framing format (Snappy framing_format.txt section 3). */
    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    static int checksum(byte[] b, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, len);
        return mask((int) crc.getValue());
    }

    /**
     * {@code src[off, off + len)} as an S2 stream: the identifier chunk, then one chunk per 1 MiB of
     * input, compressed when that is smaller, as {@code s2.NewWriter} does.
     */
    public static byte[] encode(byte[] src, int off, int len) {
        check(src, off, off + len);
        int chunks = (len + WRITER_CHUNK - 1) / WRITER_CHUNK;
        // Worst case: every chunk stored uncompressed (8 bytes of header and checksum each).
        byte[] out = new byte[10 + len + 8 * chunks];
        int d = writeIdentifier(out, 0);
        for (int p = off; p < off + len; p += WRITER_CHUNK) {
            d = writeChunk(src, p, Math.min(WRITER_CHUNK, off + len - p), out, d);
        }
        return Arrays.copyOf(out, d);
    }

    /** The stream identifier chunk (10 bytes) at {@code out[d]}; returns the position after it. */
    static int writeIdentifier(byte[] out, int d) {
        out[d] = (byte) CHUNK_STREAM_ID;
        out[d + 1] = 6;
        out[d + 2] = 0;
        out[d + 3] = 0;
        System.arraycopy(MAGIC_S2, 0, out, d + 4, 6);
        return d + 10;
    }

    /**
     * One data chunk of {@code src[p, p + n)} (n at most {@link #WRITER_CHUNK}) at {@code out[d]},
     * which must have room for {@code 8 + n} bytes: compressed when that is smaller, else stored.
     * Returns the position after it.
     */
    static int writeChunk(byte[] src, int p, int n, byte[] out, int d) {
        int sum = checksum(src, p, n);
        int written = S2Block.encode(src, p, n, out, d + 8);
        int type = CHUNK_COMPRESSED;
        if (written < 0) {
            type = CHUNK_UNCOMPRESSED;
            System.arraycopy(src, p, out, d + 8, n);
            written = n;
        }
        int chunkLength = 4 + written;
        out[d] = (byte) type;
        out[d + 1] = (byte) chunkLength;
        out[d + 2] = (byte) (chunkLength >>> 8);
        out[d + 3] = (byte) (chunkLength >>> 16);
        out[d + 4] = (byte) sum;
        out[d + 5] = (byte) (sum >>> 8);
        out[d + 6] = (byte) (sum >>> 16);
        out[d + 7] = (byte) (sum >>> 24);
        return d + 8 + written;
    }

    private static void check(byte[] src, int off, int end) {
        if (off < 0 || end < off || end > src.length) {
            throw new IllegalArgumentException("range " + off + ".." + end + " outside an array of " + src.length);
        }
    }
}
