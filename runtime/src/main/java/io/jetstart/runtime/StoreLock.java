package io.jetstart.runtime;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive lock a runtime holds on its store: an OS file lock on {@code <store_dir>/jetstart.lock}
 * (POSIX {@code fcntl} / Windows {@code LockFileEx}), so a second runtime in another process is
 * refused, and a second one in this JVM too (the JDK reports the overlap). The OS drops the lock
 * when the process dies, kill -9 included, so a stale file never blocks a restart. Read-only
 * tools ({@code inspect}, {@code dump}, {@code recover}) do not take it.
 */
final class StoreLock implements AutoCloseable {
    static final String FILE = "jetstart.lock";

    private final FileChannel ch;
    private final FileLock lock;

    private StoreLock(FileChannel ch, FileLock lock) {
        this.ch = ch;
        this.lock = lock;
    }

    static StoreLock acquire(Path storeDir) throws IOException {
        Path file = storeDir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw new StoreLockedException(storeDir + " is already open in this JVM (lock " + file + ")");
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            throw new StoreLockedException(storeDir + " is open in another process (lock " + file
                    + " is held); one runtime per store");
        }
        return new StoreLock(ch, lock);
    }

    /**
     * Releases the lock; a second call does nothing (FileLock.release on a closed channel throws
     * ClosedChannelException, and a close that runs again must not fail on it).
     */
    @Override
    public void close() throws IOException {
        if (!ch.isOpen()) {
            return;
        }
        try {
            lock.release();
        } finally {
            ch.close();
        }
    }
}
