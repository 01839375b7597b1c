package io.jetstart.core.backup;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads nats-server's second snapshot format (2.15+, {@code server/archive}): inside the S2 stream,
 * the magic and then entries, each a header followed by its payload.
 *
 * <pre>
 *  "NATSARC1"                 8 bytes, once
 *  entry: nameLen    uvarint
 *         timestamp  varint (zig-zag), Unix nanoseconds
 *         sequence   uvarint, 0 = none
 *         headerSize uvarint \  payload = headerSize + payloadSize bytes
 *         payloadSize uvarint /  (a message: its header block, then its body)
 *         name       nameLen bytes
 *         payload
 * </pre>
 *
 * The server writes {@code state.json} first, then {@code consumers/<name>} (JSON), then every
 * message (name = subject, its sequence and time), then an entry with an empty name and nothing
 * else as the end marker. Design note: every length is checked against a bound before anything is
 * allocated (names {@value #MAX_NAME} bytes, payloads {@value #MAX_PAYLOAD}); offsets in errors are
 * offsets in the decompressed archive.
 */
public final class ArchiveReader {
    static final String MAGIC = "NATSARC1";
    static final int MAX_NAME = 1 << 20;
    static final int MAX_PAYLOAD = 64 << 20;

    /** One entry with its payload; {@link #isEnd()} for the end marker. */
    public record Entry(String name, long timestamp, long sequence, byte[] header, byte[] payload, long offset) {
        public boolean isEnd() {
            return name.isEmpty() && sequence == 0 && header.length == 0 && payload.length == 0;
        }
    }

    private final InputStream in;
    private long offset;
    private boolean started;

    public ArchiveReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null when the input ends cleanly between entries. */
    public Entry next() throws IOException {
        if (!started) {
            byte[] magic = in.readNBytes(MAGIC.length());
            offset += magic.length;
            if (!new String(magic, StandardCharsets.ISO_8859_1).equals(MAGIC)) {
                throw new IOException("archive: offset 0 does not start with " + MAGIC);
            }
            started = true;
        }
        long at = offset;
        int first = in.read();
        if (first < 0) {
            return null;
        }
        offset++;
        long nameLen = uvarint(first, at, "name length");
        long ts = zigzag(uvarint(read(at), at, "timestamp"));
        long seq = uvarint(read(at), at, "sequence");
        long hs = uvarint(read(at), at, "header size");
        long ps = uvarint(read(at), at, "payload size");
        if (nameLen > MAX_NAME || hs > MAX_PAYLOAD || ps > MAX_PAYLOAD || hs + ps > MAX_PAYLOAD) {
            throw new IOException("archive: entry at offset " + at + " declares name " + nameLen + ", header " + hs
                    + " and payload " + ps + " bytes, over the limits (" + MAX_NAME + ", " + MAX_PAYLOAD + ")");
        }
        String name = new String(exactly((int) nameLen, at), StandardCharsets.UTF_8);
        return new Entry(name, ts, seq, exactly((int) hs, at), exactly((int) ps, at), at);
    }

    private int read(long at) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("archive: input ends inside the entry header at offset " + at);
        }
        offset++;
        return b;
    }

    private long uvarint(int firstByte, long at, String field) throws IOException {
        long v = 0;
        int shift = 0;
        int b = firstByte;
        while (true) {
            if (shift == 63 && b > 1) {
                throw new IOException("archive: entry at offset " + at + ": " + field + " overflows 64 bits");
            }
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
            shift += 7;
            if (shift > 63) {
                throw new IOException("archive: entry at offset " + at + ": " + field + " is longer than 10 bytes");
            }
            b = read(at);
        }
    }

    private static long zigzag(long u) {
        return (u >>> 1) ^ -(u & 1);
    }

    private byte[] exactly(int n, long at) throws IOException {
        byte[] b = in.readNBytes(n);
        offset += b.length;
        if (b.length != n) {
            throw new EOFException("archive: entry at offset " + at + " ends after " + b.length + " of " + n + " bytes");
        }
        return b;
    }
}
