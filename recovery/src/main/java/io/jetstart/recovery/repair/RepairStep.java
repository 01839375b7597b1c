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

    /**
     * Write a new block {@code target} holding one tombstone for the stream's last sequence
     * {@code seq} (time {@code ts}): what nats-server 2.11+ writes at start-up when the blocks lost
     * the last sequence index.db recorded (spec 4.5 step 3). 2.10 writes it only when it finds lost
     * data itself, which a repaired store no longer has, so the repair writes it for every line.
     */
    record AddTombstoneBlock(Path target, long seq, long ts, String stream, String reason) implements RepairStep {
    }

    /**
     * In a 2.9 store, which reads no tombstone: write a new empty block {@code target} (0 bytes) and
     * its {@code .idx} saying no messages, first {@code lastSeq} + 1, last {@code lastSeq} (time
     * {@code lastTs}), the shape 2.9.10 itself leaves a block in when it has emptied it. Measured on
     * 2.9.10 (LIM1 after a cut or a removal of its only block, whose {@code .idx} said 1000): it
     * starts with that last sequence at every start, deletes neither file, and publishes 1001 next.
     */
    record AddEmptyLegacyBlock(Path target, long lastSeq, long lastTs, String stream, String reason) implements RepairStep {

        /** The block's {@code .idx}, beside it. */
        public Path index() {
            String name = target.getFileName().toString();
            return target.resolveSibling(name.substring(0, name.length() - ".blk".length()) + ".idx");
        }
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
            case AddTombstoneBlock a -> "add " + a.target() + ": a tombstone for the last sequence " + a.seq() + ": " + a.reason();
            case AddEmptyLegacyBlock a -> "add " + a.target() + " (empty) and " + a.index().getFileName() + " saying first "
                    + (a.lastSeq() + 1) + ", last " + a.lastSeq() + ": " + a.reason();
        };
    }
}
