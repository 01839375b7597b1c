package io.jetstart.recovery.repair;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One repair or undo of a store at a time: an exclusive lock on {@code <store_dir>.jetstart-repair.lock},
 * beside the store as the quarantine folders are (never inside the server's {@code store_dir}).
 * Two repairs started together each planned the same changes, and the second stopped at the first
 * file the other had changed ("exists", "changed since it was read") with a quarantine of its own;
 * a repair that found the other finished applied its plan of the files as they were before.
 * Taken before the plan is made, held until the check after the repair is done.
 *
 * <p>Design note: the file is kept (empty of meaning once unlocked): deleting a lock file after
 * use lets a third process lock the deleted file while a fourth makes a new one. It holds the pid
 * of the holder, read only to name it to a repair that finds it locked.
 */
public final class RepairLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RepairLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file of the store at {@code storeRoot}. */
    public static Path file(Path storeRoot) {
        Path abs = storeRoot.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".jetstart-repair.lock");
    }

    /**
     * Takes the lock of the store at {@code storeRoot}, or returns empty when another process (or
     * this one) holds it.
     *
     * @throws IOException when the file cannot be made or opened (the store's parent folder is not writable)
     */
    public static Optional<RepairLock> tryTake(Path storeRoot) throws IOException {
        FileChannel ch = FileChannel.open(file(storeRoot), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException thisJvm) {
                l = null;
            }
            if (l == null) {
                ch.close();
                return Optional.empty();
            }
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(pid), 0);
            return Optional.of(new RepairLock(ch, l));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
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

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
