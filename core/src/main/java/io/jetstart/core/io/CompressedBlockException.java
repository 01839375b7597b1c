package io.jetstart.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A block file whose compression envelope or S2 data cannot be decoded: which file, at which
 * offset of it, and why. An {@link IOException} so every block read path already handles it as
 * "this block cannot be read" (nats-server fails the stream's open on it too, spec §3.8); callers
 * that report problems take {@link #offset()} and {@link #reason()} from it.
 */
public final class CompressedBlockException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final long offset;
    private final String reason;
    private final long fileLength;

    public CompressedBlockException(Path file, long offset, String reason, long fileLength) {
        super(file + ": at offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
        this.reason = reason;
        this.fileLength = fileLength;
    }

    /** Bytes read from the block file. */
    public long fileLength() {
        return fileLength;
    }

    public Path file() {
        return file;
    }

    /** Offset in the block file where decoding stopped. */
    public long offset() {
        return offset;
    }

    public String reason() {
        return reason;
    }
}
