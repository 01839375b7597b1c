package io.jetstart.core.meta;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A stream or consumer whose meta files nats-server would refuse at startup. The message keeps the
 * server's warning wording (spec §2.2, §2.3) so operators' greps keep working; {@link #kind()} says
 * which check failed and {@link #file()} which file it concerns.
 */
public final class MetaException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Which check failed; each maps to one of nats-server's startup warnings. */
    public enum Kind {
        /** "Missing stream metafile" / "Missing consumer metafile". */
        MISSING_METAFILE,
        /** "Error reading metafile" (including a file larger than any real meta.inf). */
        METAFILE_UNREADABLE,
        /** "Missing stream checksum file" / "Missing consumer checksum". */
        MISSING_CHECKSUM,
        /** "Error reading Stream metafile checksum". */
        CHECKSUM_UNREADABLE,
        /** "checksums do not match &lt;stored&gt; vs &lt;computed&gt;". */
        CHECKSUM_MISMATCH,
        /** A {@code meta.key} is present: the meta.inf is sealed and jetstart has no key. */
        ENCRYPTED,
        /** "Error decrypting our stream metafile" / "... consumer metafile": sealed and the key does not open it. */
        DECRYPT_FAILED,
        /** "Error unmarshalling stream metafile" / "Error unmarshalling consumer metafile". */
        UNMARSHAL_FAILED
    }

    private final transient Path file;
    private final Kind kind;
    private final String reason;

    public MetaException(Kind kind, Path file, String reason) {
        this(kind, file, reason, null);
    }

    public MetaException(Kind kind, Path file, String reason, Throwable cause) {
        super(reason, cause);
        this.kind = Objects.requireNonNull(kind);
        this.file = Objects.requireNonNull(file);
        this.reason = Objects.requireNonNull(reason);
    }

    public Kind kind() {
        return kind;
    }

    /** The file the failed check concerns (meta.inf, meta.sum or meta.key). */
    public Path file() {
        return file;
    }

    /** The warning line, in nats-server's wording. */
    public String reason() {
        return reason;
    }
}
