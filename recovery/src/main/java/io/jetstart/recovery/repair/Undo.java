package io.jetstart.recovery.repair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jetstart repair --undo <quarantine>}: puts every byte of a quarantine back where it was,
 * newest entry first, checking each copy's sha256 before it is used. Idempotent: an entry whose
 * bytes are already in place (undone before, or never applied because a crash came between the
 * manifest and the cut) is skipped; an entry whose target holds something else stops the undo
 * with a message naming it, and nothing is overwritten.
 */
public final class Undo {
    private Undo() {
    }

    /** What an undo did: the store, and one line per entry. */
    public record Result(Path store, List<String> restored, List<String> alreadyInPlace) {
    }

    /** The store a quarantine belongs to, from its manifest. */
    public static Path store(Path quarantine) throws IOException {
        return Manifest.read(quarantine).store();
    }

    public static Result undo(Path quarantine) throws IOException {
        Manifest m = Manifest.read(quarantine);
        Path store = m.store();
        if (!Files.isDirectory(store)) {
            throw new IOException("the store " + store + " named by " + quarantine.resolve(Manifest.FILE) + " is not a directory");
        }
        List<String> restored = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<QuarantineEntry> entries = m.entries();
        for (int i = entries.size() - 1; i >= 0; i--) {
            QuarantineEntry e = entries.get(i);
            Path target = store.resolve(e.file());
            if (!target.toAbsolutePath().normalize().startsWith(store)) {
                throw new IOException("manifest entry " + e.id() + " names " + e.file() + ", outside the store; undo stopped");
            }
            boolean done = switch (e.op()) {
                case QuarantineEntry.TRUNCATE -> untruncate(quarantine, e, target);
                case QuarantineEntry.REMOVE -> unremove(quarantine, e, target);
                case QuarantineEntry.REMOVE_DIR -> unremoveDir(e, target);
                case QuarantineEntry.ADD -> unadd(quarantine, e, target);
                default -> throw new IOException("manifest entry " + e.id() + ": unknown op '" + e.op() + "'; undo stopped");
            };
            (done ? restored : skipped).add(e.op() + " " + e.file() + (e.length() > 0 ? " (" + e.length() + " bytes at " + e.offset() + ")" : ""));
        }
        // Directory times change as their entries come back: set them last, parents after children.
        for (QuarantineEntry e : entries) {
            if (e.op().equals(QuarantineEntry.REMOVE_DIR)) {
                FileBytes.setMtime(store.resolve(e.file()), e.mtimeNanos());
            }
        }
        return new Result(store, restored, skipped);
    }

    private static Path verifiedData(Path quarantine, QuarantineEntry e) throws IOException {
        Path data = quarantine.resolve(e.data()).normalize();
        if (!data.startsWith(quarantine.toAbsolutePath().normalize()) && !data.startsWith(quarantine.normalize())) {
            throw new IOException("manifest entry " + e.id() + ": data " + e.data() + " is outside the quarantine");
        }
        long size = Files.size(data);
        String sha = FileBytes.sha256(data, 0, size);
        if (size != e.length() || !sha.equals(e.sha256())) {
            throw new IOException(data + ": expected " + e.length() + " bytes with sha256 " + e.sha256() + ", found " + size
                    + " bytes with sha256 " + sha + "; the quarantine copy is damaged, undo stopped");
        }
        return data;
    }

    private static boolean untruncate(Path quarantine, QuarantineEntry e, Path target) throws IOException {
        long size = Files.size(target);
        if (size == e.offset() + e.length() && FileBytes.sha256(target, e.offset(), e.length()).equals(e.sha256())) {
            return false;
        }
        // Between the cut and the whole, holding the start of the cut bytes: an undo killed while it
        // wrote them back. Written again from the cut, the same bytes at the same places.
        boolean resumed = size > e.offset() && size < e.offset() + e.length()
                && FileBytes.sha256(target, e.offset(), size - e.offset())
                        .equals(FileBytes.sha256(verifiedData(quarantine, e), 0, size - e.offset()));
        if (size != e.offset() && !resumed) {
            throw new IOException(target + ": expected " + e.offset() + " bytes (as the repair left it), found " + size
                    + "; it changed since the repair, undo stopped before overwriting anything");
        }
        FileBytes.appendAt(target, e.offset(), verifiedData(quarantine, e));
        FileBytes.setMtime(target, e.mtimeNanos());
        return true;
    }

    private static boolean unremove(Path quarantine, QuarantineEntry e, Path target) throws IOException {
        boolean resumed = false;
        if (Files.exists(target)) {
            long size = Files.size(target);
            if (size == e.length() && FileBytes.sha256(target, 0, e.length()).equals(e.sha256())) {
                return false;
            }
            // The start of the removed file: an undo killed while it copied it back.
            resumed = size < e.length()
                    && FileBytes.sha256(target, 0, size).equals(FileBytes.sha256(verifiedData(quarantine, e), 0, size));
            if (!resumed) {
                throw new IOException(target + " exists and is not the file the repair removed (entry " + e.id()
                        + "); undo stopped before overwriting it");
            }
        }
        Path data = verifiedData(quarantine, e);
        if (resumed) {
            Files.copy(data, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.copy(data, target);
        }
        try (var ch = java.nio.channels.FileChannel.open(target, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        FileBytes.setPermissions(target, e.permissions());
        FileBytes.setMtime(target, e.mtimeNanos());
        FileBytes.syncDirectory(target.getParent());
        return true;
    }

    /**
     * Removes a file the repair added, only when it still holds exactly the bytes the repair wrote,
     * or the start of them: a repair killed while it wrote the file (created new, named in the
     * manifest before) left it empty or cut, and undo stopped at it, the newest entry, so it put
     * nothing back at all.
     */
    private static boolean unadd(Path quarantine, QuarantineEntry e, Path target) throws IOException {
        if (!Files.exists(target)) {
            return false;
        }
        long size = Files.size(target);
        boolean whole = size == e.length() && FileBytes.sha256(target, 0, e.length()).equals(e.sha256());
        boolean cut = size < e.length() && FileBytes.sha256(target, 0, size).equals(FileBytes.sha256(verifiedData(quarantine, e), 0, size));
        if (!whole && !cut) {
            throw new IOException(target + " is not the file the repair added (entry " + e.id() + "): expected " + e.length()
                    + " bytes with sha256 " + e.sha256() + "; undo stopped before removing it");
        }
        Files.delete(target);
        FileBytes.syncDirectory(target.getParent());
        return true;
    }

    private static boolean unremoveDir(QuarantineEntry e, Path target) throws IOException {
        if (Files.isDirectory(target)) {
            return false;
        }
        Files.createDirectory(target);
        FileBytes.setPermissions(target, e.permissions());
        FileBytes.syncDirectory(target.getParent());
        return true;
    }
}
