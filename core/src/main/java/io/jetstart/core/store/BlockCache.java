package io.jetstart.core.store;

import io.jetstart.core.crypto.BlockKeystream;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.CompressedBlockException;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.Interrupts;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Block plaintext recently read (decrypted, decompressed, its records indexed), bounded by total
 * size, least recently used first out. Shared by every stream of a runtime; each stream reads
 * through its own {@link #source}, its readers and its writer (whose single removals find their
 * record through the cached record index).
 *
 * <pre>
 *  entry per block file:  plaintext[0, length)  record index  keystream (encrypted block)
 *                         whole: read as a sealed block (valid for any view)
 *                         else:  a growing block's committed prefix (valid for views up to length)
 *                         fileKey: the file it came from (a compressed rewrite replaces the file)
 * </pre>
 *
 * <p>Design note: a block only grows at its end while it is the writer's last one, so bytes cached
 * at length L stay true for any view whose committed length is at most L, and a longer one reads
 * only the new bytes. When the writer rolls to a new block it may replace the old one by its
 * compressed form (a rename): the plaintext is the same, but its file offsets are not, so new bytes
 * are read only from the file the entry came from (same {@code fileKey}, checked before and after
 * the read); otherwise the block is read again whole. The same holds for a sealed block the writer
 * compacts (a rewrite without removed messages' records): a view older than it may still call the
 * block growing, with a committed length the new file does not reach, so a read that ends early
 * means "read again whole", never an error. The lock guards the map only; files are read outside
 * it, so a slow disk never blocks another reader's hit.
 */
public final class BlockCache {
    private record Entry(byte[] bytes, int length, boolean whole, RecordIndex index, Object fileKey,
                         BlockKeystream keystream, boolean decoded) {
        long size() {
            return bytes.length + 12L * index.count();
        }
    }

    private final long budget;
    private final DiskGate gate;
    private final BlockBuffers buffers;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Path, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long held;

    public BlockCache(long budgetBytes, DiskGate gate, BlockBuffers buffers) {
        this.budget = budgetBytes;
        this.gate = gate;
        this.buffers = buffers;
    }

    /** The blocks of {@code store} (its keys decrypt them), through this cache. */
    public BlockSource source(StreamStore store) {
        return new Source(store);
    }

    /** Forgets every block under {@code dir} (a deleted stream: a new one of the same name reuses the paths). */
    public void evictUnder(Path dir) {
        lock.lock();
        try {
            for (Iterator<Map.Entry<Path, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Path, Entry> e = it.next();
                if (e.getKey().startsWith(dir)) {
                    held -= e.getValue().size();
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forgets block file {@code file} (its writer removed it). */
    void evict(Path file) {
        lock.lock();
        try {
            Entry e = entries.remove(file);
            if (e != null) {
                held -= e.size();
            }
        } finally {
            lock.unlock();
        }
    }

    private BlockBytes load(StreamStore store, StreamView.Block b) throws BlockUnreadableException, InterruptedException {
        long committed = b.length();
        Path file = b.file();
        Entry e;
        lock.lock();
        try {
            e = entries.get(file);
        } finally {
            lock.unlock();
        }
        if (e != null && (committed < 0 ? e.whole : e.length >= committed)) {
            return bytes(e);
        }
        try {
            if (e != null && committed > 0 && !e.whole && !e.decoded) {
                Entry grown = grow(file, e, committed);
                if (grown != null) {
                    return bytes(put(file, grown));
                }
            }
            return bytes(put(file, readWhole(store, b)));
        } catch (InterruptedIOException | ClosedByInterruptException x) {
            throw Interrupts.cancelled(file, x);
        } catch (IOException x) {
            throw new BlockUnreadableException(file, -1, "cannot read block: " + x.getClass().getSimpleName() + ": "
                    + x.getMessage(), x);
        }
    }

    private static BlockBytes bytes(Entry e) {
        return new BlockBytes(e.bytes, e.length, e.index, () -> { });
    }

    private Entry put(Path file, Entry fresh) {
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
        return fresh;
    }

    /** Reads, decrypts and decodes the whole file; a growing block keeps only its committed prefix. */
    private Entry readWhole(StreamStore store, StreamView.Block b)
            throws IOException, InterruptedException, BlockUnreadableException {
        Path file = b.file();
        Object key = fileKey(file);
        Optional<BlockKeystream> ks;
        try {
            ks = store.blockKeystream(b.index());
        } catch (StoreException x) {
            throw new BlockUnreadableException(file, -1, "cannot decrypt block: " + x.getMessage(), x);
        }
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        try {
            int raw = BlockFiles.readRaw(file, buffers, lease, gate);
            if (ks.isPresent()) {
                ks.get().xor(lease[0].array(), 0, raw, 0);
            }
            BlockFiles.BlockRead read;
            try {
                read = BlockFiles.decompress(file, lease[0], raw);
            } catch (CompressedBlockException x) {
                throw new BlockUnreadableException(file, x.offset(), "compressed block does not decode: " + x.reason(), x);
            }
            long committed = b.length();
            // A growing block: bytes past the view's committed length may be a write in progress.
            int keep = committed >= 0 && committed < read.length() ? (int) committed : read.length();
            byte[] copy = Arrays.copyOf(lease[0].array(), keep);
            return new Entry(copy, keep, committed < 0, RecordIndex.of(copy, keep), key, ks.orElse(null), read.decompressed());
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
    }

    /**
     * A growing block (the writer's last one) whose shorter prefix is cached: reads only the bytes
     * the writer completed since, from the same file. Null when the file is no longer the one the
     * entry came from, or ends before {@code committed}: the caller reads it again whole.
     *
     * <p>NOTE: a view older than a rewrite of the block (the writer's compaction of the sealed
     * block, or its compressed form) still calls it growing, with a committed length the new file
     * may not reach. Two ways lead here with such a view: the rename falls between the identity
     * check and the open, so the channel reads the new file; or the entry is that view's own whole
     * read of the new file, kept as a prefix shorter than the committed length, with the new
     * file's identity. The read then ends early, or (the first way) reads other records at these
     * offsets, which the second identity check sees. Either is null, never an error: the view
     * reads the new file whole, where every record it may hand out is (a rewrite only drops
     * records, and a kept one only moves towards the start). Until 2026-12 an early end was an
     * {@code EOFException}, which the reader reported as an unreadable block
     * ({@code BlockCompactionTest}'s readers under load: "15.blk ends at 954, expected 1020
     * committed bytes"). The writer's own growing file never ends early: it publishes a length
     * only once those bytes are written.
     */
    private Entry grow(Path file, Entry old, long committed) throws IOException {
        if (committed > BlockBuffers.MAX_BLOCK_BYTES || old.fileKey == null || !old.fileKey.equals(fileKey(file))) {
            return null;
        }
        int extra = (int) committed - old.length;
        byte[] bytes = Arrays.copyOf(old.bytes, (int) committed);
        boolean complete = gate.run(() -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer bb = ByteBuffer.wrap(bytes, old.length, extra);
                long pos = old.length;
                while (bb.hasRemaining()) {
                    int n = ch.read(bb, pos);
                    if (n < 0) {
                        return false;
                    }
                    pos += n;
                }
            }
            return true;
        });
        if (!complete || !old.fileKey.equals(fileKey(file))) {
            return null;
        }
        if (old.keystream != null) {
            old.keystream.xor(bytes, old.length, extra, old.length);
        }
        return new Entry(bytes, bytes.length, false, old.index.extend(bytes, bytes.length), old.fileKey, old.keystream, false);
    }

    /** The file's identity (device and inode where the platform has them), or null. */
    private Object fileKey(Path file) throws IOException {
        return gate.run(() -> Files.readAttributes(file, BasicFileAttributes.class).fileKey());
    }

    /**
     * A stream's blocks through this cache. A named class, not a lambda: made at each stream's
     * hand-over, on the first stream's way, where a fresh JVM would spin a lambda's class at run time.
     */
    private final class Source implements BlockSource {
        private final StreamStore store;

        Source(StreamStore store) {
            this.store = store;
        }

        @Override
        public BlockBytes load(StreamView.Block b) throws BlockUnreadableException, InterruptedException {
            return BlockCache.this.load(store, b);
        }

        @Override
        public void forget(Path file) {
            evict(file);
        }
    }
}
