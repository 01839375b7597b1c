package io.jetstart.core.io;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The first-read buffer of {@link BoundedReads#readAll(java.nio.file.Path, long, DiskGate, ReadBuffer)},
 * kept for the next read: one per stream being opened, lent to one read at a time.
 *
 * <p>Design note: a recovery reads nine small files per stream, and each read's first buffer
 * ({@link #SIZE} bytes, then an exact copy of what was read) was ~9 MB of the ~53 MB a fresh
 * recovery of {@code many} allocated (docs/benchmarks-passes.md, "Ninth pass on {@code many}"). The
 * buffer only holds a read until its bytes are copied out, inside the read, so nothing a caller
 * gets ever shares it. A stream's consumers may load on threads of their own with the stream's
 * context: a read that finds the buffer lent out takes a fresh one, as it would without this, and
 * whichever comes back last is kept, so at most one array is held and no two reads share one.
 * Not a thread-local: on virtual threads that would be one buffer per stream task kept alive with
 * its thread, or one per carrier that a task moving between carriers could share.
 */
public final class ReadBuffer {
    /** The first read's size: holds every file of {@code many} (16 to 442 bytes) and most meta files. */
    static final int SIZE = 1024;

    /** The idle array, or null when it is lent out (or not made yet). */
    private final AtomicReference<byte[]> idle = new AtomicReference<>();

    /** A buffer made on its first use. */
    public ReadBuffer() {
    }

    /** The idle array, or a new one when it is lent out: never an array another read holds. */
    byte[] lend() {
        byte[] b = idle.getAndSet(null);
        return b != null ? b : new byte[SIZE];
    }

    /** Keeps {@code b} for the next read; its caller no longer uses it. */
    void giveBack(byte[] b) {
        idle.set(b);
    }
}
