package io.jetstart.core.backup;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.Records;
import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The blocks an export adds after a stream's last block when its tar carries no {@code index.db}:
 * a tombstone for each removal the blocks do not say themselves
 * ({@link StreamStore#forEachRemovalWithoutTombstone}), so the restoring server, which rebuilds
 * from the blocks, removes them again and serves none of them.
 *
 * <pre>
 *   msgs/&lt;last+1&gt;.blk   (and &lt;last+2&gt;... past {@value #TOMBSTONES_PER_BLOCK} tombstones each)
 *   +-----------------------------+----------------------+-----+----------------------+
 *   | skip: lastSeq|ebit, lastTs  | tomb: s1|tbit, ts(s1) | ... | tomb: sN|tbit, ts(sN) |
 *   +-----------------------------+----------------------+-----+----------------------+
 *   every record 30 bytes (spec 3.2, 3.3), checksummed with the added block's own key
 * </pre>
 *
 * <p>Design note: the removed records stay where they are, byte for byte (the store's blocks are
 * copied as they are on disk; export never writes the store), and the removals go in blocks of
 * their own, as the server and the runtime write a removal's tombstone into the last block. Each
 * added block starts with a skip record of the stream's last sequence: a block of tombstones
 * alone starts, in 2.10.x's rebuild, at its lowest tombstone + 1 (spec 3.5), below the messages of
 * the blocks before it, and 2.10.27's binary search over blocks then finds none after it
 * (PurgeCrashIT, {@code WriterLoop}'s tombstone). With the skip the block is [last + 1, last] in every
 * line, so it also keeps the stream's last sequence when no record below says it: a 2.9 stream
 * whose last block was emptied keeps that block's file empty and its last sequence only in the
 * {@code .idx}, and a rebuild deletes an empty block file, so the restore started again at 0.
 */
final class RemovalTombstones {
    /** Records per added block: nats-server's largest block size (8 MiB) over 30-byte records. */
    static final int MAX_RECORDS = (8 << 20) / Records.EMPTY_RECORD_LENGTH;
    /** Tombstones per added block: its first record is the skip. */
    static final int TOMBSTONES_PER_BLOCK = MAX_RECORDS - 1;

    private final StreamStore store;
    private final SequenceSet tombstoned;
    private final long size;
    /** Where the walk for each added block starts: one mark per block, never one entry per removal. */
    private final List<StreamStore.RemovalMark> starts;

    private RemovalTombstones(StreamStore store, SequenceSet tombstoned, long size, List<StreamStore.RemovalMark> starts) {
        this.store = store;
        this.tombstoned = tombstoned;
        this.size = size;
        this.starts = starts;
    }

    /**
     * The removals of {@code store} that its blocks do not say, counted now. Only where each added
     * block's walk starts is kept: a stream with millions of removals held 16 bytes of each on
     * the heap (and twice that while the arrays grew) before a byte of the tar was written; now
     * each added block is made from the store when the tar reaches it, one at a time.
     */
    static RemovalTombstones of(StreamStore store) throws StoreException, InterruptedException {
        SequenceSet tombstoned = store.tombstonedSequences();
        List<StreamStore.RemovalMark> starts = new ArrayList<>();
        long[] count = {0};
        store.forEachRemovalWithoutTombstone(tombstoned, StreamStore.RemovalMark.START, (block, nth, seq, ts) -> {
            if (count[0] % TOMBSTONES_PER_BLOCK == 0) {
                starts.add(new StreamStore.RemovalMark(block, nth));
            }
            count[0]++;
            return true;
        });
        return new RemovalTombstones(store, tombstoned, count[0], List.copyOf(starts));
    }

    /** How many removals get a tombstone. */
    long size() {
        return size;
    }

    /**
     * The added blocks' tar entries, numbered from {@code firstIndex}: none when there is no removal
     * to carry and {@code state}'s last sequence is a live message (its record says it); otherwise
     * at least one, the skip alone when there is no removal (the last sequence must survive).
     */
    List<StreamExport.Entry> entries(String stream, long firstIndex, StreamState state, boolean lastIsLive) {
        List<StreamExport.Entry> out = new ArrayList<>();
        if (size == 0) {
            if (!lastIsLive && state.lastSeq() != 0) {
                out.add(entry(stream, firstIndex, state, StreamStore.RemovalMark.START, 0));
            }
            return out;
        }
        for (int k = 0; k < starts.size(); k++) {
            int tombstones = (int) Math.min(TOMBSTONES_PER_BLOCK, size - (long) k * TOMBSTONES_PER_BLOCK);
            out.add(entry(stream, firstIndex + k, state, starts.get(k), tombstones));
        }
        return out;
    }

    private StreamExport.Entry entry(String stream, long index, StreamState state, StreamStore.RemovalMark from, int tombstones) {
        long bytes = (long) (1 + tombstones) * Records.EMPTY_RECORD_LENGTH;
        return new StreamExport.Entry("msgs/" + index + ".blk", bytes,
                () -> new ByteArrayInputStream(block(stream, index, state, from, tombstones)));
    }

    /**
     * Block {@code index}: the skip of the last sequence, then the tombstones of the {@code tombstones}
     * removals from {@code from}, read from the store now (at most {@value #MAX_RECORDS} records,
     * 8 MiB: one added block on the heap at a time, as the tar asks for it).
     */
    private byte[] block(String stream, long index, StreamState state, StreamStore.RemovalMark from, int tombstones)
            throws IOException {
        RecordHash hash = RecordHashes.forBlock(stream, index);
        int bytes = (1 + tombstones) * Records.EMPTY_RECORD_LENGTH;
        ByteWriter w = new ByteWriter(bytes);
        Records.writeSkip(w, hash, state.lastSeq(), state.lastTs());
        int[] written = {0};
        try {
            if (tombstones > 0) {
                store.forEachRemovalWithoutTombstone(tombstoned, from, (block, nth, seq, ts) -> {
                    Records.writeTombstone(w, hash, seq, ts);
                    return ++written[0] < tombstones;
                });
            }
        } catch (StoreException e) {
            throw new IOException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing msgs/" + index + ".blk");
        }
        if (written[0] != tombstones) {
            // The tar header already says the size counted before: a store that changed under the
            // export must fail it, not cut the tar.
            throw new IOException("msgs/" + index + ".blk: " + written[0] + " removals to carry where " + tombstones
                    + " were counted; the stream changed while it was exported");
        }
        return w.array().length == w.size() ? w.array() : Arrays.copyOf(w.array(), w.size());
    }
}
