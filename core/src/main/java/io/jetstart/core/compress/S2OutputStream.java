package io.jetstart.core.compress;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes an S2 stream ({@link io.jetstart.core.compress the package doc}) to another stream, as
 * {@code s2.NewWriter} does: the identifier, then one chunk per 1 MiB of input. For data that does
 * not fit in memory at once, e.g. a stream snapshot (nats-server's snapshots are an S2 stream of
 * a tar). Memory: two 1 MiB buffers. Not thread-safe; {@link #close()} writes the last chunk.
 */
public final class S2OutputStream extends OutputStream {
    private final OutputStream out;
    private final byte[] pending = new byte[S2Stream.WRITER_CHUNK];
    private final byte[] chunk = new byte[10 + 8 + S2Stream.WRITER_CHUNK];
    private int filled;
    private boolean started;
    private boolean closed;

    public S2OutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("S2 stream already closed");
        }
        if (off < 0 || len < 0 || off > b.length - len) {
            throw new IndexOutOfBoundsException("range " + off + "+" + len + " outside " + b.length);
        }
        while (len > 0) {
            int n = Math.min(len, pending.length - filled);
            System.arraycopy(b, off, pending, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == pending.length) {
                emit();
            }
        }
    }

    /** Writes the buffered input as a chunk, so that everything written so far can be decoded. */
    @Override
    public void flush() throws IOException {
        if (filled > 0) {
            emit();
        }
        out.flush();
    }

    private void emit() throws IOException {
        int d = 0;
        if (!started) {
            d = S2Stream.writeIdentifier(chunk, 0);
            started = true;
        }
        if (filled > 0) {
            d = S2Stream.writeChunk(pending, 0, filled, chunk, d);
        }
        out.write(chunk, 0, d);
        filled = 0;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (filled > 0 || !started) {
                emit();
            }
            out.flush();
        } finally {
            closed = true;
            out.close();
        }
    }
}
