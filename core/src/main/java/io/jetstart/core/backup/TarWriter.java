package io.jetstart.core.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a POSIX ustar archive of regular files, the subset nats-server's restore accepts
 * ({@code stream.go: RestoreStream} takes only {@code TypeReg} entries).
 *
 * <pre>
 *  header, 512 bytes, every number octal ASCII NUL-terminated:
 *    0 name[100]   100 mode[8]   108 uid[8]   116 gid[8]   124 size[12]   136 mtime[12]
 *  148 chksum[8] (sum of the header's bytes with this field as spaces)   156 typeflag ('0')
 *  157 linkname[100]   257 magic "ustar\0"   263 version "00"   265 uname[32]   297 gname[32]
 *  329 devmajor[8]   337 devminor[8]   345 prefix[155]   500 pad[12]
 *  data, padded with zeros to a multiple of 512; the archive ends with two zero blocks
 * </pre>
 *
 * <p>Design note: no PAX records. Every name jetstart writes ({@code msgs/123.blk},
 * {@code obs/<consumer>/o.dat}) fits the 100 + 155 bytes of name and prefix, sizes fit 11 octal
 * digits (8 GiB), and a plain ustar header reads the same in Go's {@code archive/tar} and in
 * every tar tool. The caller closes the underlying stream; {@link #finish()} writes the end.
 */
public final class TarWriter {
    static final int BLOCK = 512;
    static final long MAX_SIZE = 077777777777L;

    private final OutputStream out;
    private final long mtimeSeconds;
    private final byte[] copyBuffer = new byte[64 * 1024];

    /** Entries get {@code mtimeSeconds} (Unix seconds) as their modification time. */
    public TarWriter(OutputStream out, long mtimeSeconds) {
        this.out = out;
        this.mtimeSeconds = mtimeSeconds;
    }

    /** Adds a regular file holding {@code data}. */
    public void add(String name, byte[] data) throws IOException {
        add(name, data.length, new java.io.ByteArrayInputStream(data));
    }

    /**
     * Adds a regular file of exactly {@code size} bytes read from {@code in}; fails (naming the
     * entry) if {@code in} ends early, since a short entry would shift every later header.
     */
    public void add(String name, long size, InputStream in) throws IOException {
        add(name, size, in, (byte) '0');
    }

    /** An entry of another type (tests write PAX and link headers with it to check the reader). */
    void addTyped(String name, byte[] data, byte type) throws IOException {
        add(name, data.length, new java.io.ByteArrayInputStream(data), type);
    }

    private void add(String name, long size, InputStream in, byte type) throws IOException {
        if (size < 0 || size > MAX_SIZE) {
            throw new IOException("tar entry " + name + ": size " + size + " outside 0.." + MAX_SIZE);
        }
        out.write(header(name, size, type));
        long left = size;
        while (left > 0) {
            // A stop asked of the writing thread (the CLI's export interrupts it on Ctrl-C or
            // SIGTERM) is seen here, between two reads: the streams of java.nio.file.Files do not
            // end on an interrupt, and an export signalled in its first file ran to its end, or past
            // the CLI's grace period (exit 143, its cut file left behind).
            if (Thread.currentThread().isInterrupted()) {
                throw new java.io.InterruptedIOException("tar entry " + name + ": interrupted after " + (size - left) + " of " + size + " bytes");
            }
            int n = in.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, left));
            if (n < 0) {
                throw new IOException("tar entry " + name + ": source ended after " + (size - left) + " of " + size
                        + " bytes (the file changed while it was copied)");
            }
            out.write(copyBuffer, 0, n);
            left -= n;
        }
        int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
        out.write(new byte[pad]);
    }

    /** Writes the two zero blocks that end the archive. */
    public void finish() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    private byte[] header(String name, long size, byte type) throws IOException {
        byte[] h = new byte[BLOCK];
        byte[] full = name.getBytes(StandardCharsets.UTF_8);
        if (full.length == 0 || name.startsWith("/") || name.contains("\\")) {
            throw new IOException("tar entry name '" + name + "' must be a non-empty relative path with '/' separators");
        }
        if (full.length <= 100) {
            System.arraycopy(full, 0, h, 0, full.length);
        } else {
            // Split at a '/' so that the prefix fits 155 bytes and the rest 100 (POSIX ustar).
            int cut = name.lastIndexOf('/', Math.min(name.length() - 1, 155));
            byte[] prefix = cut <= 0 ? null : name.substring(0, cut).getBytes(StandardCharsets.UTF_8);
            byte[] rest = cut <= 0 ? null : name.substring(cut + 1).getBytes(StandardCharsets.UTF_8);
            if (prefix == null || prefix.length > 155 || rest.length > 100 || rest.length == 0) {
                throw new IOException("tar entry name '" + name + "' does not fit ustar's 155-byte prefix and 100-byte name");
            }
            System.arraycopy(rest, 0, h, 0, rest.length);
            System.arraycopy(prefix, 0, h, 345, prefix.length);
        }
        octal(h, 100, 8, 0600);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtimeSeconds);
        h[156] = type;
        ascii(h, 257, "ustar\0");
        ascii(h, 263, "00");
        ascii(h, 265, "nats");
        ascii(h, 297, "nats");
        octal(h, 329, 8, 0);
        octal(h, 337, 8, 0);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        octal(h, 148, 7, sum);
        h[155] = ' ';
        return h;
    }

    /** {@code len - 1} zero-padded octal digits and a NUL. */
    private static void octal(byte[] h, int at, int len, long value) {
        String s = Long.toOctalString(value);
        int digits = len - 1;
        for (int i = 0; i < digits; i++) {
            int from = i - (digits - s.length());
            h[at + i] = (byte) (from < 0 ? '0' : s.charAt(from));
        }
        h[at + digits] = 0;
    }

    private static void ascii(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
