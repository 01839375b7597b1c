package io.jetstart.core.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the tar archives nats-server's snapshot writes ({@code filestore.go: streamSnapshot}:
 * Go's {@code archive/tar} in PAX format) and {@link TarWriter} writes: ustar headers, PAX
 * extended headers ({@code 'x'}: their {@code path} and {@code size} apply to the next entry;
 * {@code 'g'}: skipped), regular files and directories. Anything else (links, devices, GNU long
 * names) is an error naming the archive offset, so nothing unexpected is silently extracted.
 *
 * <p>Use: {@code for (Entry e; (e = r.next()) != null; ) r.copyEntry(out)}; an entry's bytes not
 * copied are skipped by the next {@link #next()}. Sizes are checked before any allocation: a PAX
 * header larger than {@value #MAX_PAX} bytes is refused.
 */
public final class TarReader {
    static final int MAX_PAX = 1 << 20;

    /** One archive member: its path inside the archive, its size, and whether it is a regular file. */
    public record Entry(String name, long size, boolean regularFile, long offset) {
    }

    private final InputStream in;
    private final byte[] block = new byte[TarWriter.BLOCK];
    private final byte[] copyBuffer = new byte[64 * 1024];
    private long offset;
    private long entryLeft;
    private long entryPad;
    private boolean ended;

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the archive's end (two zero blocks, or one and the input's end). */
    public Entry next() throws IOException {
        skip(entryLeft + entryPad);
        entryLeft = 0;
        entryPad = 0;
        if (ended) {
            return null;
        }
        String paxPath = null;
        long paxSize = -1;
        while (true) {
            long at = offset;
            if (!readBlock(true)) {
                throw new IOException("tar: input ends at offset " + at + " without the end-of-archive blocks");
            }
            if (allZero(block)) {
                ended = true;
                readBlock(false); // the second zero block; Go's reader also accepts its absence
                return null;
            }
            checkSum(at);
            String magic = new String(block, 257, 5, StandardCharsets.US_ASCII);
            if (!magic.equals("ustar")) {
                throw new IOException("tar: header at offset " + at + " has magic '" + magic + "', expected 'ustar'");
            }
            long size = paxSize >= 0 ? paxSize : octal(124, 12, at, "size");
            byte type = block[156];
            String name = paxPath != null ? paxPath : name();
            if (type == 'x' || type == 'g') {
                long raw = octal(124, 12, at, "size");
                if (raw > MAX_PAX) {
                    throw new IOException("tar: PAX header at offset " + at + " is " + raw + " bytes, over the "
                            + MAX_PAX + "-byte limit");
                }
                byte[] pax = readExactly((int) raw, at);
                skip(pad(raw));
                if (type == 'x') {
                    String[] ps = new String[1];
                    long[] sz = {-1};
                    parsePax(pax, at, ps, sz);
                    paxPath = ps[0] != null ? ps[0] : paxPath;
                    paxSize = sz[0] >= 0 ? sz[0] : paxSize;
                }
                continue;
            }
            boolean regular = type == '0' || type == 0;
            if (!regular && type != '5') {
                throw new IOException("tar: entry '" + name + "' at offset " + at + " has type '" + (char) type
                        + "'; only regular files and directories are expected in a stream snapshot");
            }
            entryLeft = regular ? size : 0;
            entryPad = regular ? pad(size) : 0;
            return new Entry(name, regular ? size : 0, regular, at);
        }
    }

    /** Copies the current entry's remaining bytes to {@code out}. */
    public void copyEntry(OutputStream out) throws IOException {
        while (entryLeft > 0) {
            int n = in.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, entryLeft));
            if (n < 0) {
                throw new IOException("tar: input ends at offset " + offset + " inside an entry (" + entryLeft
                        + " bytes missing)");
            }
            out.write(copyBuffer, 0, n);
            offset += n;
            entryLeft -= n;
        }
    }

    private String name() {
        String name = cString(0, 100);
        String prefix = cString(345, 155);
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private void parsePax(byte[] pax, long at, String[] path, long[] size) throws IOException {
        int i = 0;
        while (i < pax.length) {
            int sp = i;
            while (sp < pax.length && pax[sp] != ' ') {
                sp++;
            }
            int len;
            try {
                len = Integer.parseInt(new String(pax, i, sp - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("tar: PAX record at offset " + (at + TarWriter.BLOCK + i) + " has no length");
            }
            if (len <= sp - i + 1 || i + len > pax.length || pax[i + len - 1] != '\n') {
                throw new IOException("tar: PAX record at offset " + (at + TarWriter.BLOCK + i) + " has length " + len
                        + " that does not end on a newline inside its header");
            }
            String kv = new String(pax, sp + 1, i + len - 1 - (sp + 1), StandardCharsets.UTF_8);
            int eq = kv.indexOf('=');
            if (eq > 0) {
                String key = kv.substring(0, eq);
                String value = kv.substring(eq + 1);
                if (key.equals("path")) {
                    path[0] = value;
                } else if (key.equals("size")) {
                    try {
                        size[0] = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("tar: PAX size '" + value + "' at offset " + at + " is not a number");
                    }
                }
            }
            i += len;
        }
    }

    private void checkSum(long at) throws IOException {
        long stored = octal(148, 8, at, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < TarWriter.BLOCK; i++) {
            byte b = i >= 148 && i < 156 ? (byte) ' ' : block[i];
            unsigned += b & 0xFF;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("tar: header at offset " + at + " has checksum " + stored + ", computed " + unsigned);
        }
    }

    private long octal(int from, int len, long at, String field) throws IOException {
        long v = 0;
        int i = from;
        int end = from + len;
        while (i < end && (block[i] == ' ' || block[i] == 0)) {
            i++;
        }
        for (; i < end && block[i] != 0 && block[i] != ' '; i++) {
            int d = block[i] - '0';
            if (d < 0 || d > 7 || v > (Long.MAX_VALUE >> 3)) {
                throw new IOException("tar: header at offset " + at + " has a " + field + " field that is not octal");
            }
            v = (v << 3) | d;
        }
        return v;
    }

    private String cString(int from, int len) {
        int end = from;
        while (end < from + len && block[end] != 0) {
            end++;
        }
        return new String(block, from, end - from, StandardCharsets.UTF_8);
    }

    private boolean readBlock(boolean required) throws IOException {
        int got = in.readNBytes(block, 0, TarWriter.BLOCK);
        offset += got;
        if (got == TarWriter.BLOCK) {
            return true;
        }
        if (got == 0 && !required) {
            return false;
        }
        if (got == 0) {
            return false;
        }
        throw new IOException("tar: input ends at offset " + offset + " inside a header block");
    }

    private byte[] readExactly(int n, long at) throws IOException {
        byte[] b = in.readNBytes(n);
        offset += b.length;
        if (b.length != n) {
            throw new IOException("tar: entry at offset " + at + " ends after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            int r = in.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, n));
            if (r < 0) {
                throw new IOException("tar: input ends at offset " + offset + ", " + n + " bytes short");
            }
            offset += r;
            n -= r;
        }
    }

    private static long pad(long size) {
        return (TarWriter.BLOCK - size % TarWriter.BLOCK) % TarWriter.BLOCK;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
