package io.jetstart.recovery.repair;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.LegacyIndexCodec;
import io.jetstart.core.format.Records;
import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.hash.RecordHashes;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Carries out a {@link RepairPlan}: for each step, first the bytes it takes go to the quarantine
 * (copied, fsynced, listed in the fsynced manifest), then the file is cut or removed and the cut
 * fsynced. The files it adds (a block holding the tombstone for a lost last sequence, or in a 2.9
 * store an empty block and its {@code .idx} keeping that sequence) are named in the manifest, with
 * a copy of their bytes, before they are written. A step whose file changed since the plan was made stops
 * the repair there.
 */
public final class Repair {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path store;
    private final Path quarantine;
    private Manifest manifest;

    private Repair(Path store, Path quarantine, Manifest manifest) {
        this.store = store;
        this.quarantine = quarantine;
        this.manifest = manifest;
    }

    /**
     * The store directory nats-server is given ({@code store_dir}, which holds {@code jetstream/}),
     * for either that folder or its {@code jetstream/} folder.
     */
    public static Path storeRoot(Path given) {
        Path abs = given.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs.resolve("jetstream")) && abs.getFileName() != null
                && abs.getFileName().toString().equals("jetstream") && abs.getParent() != null) {
            return abs.getParent();
        }
        return abs;
    }

    /**
     * A new quarantine folder beside the store ({@code <store_dir>.jetstart-quarantine-<UTC time>}),
     * never inside it: the server owns everything under {@code store_dir}.
     */
    public static Path newQuarantineFolder(Path storeRoot, Instant now) throws IOException {
        Path parent = storeRoot.getParent();
        if (parent == null) {
            throw new IOException(storeRoot + " has no parent directory to hold a quarantine folder beside it");
        }
        String base = storeRoot.getFileName() + ".jetstart-quarantine-" + STAMP.format(now.truncatedTo(ChronoUnit.SECONDS));
        for (int i = 0; ; i++) {
            Path q = parent.resolve(i == 0 ? base : base + "-" + i);
            try {
                Files.createDirectory(q);
                Files.createDirectory(q.resolve("data"));
                FileBytes.syncDirectory(parent);
                return q;
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // A repair in the same second: the next name.
            }
        }
    }

    /**
     * The files and folders {@code plan} would have to change that this process may not write (a
     * read-only mount, another user's files), in plan order. Asked before the quarantine is made: the
     * repair failed at its first removal, after copying its bytes, and said what was done was in the
     * quarantine when nothing was.
     */
    public static List<Path> notWritable(RepairPlan plan) throws IOException {
        java.util.Set<Path> out = new java.util.LinkedHashSet<>();
        for (RepairStep step : plan.steps()) {
            Path t = step.target();
            switch (step) {
                case RepairStep.Truncate x -> need(t, out);
                case RepairStep.RemoveFile x -> need(t.getParent(), out);
                case RepairStep.AddTombstoneBlock x -> need(t.getParent(), out);
                case RepairStep.AddEmptyLegacyBlock x -> need(t.getParent(), out);
                case RepairStep.RemoveDirectory x -> {
                    need(t.getParent(), out);
                    try (Stream<Path> walk = Files.walk(t)) {
                        for (Path p : walk.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                            need(p, out);
                        }
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static void need(Path p, java.util.Set<Path> out) {
        if (p != null && !Files.isWritable(p)) {
            out.add(p);
        }
    }

    /**
     * Applies {@code plan} to the store at {@code storeRoot}, keeping every byte it takes in the new,
     * empty folder {@code quarantine} (which must not be inside the store).
     *
     * @return the manifest entries written, in order
     * @throws IOException when a step cannot be done; the steps before it are done and in the
     *                     manifest (undo puts them back), nothing after it is touched
     */
    public static List<QuarantineEntry> apply(RepairPlan plan, Path storeRoot, Path quarantine) throws IOException {
        return apply(plan, storeRoot, quarantine, () -> false).entries();
    }

    /**
     * What {@link #apply(RepairPlan, Path, Path, BooleanSupplier)} did.
     *
     * @param entries   the manifest entries written, in order
     * @param stepsDone the plan's steps carried out, from its start
     */
    public record Applied(List<QuarantineEntry> entries, int stepsDone) {
    }

    /**
     * As {@link #apply(RepairPlan, Path, Path)}, but asks {@code stop} before each step and, once it
     * says true, starts no other: the steps done are whole and in the manifest, and a new plan of
     * the store does the rest (Ctrl-C: the JVM's own exit came in the middle of a step, and the
     * operator was told neither the quarantine nor what was left).
     */
    public static Applied apply(RepairPlan plan, Path storeRoot, Path quarantine, BooleanSupplier stop) throws IOException {
        Path store = storeRoot.toAbsolutePath().normalize();
        Path q = quarantine.toAbsolutePath().normalize();
        if (q.startsWith(store)) {
            throw new IOException("the quarantine " + q + " is inside the store " + store + "; it must be beside it");
        }
        Repair r = new Repair(store, q, new Manifest(store, Instant.now().toString(), List.of()));
        r.manifest.write(q);
        int done = 0;
        for (RepairStep step : plan.steps()) {
            if (stop.getAsBoolean()) {
                break;
            }
            switch (step) {
                case RepairStep.Truncate t -> r.truncate(t);
                case RepairStep.RemoveFile f -> r.removeFile(f.target(), f.length(), f.stream(), f.reason());
                case RepairStep.RemoveDirectory d -> r.removeDirectory(d);
                case RepairStep.AddTombstoneBlock a -> r.addTombstoneBlock(a);
                case RepairStep.AddEmptyLegacyBlock a -> r.addEmptyLegacyBlock(a);
            }
            done++;
        }
        return new Applied(r.manifest.entries(), done);
    }

    private void truncate(RepairStep.Truncate t) throws IOException {
        Path file = t.target();
        long size = Files.size(file);
        if (size != t.offset() + t.length()) {
            throw new IOException(file + ": expected " + (t.offset() + t.length()) + " bytes as planned, found " + size
                    + "; the store changed since it was read, repair stopped before this step");
        }
        long mtime = FileBytes.mtimeNanos(file);
        QuarantineEntry e = keep(QuarantineEntry.TRUNCATE, file, t.offset(), t.length(), FileBytes.permissions(file), mtime,
                t.stream(), t.reason());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(e.offset());
            ch.force(true);
        }
    }

    private void removeFile(Path file, long length, String stream, String reason) throws IOException {
        long size = Files.size(file);
        if (size != length) {
            throw new IOException(file + ": expected " + length + " bytes as planned, found " + size
                    + "; the store changed since it was read, repair stopped before this step");
        }
        keep(QuarantineEntry.REMOVE, file, 0, size, FileBytes.permissions(file), FileBytes.mtimeNanos(file), stream, reason);
        Files.delete(file);
        FileBytes.syncDirectory(file.getParent());
    }

    private void removeDirectory(RepairStep.RemoveDirectory d) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(d.target())) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        List<Path> dirs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (Path p : all) {
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                dirs.add(p);
            } else if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                files.add(p);
            } else {
                // Checked before anything is removed: a stop half-way leaves a consumer the server may load.
                throw new IOException(p + ": neither a file nor a directory; repair does not remove it");
            }
        }
        // The consumer's meta.inf goes first: a repair stopped after it (kill -9, a power cut) leaves a
        // folder nats-server skips ("Missing consumer metafile"), as it would have deleted it. In the
        // walk's order o.dat went first, and a stop right after it left meta.inf and meta.sum, which
        // the server loads as a consumer with no delivery state: it delivers the stream again from its start.
        files.sort(Comparator.comparing((Path p) -> !p.getFileName().toString().equals("meta.inf")));
        for (Path p : files) {
            removeFile(p, Files.size(p), d.stream(), d.reason());
        }
        // Deepest first (reverse order), so undo, which runs backwards, creates parents first.
        for (Path dir : dirs) {
            QuarantineEntry e = new QuarantineEntry(manifest.entries().size() + 1, QuarantineEntry.REMOVE_DIR, relative(dir), 0, 0,
                    "", "", FileBytes.permissions(dir), FileBytes.mtimeNanos(dir), d.stream(), d.reason());
            manifest = manifest.with(e);
            manifest.write(quarantine);
            Files.delete(dir);
            FileBytes.syncDirectory(dir.getParent());
        }
    }

    /** Writes the one-tombstone block with core's record codec. */
    private void addTombstoneBlock(RepairStep.AddTombstoneBlock a) throws IOException {
        Path file = a.target();
        long index = blockIndex(file);
        String stream = file.getParent().getParent().getFileName().toString();
        ByteWriter w = new ByteWriter(Records.EMPTY_RECORD_LENGTH);
        Records.writeTombstone(w, RecordHashes.forBlock(stream, index), a.seq(), a.ts());
        addFile(file, w.toByteArray(), a.stream(), a.reason(), file.resolveSibling(index > 1 ? (index - 1) + ".blk" : "index.db"));
    }

    /**
     * Writes a 2.9 {@code .idx} saying no messages, first {@code lastSeq} + 1, last {@code lastSeq},
     * then its empty block (the block is what makes 2.9 read the {@code .idx}). Its last checksum is 8
     * zero bytes and its first time 0: an empty block has no last record, and 2.9.10 took the pair.
     */
    private void addEmptyLegacyBlock(RepairStep.AddEmptyLegacyBlock a) throws IOException {
        long index = blockIndex(a.target());
        byte[] idx = LegacyIndexCodec.encode(new LegacyIndex(1, 0, 0, a.lastSeq() + 1, 0, a.lastSeq(), a.lastTs(),
                new SequenceSet(), new byte[8], new long[0]));
        Path sibling = a.target().resolveSibling((index - 1) + ".idx");
        addFile(a.index(), idx, a.stream(), a.reason(), sibling);
        addFile(a.target(), new byte[0], a.stream(), a.reason(), sibling);
    }

    private static long blockIndex(Path block) {
        String name = block.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - ".blk".length()));
    }

    /**
     * Adds a file the plan wants new. The manifest names it (with a copy of its bytes) before it
     * exists, so undo can tell it is ours and remove exactly it.
     */
    private void addFile(Path file, byte[] bytes, String stream, String reason, Path permissionsOf) throws IOException {
        if (Files.exists(file)) {
            throw new IOException(file + " exists; the plan wanted a new file there, repair stopped before this step");
        }
        int id = manifest.entries().size() + 1;
        String data = "data/" + String.format("%06d", id) + ".bin";
        Path copy = quarantine.resolve(data);
        Files.write(copy, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        FileBytes.syncDirectory(copy.getParent());
        String sha = FileBytes.sha256(copy, 0, bytes.length);
        manifest = manifest.with(new QuarantineEntry(id, QuarantineEntry.ADD, relative(file), 0, bytes.length, sha, data, "", 0,
                stream, reason));
        manifest.write(quarantine);
        Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        // The server's own files are 0600 (0640 on 2.9): take a sibling's, so the new one looks like them.
        if (Files.isRegularFile(permissionsOf)) {
            FileBytes.setPermissions(file, FileBytes.permissions(permissionsOf));
        }
        FileBytes.syncDirectory(file.getParent());
    }

    /** Copies the bytes to the quarantine, fsyncs them, and writes the manifest naming them. */
    private QuarantineEntry keep(String op, Path file, long offset, long length, String perms, long mtime, String stream,
                                 String reason) throws IOException {
        int id = manifest.entries().size() + 1;
        String data = "data/" + String.format("%06d", id) + ".bin";
        String sha = FileBytes.copyRange(file, offset, length, quarantine.resolve(data));
        FileBytes.syncDirectory(quarantine.resolve("data"));
        QuarantineEntry e = new QuarantineEntry(id, op, relative(file), offset, length, sha, data, perms, mtime, stream, reason);
        manifest = manifest.with(e);
        manifest.write(quarantine);
        return e;
    }

    private String relative(Path p) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        if (!abs.startsWith(store)) {
            throw new IOException(p + " is outside the store " + store + "; repair changes nothing outside it");
        }
        return store.relativize(abs).toString().replace(java.io.File.separatorChar, '/');
    }
}
