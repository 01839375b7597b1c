package io.jetstart.recovery.repair;

import java.nio.file.Path;

/** One change of a repair plan, each undone from the quarantine. */
public sealed interface RepairStep {
    /** The file or directory changed. */
    Path target();

    /** {@code <account> > <stream>}. */
    String stream();

    /** Why: the problem it answers, and what nats-server would do otherwise. */
    String reason();

    /** Cut the block at {@code offset}: {@code length} bytes after it go to the quarantine. */
    record Truncate(Path target, long offset, long length, String stream, String reason) implements RepairStep {
    }

    /** Move a whole file ({@code length} bytes) to the quarantine. */
    record RemoveFile(Path target, long length, String stream, String reason) implements RepairStep {
    }

    /** Move a directory and every file in it to the quarantine (a consumer the server would delete). */
    record RemoveDirectory(Path target, String stream, String reason) implements RepairStep {
    }

    /** One line for the plan: {@code truncate <file> at 81600 (55240 bytes): reason}. */
    default String describe() {
        return switch (this) {
            case Truncate t -> "truncate " + t.target() + " at offset " + t.offset() + " (" + t.length() + " bytes to quarantine): "
                    + t.reason();
            case RemoveFile f -> "remove " + f.target() + " (" + f.length() + " bytes to quarantine): " + f.reason();
            case RemoveDirectory d -> "remove directory " + d.target() + " (every file to quarantine): " + d.reason();
        };
    }
}
