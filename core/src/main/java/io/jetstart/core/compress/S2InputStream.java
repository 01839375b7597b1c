package io.jetstart.core.compress;

import io.jetstart.core.format.FormatException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads an S2 stream ({@link io.jetstart.core.compress the package doc}) from another stream, with
 * the checks and limits of {@link S2Stream#decodedLength} and {@link S2Stream#decode}: for data that
 * does not fit in memory at once, e.g. a stream snapshot. Memory is bounded by the largest chunk
 * (at most 4 MiB decoded, {@code 4 MiB + 12} encoded), whatever the stream's total length. Every
 * error is an {@link IOException} naming the offset in the compressed stream. Not thread-safe.
 */
public final class S2InputStream extends InputStream {
    private static final byte[] MAGIC_S2 = {'S', '2', 's', 'T', 'w', 'O'};
    private static final byte[] MAGIC_SNAPPY = {'s', 'N', 'a', 'P', 'p', 'Y'};

    private final InputStream in;
    private final byte[] header = new byte[4];
    private final CRC32C crc = new CRC32C();
    private byte[] chunk = new byte[0];
    private byte[] decoded = new byte[0];
    private int pos;
    private int lim;
    private long offset;
    private boolean identified;
    private boolean snappy;
    private boolean ended;

    public S2InputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (off < 0 || len < 0 || off > b.length - len) {
            throw new IndexOutOfBoundsException("range " + off + "+" + len + " outside " + b.length);
        }
        if (len == 0) {
            return 0;
        }
        while (pos == lim) {
            if (!nextChunk()) {
                return -1;
            }
        }
        int n = Math.min(len, lim - pos);
        System.arraycopy(decoded, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return lim - pos;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads the next chunk; false at a clean end of the stream (between chunks). */
    private boolean nextChunk() throws IOException {
        if (ended) {
            return false;
        }
        final long at = offset;
        int got = readUpTo(header, 4);
        if (got == 0) {
            ended = true;
            return false;
        }
        if (got < 4) {
            throw error(at, "S2 chunk header truncated: " + got + " of 4 bytes");
        }
        int type = header[0] & 0xff;
        int length = (header[1] & 0xff) | (header[2] & 0xff) << 8 | (header[3] & 0xff) << 16;
        if (!identified && type != S2Stream.CHUNK_STREAM_ID) {
            throw error(at, "S2 stream does not start with its stream identifier chunk (found chunk type 0x"
                    + Integer.toHexString(type) + ")");
        }
        int max = snappy ? S2Stream.MAX_SNAPPY_CHUNK_DECODED : S2Stream.MAX_CHUNK_DECODED;
        switch (type) {
            case S2Stream.CHUNK_STREAM_ID -> {
                if (length != 6) {
                    throw error(at, "S2 stream identifier of " + length + " bytes (expected 6)");
                }
                byte[] magic = payload(at, 6);
                if (Arrays.equals(magic, 0, 6, MAGIC_S2, 0, 6)) {
                    snappy = false;
                } else if (Arrays.equals(magic, 0, 6, MAGIC_SNAPPY, 0, 6)) {
                    snappy = true;
                } else {
                    throw error(at + 4, "S2 stream identifier is not \"S2sTwO\" nor \"sNaPpY\"");
                }
                identified = true;
                pos = 0;
                lim = 0;
            }
            case S2Stream.CHUNK_COMPRESSED, S2Stream.CHUNK_UNCOMPRESSED -> {
                if (length < 4) {
                    throw error(at, "S2 data chunk of " + length + " bytes, shorter than its checksum");
                }
                if (length > S2Stream.MAX_CHUNK_LENGTH) {
                    throw error(at, "S2 chunk of " + length + " bytes, more than the " + S2Stream.MAX_CHUNK_LENGTH
                            + " a reader accepts");
                }
                byte[] p = payload(at, length);
                int stored = (p[0] & 0xff) | (p[1] & 0xff) << 8 | (p[2] & 0xff) << 16 | (p[3] & 0xff) << 24;
                int n;
                try {
                    if (type == S2Stream.CHUNK_COMPRESSED) {
                        long[] len = S2Block.decodedLength(p, 4, length, at + 4);
                        if (len[0] > max) {
                            throw error(at, "S2 chunk decodes to " + len[0] + " bytes, more than the " + max + " allowed");
                        }
                        n = (int) len[0];
                        ensureDecoded(n);
                        S2Block.decode(p, 4 + (int) len[1], length, decoded, 0, n, at + 4);
                    } else {
                        n = length - 4;
                        if (n > max) {
                            throw error(at, "S2 chunk decodes to " + n + " bytes, more than the " + max + " allowed");
                        }
                        ensureDecoded(n);
                        System.arraycopy(p, 4, decoded, 0, n);
                    }
                } catch (FormatException e) {
                    throw error(e.offset(), e.reason());
                }
                crc.reset();
                crc.update(decoded, 0, n);
                int computed = S2Stream.mask((int) crc.getValue());
                if (computed != stored) {
                    throw error(at, "S2 chunk checksum mismatch: stored 0x" + Integer.toHexString(stored) + ", the " + n
                            + " decoded bytes give 0x" + Integer.toHexString(computed));
                }
                pos = 0;
                lim = n;
            }
            default -> {
                if (type <= 0x7f) {
                    throw error(at, "S2 chunk type 0x" + Integer.toHexString(type) + " is reserved and not skippable");
                }
                skip(at, length);
                pos = 0;
                lim = 0;
            }
        }
        return true;
    }

    private void ensureDecoded(int n) {
        if (decoded.length < n) {
            decoded = new byte[n];
        }
    }

    /** The next {@code length} bytes (at most one chunk), or an error naming the chunk that is cut short. */
    private byte[] payload(long at, int length) throws IOException {
        if (chunk.length < length) {
            chunk = new byte[length];
        }
        int got = readUpTo(chunk, length);
        if (got < length) {
            throw error(at, "S2 chunk declares " + length + " bytes, the stream ends after " + got);
        }
        return chunk;
    }

    private void skip(long at, int length) throws IOException {
        byte[] scratch = new byte[Math.min(length, 8192)];
        int left = length;
        while (left > 0) {
            int got = readUpTo(scratch, Math.min(left, scratch.length));
            if (got == 0) {
                throw error(at, "S2 skippable chunk declares " + length + " bytes, the stream ends after " + (length - left));
            }
            left -= got;
        }
    }

    private int readUpTo(byte[] b, int n) throws IOException {
        int total = 0;
        while (total < n) {
            int r = in.read(b, total, n - total);
            if (r < 0) {
                break;
            }
            total += r;
        }
        offset += total;
        return total;
    }

    private static IOException error(long at, String reason) {
        return new IOException("S2 stream at offset " + at + ": " + reason);
    }
}
