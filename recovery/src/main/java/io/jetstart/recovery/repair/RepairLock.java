package io.jetstart.recovery.repair;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One repair or undo of a store at a time: an exclusive lock on {@code <store_dir>.jetstart-repair.lock},
 * beside the store as the quarantine folders are (never inside the server's {@code store_dir}).
 * Two repairs started together each planned the same changes, and the second stopped at the first
 * file the other had changed ("exists", "changed since it was read") with a quarantine of its own;
 * a repair that found the other finished applied its plan of the files as they were before.
 * Taken before the plan is made, held until the check after the repair is done. Where the store
 * has the embedded runtime's {@code jetstart.lock}, that is locked too, so a runtime opened during
 * the repair is refused rather than writing the files being cut (the repair checked for holders
 * only once, before it started).
 *
 * <p>Design note: the file is kept (empty of meaning once unlocked): deleting a lock file after
 * use lets a third process lock the deleted file while a fourth makes a new one. It holds the pid
 * of the holder, read only to name it to a repair that finds it locked.
 */
public final class RepairLock implements AutoCloseable {
    /** The embedded runtime's lock file in the store (runtime's {@code StoreLock}). */
    static final String RUNTIME_LOCK = "jetstart.lock";

    private final List<FileChannel> channels;

    private RepairLock(List<FileChannel> channels) {
        this.channels = List.copyOf(channels);
    }

    /** What {@link #tryTake} found. */
    public sealed interface Attempt {
        /** Taken: close it when done. */
        record Taken(RepairLock lock) implements Attempt {
        }

        /** Another process (or this one) holds {@code file}: a repair or undo, or a jetstart runtime. */
        record Busy(Path file) implements Attempt {
        }
    }

    /** The lock file of the store at {@code storeRoot}. */
    public static Path file(Path storeRoot) {
        Path abs = storeRoot.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".jetstart-repair.lock");
    }

    /**
     * Takes the lock of the store at {@code storeRoot}, and the embedded runtime's
     * {@code <store_dir>/jetstart.lock} when the store has one, so a runtime started during the
     * repair is refused ("one runtime per store") instead of writing the files the repair cuts. A
     * store without that file (a server's only) gets none: the repair adds nothing to it.
     *
     * @throws IOException when the file cannot be made or opened (the store's parent folder is not writable)
     */
    public static Attempt tryTake(Path storeRoot) throws IOException {
        List<FileChannel> held = new ArrayList<>();
        try {
            Path own = file(storeRoot);
            FileChannel ch = FileChannel.open(own, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            held.add(ch);
            if (!lock(ch)) {
                closeAll(held);
                return new Attempt.Busy(own);
            }
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(pid), 0);
            Path runtime = storeRoot.toAbsolutePath().normalize().resolve(RUNTIME_LOCK);
            if (Files.isRegularFile(runtime)) {
                FileChannel rt = FileChannel.open(runtime, StandardOpenOption.WRITE);
                held.add(rt);
                if (!lock(rt)) {
                    closeAll(held);
                    return new Attempt.Busy(runtime);
                }
            }
            return new Attempt.Taken(new RepairLock(held));
        } catch (IOException | RuntimeException e) {
            closeAll(held);
            throw e;
        }
    }

    private static boolean lock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock() != null;
        } catch (java.nio.channels.OverlappingFileLockException thisJvm) {
            return false;
        }
    }

    private static void closeAll(List<FileChannel> channels) throws IOException {
        IOException first = null;
        for (FileChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The pid the lock file names (its holder's while it is locked), or empty. */
    public static Optional<Long> holder(Path storeRoot) {
        try {
            String text = Files.readString(file(storeRoot), StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Releases both locks (closing a channel releases its lock). */
    @Override
    public void close() throws IOException {
        closeAll(channels);
    }
}
