package io.jetstart.core.io;

import java.io.IOException;

/**
 * The "dios" limit: bounds how many blocking file-system operations are in flight at once.
 *
 * <p>Core wraps <em>each</em> blocking operation (an open, a stat or directory listing, one block
 * read, an {@code index.db}/{@code o.dat}/meta read) in {@link #run}; never parsing, and never a
 * whole stream, so one stream's CPU work overlaps another stream's I/O. Policy (the size) belongs
 * to the recovery module; core only calls through this interface.
 */
public interface DiskGate {

    /** A blocking file operation. */
    @FunctionalInterface
    interface Io<T> {
        T call() throws IOException;
    }

    /**
     * Runs {@code io} while holding one permit. Interruptible while waiting: an interrupted waiter
     * throws {@link java.io.InterruptedIOException}.
     */
    <T> T run(Io<T> io) throws IOException;

    /** A gate that never waits: for single-threaded tools and tests. */
    static DiskGate unbounded() {
        return UnboundedGate.INSTANCE;
    }
}
