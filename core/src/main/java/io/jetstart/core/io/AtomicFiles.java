package io.jetstart.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replaces a file so that a crash at any moment leaves either the old content or the new, never a
 * mix or an empty file.
 *
 * <p>Steps: write a temp file in the target's directory, {@code fsync} it, rename it over the
 * target ({@code ATOMIC_MOVE}), then {@code fsync} the directory so the rename itself is durable.
 * nats-server before 2.12.1 truncated and rewrote meta files and {@code o.dat} in place, and still
 * does so for {@code index.db} (spec §1.1): a crash there leaves a zero-length file. The temp name
 * is unique ({@code .<name>.<random>.tmp}) so two writers of different files in one directory never
 * collide, and begins with a dot so that a temp file a crash leaves is never read by anyone:
 * nats-server 2.10.x lists a stream's blocks with {@code fmt.Sscanf(name, "%d.blk")}, which also
 * takes {@code 177.blk.<random>.tmp} for block 177 (2.15.1 checks the suffix first), and read a
 * block secure erase was rewriting twice, counting its messages again (RemovalCrashIT).
 *
 * <p>Files are created 0600 where POSIX permissions exist (nats-server's {@code defaultFilePerms}).
 */
public final class AtomicFiles {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");
    private static final String TEMP_SUFFIX = ".tmp";

    private AtomicFiles() {
    }

    /**
     * Atomically replaces (or creates) {@code target} with {@code data}.
     *
     * @throws IOException if any step fails; the temp file is then removed and the target is
     *                     unchanged (a {@link java.nio.channels.ClosedByInterruptException} means the
     *                     calling thread was interrupted)
     */
    public static void write(Path target, byte[] data) throws IOException {
        write(target, data, null);
    }

    /**
     * What runs between the steps of {@link #write(Path, byte[], Steps)}: a test takes the files a
     * kill would leave there.
     */
    public interface Steps {
        /** The temp file is written and synced, the target untouched. */
        default void tempWritten() {
        }

        /** The temp file is renamed over the target; the directory is not synced yet. */
        default void renamed() {
        }

        /** The directory is synced: the write is durable. */
        default void directorySynced() {
        }
    }

    /** {@link #write(Path, byte[])}, with {@code steps} (may be null) told of each step. */
    public static void write(Path target, byte[] data, Steps steps) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = parentOf(target, absolute);
        Path temp = writeTemp(dir, target, data);
        boolean moved = false;
        try {
            if (steps != null) {
                steps.tempWritten();
            }
            replace(temp, target, absolute);
            moved = true;
            if (steps != null) {
                steps.renamed();
            }
            syncDirectory(dir);
            if (steps != null) {
                steps.directorySynced();
            }
        } finally {
            if (!moved) {
                deleteQuietly(temp);
            }
        }
    }

    /**
     * Replaces (or creates) {@code target} with {@code data} by a temp file and a rename, as
     * {@link #write} does, but syncs nothing: nats-server's {@code writeAtomically} with
     * {@code sync} false, how it writes a consumer's {@code o.dat} unless the stream syncs always.
     * A kill -9 of the process still leaves the old content or the new (the rename is the kernel's
     * at once); a power cut before a later {@link #syncFile} and {@link #syncDirectory} may lose
     * the write, and on a file system that does not order a rename after the renamed file's data
     * (ext4 does by default, its {@code auto_da_alloc}) may leave the new name without its data.
     * The temp file is made, written and closed through one descriptor.
     *
     * @throws IOException if a step fails; the temp file is then removed and the target unchanged
     */
    public static void writeUnsynced(Path target, byte[] data) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = parentOf(target, absolute);
        NewTemp temp = newTemp(dir, target, absolute.getFileName().toString());
        boolean moved = false;
        try {
            try (FileChannel ch = temp.channel()) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            } catch (IOException e) {
                throw WriteErrors.naming("write", target, e);
            }
            replace(temp.path(), target, absolute);
            moved = true;
        } finally {
            if (!moved) {
                deleteQuietly(temp.path());
            }
        }
    }

    /** A temp file just made, open for writing. */
    private record NewTemp(Path path, FileChannel channel) {
    }

    /** A new temp file for {@code name} in {@code dir}, named as {@link #createTemp} names it, made and opened at once. */
    private static NewTemp newTemp(Path dir, Path target, String name) throws IOException {
        while (true) {
            Path temp = dir.resolve("." + name + "." + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong())
                    + TEMP_SUFFIX);
            try {
                FileChannel ch = POSIX ? FileChannel.open(temp, NEW_FILE, PosixFilePermissions.asFileAttribute(FILE_PERMS))
                        : FileChannel.open(temp, NEW_FILE);
                return new NewTemp(temp, ch);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // Another temp file of this target under the same random name: draw again.
            } catch (IOException e) {
                throw WriteErrors.naming("write", target, e);
            }
        }
    }

    private static final Set<StandardOpenOption> NEW_FILE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    /**
     * {@code fsync} of the file {@code file} names now (its data and size; the rename that put it
     * there needs {@link #syncDirectory} of its directory as well).
     *
     * @throws java.nio.file.NoSuchFileException when nothing is there (removed meanwhile)
     */
    public static void syncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Replaces two files of one directory, each atomically, with both contents written and synced
     * before either is renamed: a pair that must agree ({@code meta.inf} and the {@code meta.sum}
     * over it) is never left half replaced by a write that fails (a full disk at the second file
     * left a new {@code meta.inf} beside the old {@code meta.sum}, and jetstart and nats-server then
     * refuse the stream at its next start). A crash between the two renames still can; the renames
     * need no room on the disk.
     */
    public static void writePair(Path first, byte[] firstData, Path second, byte[] secondData) throws IOException {
        Path a = first.toAbsolutePath();
        Path b = second.toAbsolutePath();
        Path dir = parentOf(first, a);
        if (!dir.equals(b.getParent())) {
            throw new IllegalArgumentException(first + " and " + second + " are not in one directory");
        }
        Path tempA = writeTemp(dir, first, firstData);
        Path tempB = null;
        boolean moved = false;
        try {
            tempB = writeTemp(dir, second, secondData);
            replace(tempA, first, a);
            moved = true;
            replace(tempB, second, b);
            tempB = null;
            syncDirectory(dir);
        } finally {
            if (!moved) {
                deleteQuietly(tempA);
            }
            if (tempB != null) {
                deleteQuietly(tempB);
            }
        }
    }

    private static Path parentOf(Path target, Path absolute) throws IOException {
        Path dir = absolute.getParent();
        if (dir == null) {
            throw new IOException("cannot write " + target + ": it has no parent directory");
        }
        return dir;
    }

    /** A temp file beside {@code target} holding {@code data}, synced; none is left when this fails. */
    private static Path writeTemp(Path dir, Path target, byte[] data) throws IOException {
        Path temp = createTemp(dir, target.toAbsolutePath().getFileName().toString());
        boolean written = false;
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
            written = true;
        } catch (IOException e) {
            // The target, not the temp file (removed below): what the caller wanted written.
            throw WriteErrors.naming("write", target, e);
        } finally {
            if (!written) {
                deleteQuietly(temp);
            }
        }
        return temp;
    }

    private static void replace(Path temp, Path target, Path absolute) throws IOException {
        try {
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace " + target + " atomically on this file system", e);
        }
    }

    /** A new, empty temp file for {@code name} in {@code dir} (package-private for its test). */
    static Path createTemp(Path dir, String name) throws IOException {
        String prefix = "." + name + ".";
        if (POSIX) {
            FileAttribute<Set<PosixFilePermission>> perms = PosixFilePermissions.asFileAttribute(FILE_PERMS);
            return Files.createTempFile(dir, prefix, TEMP_SUFFIX, perms);
        }
        return Files.createTempFile(dir, prefix, TEMP_SUFFIX);
    }

    /**
     * Makes a rename (or a removal) in {@code dir} durable. Only POSIX systems can open a directory
     * for {@code fsync}; on Windows the rename is durable through NTFS's own journal, and
     * nats-server skips this step there too.
     */
    public static void syncDirectory(Path dir) throws IOException {
        if (!POSIX) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * The name of the file a temp file of {@link #write} was to replace, when {@code fileName} is
     * exactly such a name: {@code .<target>.<unsigned decimal long>.tmp} ({@code Files.createTempFile}
     * puts {@code Long.toUnsignedString} of a random long between the prefix and the suffix); else
     * empty. A kill between the temp file's creation and its rename leaves it behind for good.
     */
    public static java.util.Optional<String> tempTarget(String fileName) {
        if (!fileName.startsWith(".") || !fileName.endsWith(TEMP_SUFFIX)) {
            return java.util.Optional.empty();
        }
        int end = fileName.length() - TEMP_SUFFIX.length();
        int dot = fileName.lastIndexOf('.', end - 1);
        // 1 to 20 digits (2^64 - 1 has 20), after a target of at least one character.
        if (dot < 2 || end - dot - 1 < 1 || end - dot - 1 > 20) {
            return java.util.Optional.empty();
        }
        for (int i = dot + 1; i < end; i++) {
            char c = fileName.charAt(i);
            if (c < '0' || c > '9') {
                return java.util.Optional.empty();
            }
        }
        try {
            Long.parseUnsignedLong(fileName, dot + 1, end, 10);
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(fileName.substring(1, dot));
    }

    /**
     * Removes the temp files {@link #write} left in {@code dir} (a kill between a temp file's
     * creation and its rename) whose target {@code ours} accepts; nothing else is touched: a name
     * that is not exactly {@link #tempTarget such a temp name}, a directory, or another target's temp
     * file stays. The caller must be the only writer of those targets (no write of them in flight).
     * Returns the files removed; the directory is synced when there were any.
     */
    public static java.util.List<Path> removeLeftoverTemps(Path dir, java.util.function.Predicate<String> ours) throws IOException {
        java.util.List<Path> removed = new java.util.ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".*" + TEMP_SUFFIX)) {
            for (Path f : files) {
                java.util.Optional<String> target = tempTarget(f.getFileName().toString());
                if (target.isPresent() && ours.test(target.get())
                        && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(f)) {
                    removed.add(f);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return removed;
        }
        if (!removed.isEmpty()) {
            syncDirectory(dir);
        }
        return removed;
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // The original failure is what the caller needs; a stray temp file is harmless.
        }
    }
}
