package io.jetstart.recovery.repair;

import io.jetstart.core.store.Problem;
import io.jetstart.core.store.ServerAction;
import io.jetstart.recovery.Finding;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StreamReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a recovery report into the smallest set of changes after which nats-server starts with the
 * state that report gives and deletes nothing itself. Plans from each problem's typed
 * {@link ServerAction}; reads nothing but file sizes.
 *
 * <ul>
 *   <li>{@code TRUNCATE_BLOCK}: cut the block at the bad record (the server would, silently); at
 *       offset 0, remove the block instead (nothing of it is left to keep);</li>
 *   <li>{@code DELETE_BLOCK}: remove a block with no usable record (a removal wins over a cut);</li>
 *   <li>{@code DELETE_INDEX}: remove an index file that does not decode or disagrees with itself,
 *       unless {@code index.db} carries a last sequence the blocks lost (the server needs it to
 *       write its tombstone, so sequences do not go backwards: kept, and said in the notes);</li>
 *   <li>{@code REBUILD} of a 2.9 {@code .idx} (its block's last checksum differs): remove it, as a
 *       2.9 server rebuilding the block keeps that file's delete map;</li>
 *   <li>{@code TRUSTS_INDEX}: remove a 2.9 {@code .idx} jetstart did not trust, so the server
 *       rebuilds that block from its records as jetstart did; but keep one whose removals (first
 *       sequence, listed deletes) jetstart kept ({@code NONE} on it), which 2.9 reads also when it
 *       no longer matches the block, and without which it would serve those messages again;</li>
 *   <li>{@code DELETE_CONSUMER_DIR}: remove the consumer whose state does not decode (it is not in
 *       jetstart's state either), so a 2.12.4+ server does not delete it, and on an interest
 *       stream does not purge the stream with it;</li>
 *   <li>{@code WRITE_TOMBSTONE} (or {@code KEEP_LAST_SEQUENCE}, 2.11's keep without one) with a cut or removed block (or 2.9 {@code .idx}) in the same
 *       stream: a new block holding the tombstone for the last sequence, as 2.11+ writes it at
 *       start-up (2.10 writes it only when it finds lost data itself, and after the repair there is
 *       none). In a 2.9 store (its {@code .idx} named that last), which reads no tombstone and took
 *       one for a message, an empty block and its {@code .idx} saying that last instead;</li>
 *   <li>{@code NONE} on a block {@code index.db} names and the disk lacks (2.10 starts with
 *       {@code index.db}'s counts): a note, no step. Nothing brings the block back, and without
 *       {@code index.db} 2.10 would start with other counts (the blocks', as 2.11.7+) than the report
 *       gives, which {@link RepairCheck} forbids; the note says what 2.10 does with the block and what
 *       moving {@code index.db} away would change;</li>
 *   <li>{@code DELETE_STREAM_DIR}: refused. jetstart cannot open that stream either, so there is
 *       no state to start with; the operator fixes the cause (permissions, a vanished file).</li>
 * </ul>
 * Everything else (rebuilds, tombstones, skipped streams and consumers) leaves nothing to delete.
 */
public final class RepairPlanner {
    private RepairPlanner() {
    }

    /** The plan for every stream of {@code report} (or only {@code onlyStreams} when non-empty). */
    public static RepairPlan plan(RecoveryReport report, Set<String> onlyStreams) throws IOException {
        Map<Path, RepairStep> steps = new LinkedHashMap<>();
        List<RepairPlan.Refusal> refused = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (StreamReport s : report.streams()) {
            if (!onlyStreams.isEmpty() && !onlyStreams.contains(s.name())) {
                continue;
            }
            String who = s.account() + " > " + s.name();
            // Kept without a tombstone (2.11, no data lost) it lasts as long as index.db does: the repair keeps it the same way.
            boolean keepsPriorLastSeq = s.problems().stream().anyMatch(p -> p.serverAction() == ServerAction.WRITE_TOMBSTONE
                    || p.serverAction() == ServerAction.KEEP_LAST_SEQUENCE);
            // A 2.9 .idx whose removals jetstart keeps (a warning with nothing for the server to do):
            // removed, 2.9 would rebuild its block from the records and serve them again.
            Set<Path> keptIndexes = new java.util.HashSet<>();
            for (Problem p : s.problems()) {
                if (p.serverAction() == ServerAction.NONE && p.file() != null && p.file().getFileName().toString().endsWith(".idx")) {
                    keptIndexes.add(p.file());
                }
            }
            for (Finding f : Finding.of(s)) {
                Problem p = f.problem();
                Path file = p.file();
                String why = p.describe() + " (nats-server " + p.serverAction().description() + ")";
                switch (p.serverAction()) {
                    case TRUNCATE_BLOCK -> {
                        if (p.offset() < 0) {
                            refused.add(new RepairPlan.Refusal(who, why + ": no offset to cut at"));
                            continue;
                        }
                        long size = Files.size(file);
                        if (p.offset() == 0 && size > 0) {
                            // Cut at its start, the block holds no record: a 0-byte block file is one the
                            // server deletes (or keeps empty), so it goes whole to the quarantine instead.
                            steps.put(file, new RepairStep.RemoveFile(file, size, who, why));
                        } else if (p.offset() < size && !(steps.get(file) instanceof RepairStep.RemoveFile)) {
                            steps.put(file, new RepairStep.Truncate(file, p.offset(), size - p.offset(), who, why));
                        }
                    }
                    case DELETE_BLOCK -> steps.put(file, new RepairStep.RemoveFile(file, Files.size(file), who, why));
                    case REBUILD -> {
                        // A 2.9 server rebuilding a block keeps the delete map of the .idx it did not trust
                        // (checked against real 2.9.10: it reports deletes past the block's last sequence), so
                        // an .idx jetstart did not use goes to the quarantine too.
                        if (file != null && file.getFileName().toString().endsWith(".idx") && Files.isRegularFile(file)
                                && !keptIndexes.contains(file)) {
                            steps.putIfAbsent(file, new RepairStep.RemoveFile(file, Files.size(file), who, why));
                        }
                    }
                    case DELETE_INDEX, TRUSTS_INDEX -> {
                        if (file.getFileName().toString().equals("index.db") && keepsPriorLastSeq) {
                            notes.add(who + ": kept " + file + ": it holds the last sequence the blocks lost, which the server "
                                    + "needs to write its tombstone; the server deletes it itself after reading it (" + p.message() + ")");
                        } else if (keptIndexes.contains(file)) {
                            notes.add(who + ": kept " + file + ": nats-server 2.9 reads the messages it removed from it, and "
                                    + "would serve them again without it (" + p.message() + ")");
                        } else if (Files.isRegularFile(file)) {
                            steps.putIfAbsent(file, new RepairStep.RemoveFile(file, Files.size(file), who, why));
                        }
                    }
                    case DELETE_CONSUMER_DIR -> {
                        Path dir = consumerDir(file, f.consumer());
                        if (dir == null) {
                            refused.add(new RepairPlan.Refusal(who + " > " + f.consumer(), why + ": consumer directory not found"));
                        } else {
                            steps.putIfAbsent(dir, new RepairStep.RemoveDirectory(dir, who + " > " + f.consumer(), why));
                        }
                    }
                    case DELETE_STREAM_DIR -> refused.add(new RepairPlan.Refusal(who, why + ": jetstart cannot open this stream "
                            + "either, so there is no state to repair towards; fix the cause (permissions, a vanished file) and "
                            + "run verify again, or move the stream directory out of the store yourself"));
                    case FOUND_ON_READ -> notes.add(who + ": " + why + ": left as it is (the server starts with the same state)");
                    case NONE -> {
                        if (p.severity() == Problem.Severity.DAMAGE && file != null && file.getFileName().toString().endsWith(".blk")
                                && !Files.exists(file)) {
                            notes.add(who + ": " + file + " is gone and nothing brings it back; nats-server 2.10 starts with the "
                                    + "counts of index.db, which name its messages, and drops them at its first read of the block, "
                                    + "while its subject totals keep them (a per-subject limit then removes newer messages in "
                                    + "their place); without index.db 2.10 would rebuild from the blocks there are, as "
                                    + "2.11.7+ do, and start with other counts than these (`jetstart recover --as 2.11` shows "
                                    + "them), so only the operator moves index.db away, with the server stopped");
                        }
                    }
                    default -> {
                    }
                }
            }
            if (keepsPriorLastSeq && s.state() != null && !addLastSequenceBlock(s, who, steps)) {
                steps.values().removeIf(step -> step.stream().equals(who));
                refused.add(new RepairPlan.Refusal(who, "the blocks no longer hold the last sequence " + s.state().lastSeq()
                        + " a 2.9 .idx recorded, and the stream is encrypted: repair writes no sealed .idx to keep that "
                        + "sequence; left as it is (nats-server 2.9.10 itself truncates such a block when it first reads it)"));
            }
        }
        return new RepairPlan(addsFirst(steps.values()), refused, notes);
    }

    /**
     * The steps with each stream's added files (the tombstone block, a 2.9 empty block) before its
     * cuts and removals, streams in their order. A repair stopped between the two (kill -9, a power
     * cut) left a cut block whose lost last sequence only {@code index.db} still said: jetstart
     * reports it kept, so a rerun planned nothing, and nats-server 2.10.27 started that stream with
     * the lower last sequence (checked: MAX1 of the 2.10.27 fixture, 999 instead of 1000). With the
     * block added first, a stop after it leaves the cut still to do, which the rerun plans.
     */
    private static List<RepairStep> addsFirst(java.util.Collection<RepairStep> steps) {
        Map<String, Integer> order = new java.util.HashMap<>();
        steps.forEach(s -> order.putIfAbsent(s.stream(), order.size()));
        List<RepairStep> sorted = new ArrayList<>(steps);
        sorted.sort(java.util.Comparator.<RepairStep>comparingInt(s -> order.get(s.stream()))
                .thenComparingInt(s -> s instanceof RepairStep.AddTombstoneBlock || s instanceof RepairStep.AddEmptyLegacyBlock ? 0 : 1));
        return List.copyOf(sorted);
    }

    /**
     * When the blocks lost the last sequence {@code index.db} (or a 2.9 {@code .idx}) recorded and the
     * plan cuts or removes something of the stream's blocks (a 2.9 {@code .idx} too), a new block
     * that keeps that sequence: the tombstone nats-server 2.11+ would write for it, or in a 2.9 store,
     * which reads no tombstone (2.9.10 took one for a message of sequence 2^62 + 1000), an empty block
     * whose {@code .idx} says first last + 1, last that sequence. Without it a 2.10 server, which writes that tombstone only
     * when it finds lost data itself, would start a repaired stream with a lower last sequence
     * (checked against real 2.10.27), and 2.9.10 would reuse the sequences after the cut.
     *
     * @return false for an encrypted 2.9 stream, whose {@code .idx} would have to be sealed (refused)
     */
    private static boolean addLastSequenceBlock(StreamReport s, String who, Map<Path, RepairStep> steps) throws IOException {
        Path msgs = null;
        for (RepairStep step : steps.values()) {
            Path parent = step.target().getParent();
            String name = step.target().getFileName().toString();
            // A removed 2.9 .idx counts as a change of the blocks: it may be the one file that kept
            // the last sequence (an .idx whose last is past its block's records, the block itself
            // untouched: 2.9.10 reports that last, and without the .idx the last of the records).
            if (step.stream().equals(who) && parent != null && parent.getFileName().toString().equals("msgs")
                    && (name.endsWith(".blk") || name.matches("\\d+\\.idx"))) {
                msgs = parent;
            }
        }
        if (msgs == null) {
            // Nothing of the blocks changes: the file that kept the last sequence (index.db, or the
            // 2.9 .idx) keeps it as before, and the server starts with it as before.
            return true;
        }
        boolean legacy = !Files.exists(msgs.resolve("index.db")) && legacyIndexes(msgs);
        long last = 0;
        try (var files = Files.list(msgs)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                // An .idx left without its block still holds its number: the new block must not meet it.
                if (n.matches("\\d+\\.(blk|idx)")) {
                    last = Math.max(last, Long.parseLong(n.substring(0, n.length() - 4)));
                }
            }
        }
        Path block = msgs.resolve((last + 1) + ".blk");
        long seq = s.state().lastSeq();
        if (legacy) {
            if (encrypted(msgs)) {
                return false;
            }
            steps.put(block, new RepairStep.AddEmptyLegacyBlock(block, seq, s.state().lastTs(), who, "the blocks no longer "
                    + "hold the last sequence " + seq + " that a 2.9 .idx recorded; 2.9 reads no tombstone, so an empty block "
                    + "keeps it, as 2.9.10 keeps a block it emptied"));
            return true;
        }
        steps.put(block, new RepairStep.AddTombstoneBlock(block, seq, s.state().lastTs(), who,
                "the blocks no longer hold the last sequence " + seq + " that index.db recorded; nats-server "
                        + "2.11+ writes this tombstone itself at start-up, 2.10 only when it cuts a tail itself"));
        return true;
    }

    /** Whether the stream of {@code msgs} is encrypted: its {@code key} file, or a block's {@code <n>.key}. */
    private static boolean encrypted(Path msgs) throws IOException {
        if (msgs.getParent() != null && Files.exists(msgs.getParent().resolve("key"))) {
            return true;
        }
        try (var files = Files.list(msgs)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".key"));
        }
    }

    /** Whether {@code msgs} holds a 2.9 per-block {@code <n>.idx}. */
    private static boolean legacyIndexes(Path msgs) throws IOException {
        try (var files = Files.list(msgs)) {
            return files.anyMatch(f -> f.getFileName().toString().matches("\\d+\\.idx"));
        }
    }

    /** {@code .../obs/<consumer>} above a consumer's problem file, or null. */
    private static Path consumerDir(Path file, String consumer) {
        for (Path d = file; d != null; d = d.getParent()) {
            if (d.getFileName() != null && d.getFileName().toString().equals(consumer) && d.getParent() != null
                    && d.getParent().getFileName().toString().equals("obs")) {
                return Files.isDirectory(d) ? d : null;
            }
        }
        return null;
    }
}
