package io.jetstart.core.store;

import java.nio.file.Path;

/**
 * A block file that could not be turned into plaintext: not readable, its key file does not open,
 * or its compressed body does not decode. The reader reports it as {@link RecordDamage.Kind#UNREADABLE}.
 */
public final class BlockUnreadableException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final String reason;

    /**
     * @param offset where in the file the problem is, or -1 when no offset is to blame
     */
    public BlockUnreadableException(Path file, long offset, String reason, Throwable cause) {
        super(file + (offset >= 0 ? " at offset " + offset : "") + ": " + reason, cause);
        this.file = file;
        this.offset = offset;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }

    public String reason() {
        return reason;
    }
}
