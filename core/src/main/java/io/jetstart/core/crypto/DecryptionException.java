package io.jetstart.core.crypto;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A file of an encrypted store that could not be decrypted: a key file whose seal does not open
 * with the operator's key (a wrong key), a sealed file whose authentication tag fails (damage),
 * a key file of an impossible length, or an encrypted file met without a key. Names the file.
 */
public final class DecryptionException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the file could not be decrypted. */
    public enum Kind {
        /** A key file ({@code meta.key}, {@code <n>.key}) does not open with the given key. */
        WRONG_KEY,
        /** A file sealed with a key that did open fails its authentication tag: it was changed or damaged. */
        DAMAGED,
        /** A key file of a length no cipher writes, or too short to hold a nonce and a tag. */
        BAD_KEY_FILE,
        /** An encrypted file and no key to open it. */
        NO_KEY
    }

    private final transient Path file;
    private final Kind kind;
    private final String reason;

    public DecryptionException(Kind kind, Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.file = Objects.requireNonNull(file, "file");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** What went wrong, without the file name (the message is {@code <file>: <reason>}). */
    public String reason() {
        return reason;
    }

    public Kind kind() {
        return kind;
    }

    /** The file that failed to decrypt. */
    public Path file() {
        return file;
    }
}
