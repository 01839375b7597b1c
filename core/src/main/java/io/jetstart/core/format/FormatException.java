package io.jetstart.core.format;

/**
 * Bytes that do not follow the file store format. Carries the offset (within the buffer being
 * decoded) where the problem was found, what was expected and what was found, so a caller that
 * knows the file can report "which file, which offset, what was expected".
 *
 * <p>Codecs throw this; they never know file names. The store layer wraps it with the path.
 */
public final class FormatException extends Exception {
    private static final long serialVersionUID = 1L;
    private final long offset;

    public FormatException(long offset, String message) {
        super(message);
        this.offset = offset;
    }

    /** Offset in the decoded buffer where decoding stopped, or -1 when it concerns the whole buffer. */
    public long offset() {
        return offset;
    }

    @Override
    public String getMessage() {
        return offset >= 0 ? "at offset " + offset + ": " + super.getMessage() : super.getMessage();
    }

    /** The message without the offset prefix. */
    public String reason() {
        return super.getMessage();
    }
}
