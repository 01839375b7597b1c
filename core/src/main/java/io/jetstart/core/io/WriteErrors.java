package io.jetstart.core.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * Names the file a failed write was for. A channel's write or force says only what went wrong
 * ("No space left on device"), not where: an operator reading the stream's error, or its log line,
 * could not tell which disk or stream filled. Go's errors carry the path ({@code write <file>:
 * no space left on device}); these read the same way.
 */
public final class WriteErrors {
    private WriteErrors() {
    }

    /**
     * {@code e} with {@code op} and {@code file} in front of its message ({@code "write <file>: ..."}),
     * its cause kept. Returned as it is when it already names a file ({@link FileSystemException}) or
     * is a cancellation ({@link ClosedChannelException}, {@link InterruptedIOException}), which callers
     * tell apart by their type.
     */
    public static IOException naming(String op, Path file, IOException e) {
        if (e instanceof FileSystemException || e instanceof ClosedChannelException || e instanceof InterruptedIOException) {
            return e;
        }
        return new IOException(op + " " + file + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
    }
}
