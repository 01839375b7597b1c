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
    /**
     * @param whole read for a sealed block (committed length -1): final, valid for any later request;
     *              otherwise valid only for committed lengths up to {@code length}
     */
    private record Entry(byte[] bytes, int length, boolean whole, long[] seqs, int[] offsets) {
        long size() {
            return bytes.length + 12L * seqs.length;
        }
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

    /**
     * A cached block's bytes (never modified by anyone), how many of them readers may parse, and
     * where each message record starts ({@code seqs} ascending, as the block scan visits them).
     */
    record Bytes(byte[] array, int length, long[] seqs, int[] offsets) {
        /** Offset of message {@code seq}'s record inside the committed bytes, or -1. */
        int offsetOf(long seq) {
            int i = Arrays.binarySearch(seqs, seq);
            return i < 0 || offsets[i] >= length ? -1 : offsets[i];
        }
    }

    /**
     * The first {@code committed} bytes of {@code file} (-1: the whole file as it is now); fewer
     * when the file is shorter.
     */
    Bytes read(Path file, long committed) throws IOException, InterruptedException {
        lock.lock();
        try {
            Entry e = entries.get(file);
            if (e != null && (committed < 0 ? e.whole : e.length >= committed)) {
                return new Bytes(e.bytes, committed < 0 ? e.length : (int) committed, e.seqs, e.offsets);
            }
        } finally {
            lock.unlock();
        }
        Entry grown = committed > 0 ? grow(file, committed) : null;
        if (grown != null) {
            return new Bytes(grown.bytes, (int) committed, grown.seqs, grown.offsets);
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
        long[][] seqs = new long[1][];
        int[][] offsets = new int[1][];
        index(file, copy, seqs, offsets);
        Entry fresh = new Entry(copy, copy.length, committed < 0, seqs[0], offsets[0]);
        lock.lock();
        try {
            Entry old = entries.put(file, fresh);
            held += fresh.size() - (old == null ? 0 : old.size());
            for (Iterator<Map.Entry<Path, Entry>> it = entries.entrySet().iterator(); held > budget && it.hasNext(); ) {
                Map.Entry<Path, Entry> victim = it.next();
                if (victim.getKey().equals(file)) {
                    continue;
                }
                held -= victim.getValue().size();
                it.remove();
            }
        } finally {
            lock.unlock();
        }
        int len = committed >= 0 && committed < copy.length ? (int) committed : copy.length;
        return new Bytes(copy, len, fresh.seqs, fresh.offsets);
    }

    /**
     * A growing block (the writer's last one) whose shorter prefix is cached: only the new bytes are
     * read (they are records the writer has completed) and indexed, so reading after each batch
     * does not read the whole block again. Null when nothing usable is cached.
     */
    private Entry grow(Path file, long committed) throws IOException {
        Entry old;
        lock.lock();
        try {
            old = entries.get(file);
        } finally {
            lock.unlock();
        }
        if (old == null || old.whole || old.length >= committed || committed > BlockBuffers.MAX_BLOCK_BYTES) {
            return null;
        }
        int extra = (int) committed - old.length;
        byte[] bytes = Arrays.copyOf(old.bytes, (int) committed);
        gate.run(() -> {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(bytes, old.length, extra);
                long pos = old.length;
                while (bb.hasRemaining()) {
                    int n = ch.read(bb, pos);
                    if (n < 0) {
                        throw new java.io.EOFException(file + " ends at " + pos + ", expected " + committed + " committed bytes");
                    }
                    pos += n;
                }
            }
            return null;
        });
        long[][] seqs = new long[1][];
        int[][] offsets = new int[1][];
        index(file, Arrays.copyOfRange(bytes, old.length, bytes.length), seqs, offsets);
        int n = old.seqs.length;
        long[] allSeqs = Arrays.copyOf(old.seqs, n + seqs[0].length);
        int[] allOffsets = Arrays.copyOf(old.offsets, n + offsets[0].length);
        for (int i = 0; i < seqs[0].length; i++) {
            allSeqs[n + i] = seqs[0][i];
            allOffsets[n + i] = offsets[0][i] + old.length;
        }
        Entry fresh = new Entry(bytes, bytes.length, false, allSeqs, allOffsets);
        lock.lock();
        try {
            Entry replaced = entries.put(file, fresh);
            held += fresh.size() - (replaced == null ? 0 : replaced.size());
        } finally {
            lock.unlock();
        }
        return fresh;
    }

    /** One pass over the block: where each message record starts, so a get is a binary search. */
    private void index(Path file, byte[] block, long[][] seqsOut, int[][] offsetsOut) {
        long[] seqs = new long[64];
        int[] offsets = new int[64];
        int[] n = {0};
        long[][] s = {seqs};
        int[][] o = {offsets};
        // forEachMessage verifies nothing, so the scanner's stream name and block index do not matter;
        // the reader verifies each record it returns.
        new io.jetstart.core.format.BlockScanner("", io.jetstart.core.hash.RecordHashSource.chosen()).forEachMessage(0, block, block.length,
                (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
                    if (n[0] == s[0].length) {
                        s[0] = Arrays.copyOf(s[0], n[0] * 2);
                        o[0] = Arrays.copyOf(o[0], n[0] * 2);
                    }
                    s[0][n[0]] = seq;
                    o[0][n[0]] = so - io.jetstart.core.format.Records.HEADER_SIZE;
                    n[0]++;
                });
        seqsOut[0] = Arrays.copyOf(s[0], n[0]);
        offsetsOut[0] = Arrays.copyOf(o[0], n[0]);
    }
}
