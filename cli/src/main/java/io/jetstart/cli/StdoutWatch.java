package io.jetstart.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * A report's writer that notices when nothing reads stdout any more ({@code recover --json | head}):
 * a {@link PrintWriter} swallows the write errors of a closed pipe, so a report of a stream with a
 * hundred million deleted sequences went on writing its gigabyte for no one and exited 0. Every
 * {@value #CHECK_EVERY} characters it asks {@link Main#stdoutGone}, which flushes; once gone it
 * throws {@link Gone}, and the command exits {@link Main#STDOUT_CLOSED}. Checked by count, not per
 * write: each check is a flush.
 */
final class StdoutWatch extends Writer {
    static final int CHECK_EVERY = 1 << 20;

    /** Stdout's reader went away. */
    static final class Gone extends IOException {
        Gone() {
            super("nothing reads stdout any more");
        }
    }

    private final PrintWriter out;
    private long sinceCheck;

    StdoutWatch(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
        out.write(cbuf, off, len);
        sinceCheck += len;
        if (sinceCheck >= CHECK_EVERY) {
            sinceCheck = 0;
            if (Main.stdoutGone(out)) {
                throw new Gone();
            }
        }
    }

    @Override
    public void flush() {
        out.flush();
    }

    /** Leaves {@code out} open: it is the command's stdout. */
    @Override
    public void close() {
        out.flush();
    }
}
