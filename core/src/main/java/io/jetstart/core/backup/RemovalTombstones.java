package io.jetstart.core.backup;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamStore;
import java.io.ByteArrayInputStream;
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
 *   msgs/&lt;last+1&gt;.blk   (and &lt;last+2&gt;... past {@value #MAX_RECORDS} records each)
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

    private final long[] seqs;
    private final long[] times;
    private final int size;

    private RemovalTombstones(long[] seqs, long[] times, int size) {
        this.seqs = seqs;
        this.times = times;
        this.size = size;
    }

    /** The removals of {@code store} that its blocks do not say (read now, once). */
    static RemovalTombstones of(StreamStore store) throws StoreException, InterruptedException {
        Collected c = new Collected();
        store.forEachRemovalWithoutTombstone(c);
        return new RemovalTombstones(c.seqs, c.times, c.size);
    }

    /** How many removals get a tombstone. */
    int size() {
        return size;
    }

    /**
     * The added blocks' tar entries, numbered from {@code firstIndex}: none when there is no removal
     * to carry and {@code state}'s last sequence is a live message (its record says it); otherwise
     * at least one, the skip alone when there is no removal (the last sequence must survive).
     */
    List<StreamExport.Entry> entries(String stream, long firstIndex, StreamState state, boolean lastIsLive) {
        List<StreamExport.Entry> out = new ArrayList<>();
        if (size == 0 && (lastIsLive || state.lastSeq() == 0)) {
            return out;
        }
        int from = 0;
        long index = firstIndex;
        do {
            int to = Math.min(size, from + MAX_RECORDS - 1);
            int start = from;
            long blockIndex = index;
            long bytes = (long) (1 + to - start) * Records.EMPTY_RECORD_LENGTH;
            out.add(new StreamExport.Entry("msgs/" + blockIndex + ".blk", bytes,
                    () -> new ByteArrayInputStream(block(stream, blockIndex, state, start, to))));
            from = to;
            index++;
        } while (from < size);
        return out;
    }

    /** Block {@code index}: the skip of the last sequence, then the tombstones of removals [from, to). */
    private byte[] block(String stream, long index, StreamState state, int from, int to) {
        RecordHash hash = RecordHashes.forBlock(stream, index);
        ByteWriter w = new ByteWriter((1 + to - from) * Records.EMPTY_RECORD_LENGTH);
        Records.writeSkip(w, hash, state.lastSeq(), state.lastTs());
        for (int i = from; i < to; i++) {
            Records.writeTombstone(w, hash, seqs[i], times[i]);
        }
        return Arrays.copyOf(w.array(), w.size());
    }

    /** The removals, in the order told: at most the stream's records. */
    private static final class Collected implements StreamStore.RemovalSink {
        long[] seqs = new long[16];
        long[] times = new long[16];
        int size;

        @Override
        public void removed(long seq, long ts, String subject, int rawLength) {
            if (size == seqs.length) {
                seqs = Arrays.copyOf(seqs, size * 2);
                times = Arrays.copyOf(times, size * 2);
            }
            seqs[size] = seq;
            times[size] = ts;
            size++;
        }
    }
}
