package io.jetstart.core.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Something found wrong while opening a stream: which file, which offset (or -1), what, and what
 * nats-server does about it at start-up.
 *
 * @param severity WARNING when the stream still comes back complete (e.g. a stale index.db
 *                 that forced a rebuild), DAMAGE when data is unreadable or was skipped, and
 *                 FATAL when the stream (or consumer) could not be opened at all
 * @param serverAction what nats-server does about it when it starts on these files
 */
public record Problem(Severity severity, Path file, long offset, String message, ServerAction serverAction) {

    public enum Severity { WARNING, DAMAGE, FATAL }

    public Problem {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(serverAction, "serverAction");
    }

    /** A problem the server does nothing about. */
    public Problem(Severity severity, Path file, long offset, String message) {
        this(severity, file, offset, message, ServerAction.NONE);
    }

    public static Problem warning(Path file, String message) {
        return new Problem(Severity.WARNING, file, -1, message);
    }

    public static Problem damage(Path file, long offset, String message) {
        return new Problem(Severity.DAMAGE, file, offset, message);
    }

    public static Problem fatal(Path file, long offset, String message) {
        return new Problem(Severity.FATAL, file, offset, message);
    }

    /** This problem with what nats-server does about it. */
    public Problem with(ServerAction action) {
        return new Problem(severity, file, offset, message, action);
    }

    /** One line for logs: {@code <file> at offset N: message}. */
    public String describe() {
        String where = file == null ? "" : file.toString();
        if (offset >= 0) {
            where += " at offset " + offset;
        }
        return where.isEmpty() ? message : where + ": " + message;
    }
}
