package io.jetstart.runtime;

import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.store.StreamMutator;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Removes the files of a stream's emptied blocks once they hold no live message (nats-server's
 * {@code removeMsgBlock} when a block {@code isEmpty()}), for the stream's writer, on its thread:
 * the first ones, and those between the first and the tail that {@link EmptiedMiddleBlocks} lets go.
 *
 * <p>Design note: blocks go in ascending index order, and each one's
 * {@code <n>.blk} before its {@code <n>.key} (a key without its block is never read; a block
 * without its key would be unreadable), a 2.9 block's {@code <n>.idx} and {@code <n>.fss} between. Files of blocks the stream's state does not hold can lie
 * among them ("strays"): an {@code index.db} leaves out blocks that held no message when it was
 * written, and recovery adopting it leaves them out too (as nats-server does). A stray below the
 * cut goes with the blocks when the state came from {@code index.db} (it is one the file called
 * empty); after a rebuild it is a file recovery passed over, and the cut stays at or below it.
 * The directory is listed once, the first time: the writer makes every later block itself.
 */
final class BlockReclaimer {
    private final Path msgsDir;
    private final boolean adoptedIndex;
    /** Ascending indexes of block files below the tail that the state does not hold; null until listed. */
    private long[] strays;
    /** Block files removed so far (strays included). */
    private long removed;

    BlockReclaimer(Path msgsDir, boolean adoptedIndex) {
        this.msgsDir = msgsDir;
        this.adoptedIndex = adoptedIndex;
    }

    /** The strays, ascending (the directory is listed the first time). */
    long[] strays(StreamMutator state) throws IOException {
        if (strays == null) {
            strays = list(state);
        }
        return strays;
    }

    /** Whether strays may go (the state came from {@code index.db}); otherwise none is passed. */
    boolean straysMayGo() {
        return adoptedIndex;
    }

    /**
     * Removes the files of blocks {@code blocks} (ascending, all below {@code cut}) and of the strays
     * below {@code cut}, lowest index first, then syncs the directory. The caller has made the
     * tombstones that emptied them durable, and writes {@code index.db} after.
     */
    void remove(long[] blocks, long cut) throws IOException {
        remove(blocks, cut, null);
    }

    /** {@link #remove(long[], long)}; {@code afterEach} (may be null) runs after each block's files went. */
    void remove(long[] blocks, long cut, Runnable afterEach) throws IOException {
        long[] st = strays == null ? new long[0] : strays;
        int s = 0;
        for (long index : blocks) {
            while (s < st.length && st[s] < index) {
                delete(st[s++]);
            }
            delete(index);
            if (afterEach != null) {
                afterEach.run();
            }
        }
        while (s < st.length && st[s] < cut) {
            delete(st[s++]);
        }
        if (strays != null) {
            strays = Arrays.copyOfRange(st, s, st.length);
        }
        AtomicFiles.syncDirectory(msgsDir);
    }

    /**
     * Removes the files of blocks {@code blocks} (ascending, emptied blocks between the first and
     * the tail), lowest index first, then syncs the directory; strays stay.
     */
    void removeBlocks(long[] blocks) throws IOException {
        removeBlocks(blocks, null);
    }

    /** {@link #removeBlocks(long[])}; {@code afterEach} (may be null) runs after each block's files went. */
    void removeBlocks(long[] blocks, Runnable afterEach) throws IOException {
        for (long index : blocks) {
            delete(index);
            if (afterEach != null) {
                afterEach.run();
            }
        }
        AtomicFiles.syncDirectory(msgsDir);
    }

    long removed() {
        return removed;
    }

    private void delete(long index) throws IOException {
        Files.deleteIfExists(BlockFiles.blockPath(msgsDir, index));
        // A 2.9 block's per-block files go with it, as 2.9's own removal takes them: left behind
        // they describe a block that is gone. Before the key: an encrypted .idx opens with it.
        Files.deleteIfExists(msgsDir.resolve(index + ".idx"));
        Files.deleteIfExists(msgsDir.resolve(index + ".fss"));
        Files.deleteIfExists(msgsDir.resolve(index + ".key"));
        removed++;
    }

    /** The block files below the tail that {@code state} does not hold, ascending. */
    private long[] list(StreamMutator state) throws IOException {
        long tail = state.lastBlockIndex();
        long[] out = new long[8];
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(msgsDir, "*.blk")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                long index;
                try {
                    index = Long.parseLong(name.substring(0, name.length() - 4));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (index < tail && !state.hasBlock(index)) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = index;
                }
            }
        } catch (NoSuchFileException e) {
            return new long[0];
        }
        long[] sorted = Arrays.copyOf(out, n);
        Arrays.sort(sorted);
        return sorted;
    }
}
