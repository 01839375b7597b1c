package io.jetstart.runtime;

import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Block bytes recently read, bounded by their total size, least recently used first out. Shared by
 * every reader of a store.
 *
 * <p>Design note: blocks only grow at their end (the runtime never rewrites one), so bytes cached
 * at length L stay true for any reader whose committed length is at most L; a longer committed
 * length reads the file again. The lock guards the map only; files are read outside it, so a slow
 * disk never blocks another reader's hit.
 */
final class BlockCache {
    private record Entry(byte[] bytes, int length) {
    }

    private final long budget;
    private final DiskGate gate;
    private final BlockBuffers buffers;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Path, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long held;

    BlockCache(long budgetBytes, DiskGate gate, BlockBuffers buffers) {
        this.budget = budgetBytes;
        this.gate = gate;
        this.buffers = buffers;
    }

    /** A cached block's bytes (never modified by anyone) and how many of them hold the block. */
    record Bytes(byte[] array, int length) {
    }

    /**
     * The first {@code committed} bytes of {@code file} (-1: the whole file as it is now); fewer
     * when the file is shorter.
     */
    Bytes read(Path file, long committed) throws IOException, InterruptedException {
        lock.lock();
        try {
            Entry e = entries.get(file);
            if (e != null && committed >= 0 && e.length >= committed) {
                return new Bytes(e.bytes, (int) committed);
            }
        } finally {
            lock.unlock();
        }
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        byte[] copy;
        try {
            int len = BlockFiles.readBlock(file, buffers, lease, gate);
            copy = Arrays.copyOf(lease[0].array(), len);
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
        lock.lock();
        try {
            Entry old = entries.put(file, new Entry(copy, copy.length));
            held += copy.length - (old == null ? 0 : old.length);
            for (Iterator<Map.Entry<Path, Entry>> it = entries.entrySet().iterator(); held > budget && it.hasNext(); ) {
                Map.Entry<Path, Entry> victim = it.next();
                if (victim.getKey().equals(file)) {
                    continue;
                }
                held -= victim.getValue().length;
                it.remove();
            }
        } finally {
            lock.unlock();
        }
        int len = committed >= 0 && committed < copy.length ? (int) committed : copy.length;
        return new Bytes(copy, len);
    }
}
