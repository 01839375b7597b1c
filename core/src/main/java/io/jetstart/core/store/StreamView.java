package io.jetstart.core.store;

import io.jetstart.core.format.SequenceSet;
import java.nio.file.Path;
import java.util.List;

/**
 * What a stream's writer has committed, as readers on other threads see it: totals and, per
 * block, its range, its deleted map and how many of its bytes readers may parse. Immutable once
 * published; the writer publishes a new one after each batch (a volatile write), so a reader never
 * sees a message whose ack has not completed, nor a half-applied removal.
 *
 * <p>Design note: the deleted maps are copies the writer never touches again; it copies only the
 * maps of blocks a batch changed, so a batch of appends costs one small list, not a copy of every
 * map.
 *
 * @param subjects distinct subjects with live messages
 */
public record StreamView(String account, String name, long messages, long bytes, long firstSeq, long firstTs,
                         long lastSeq, long lastTs, int subjects, List<Block> blocks) {

    public StreamView {
        blocks = List.copyOf(blocks);
    }

    /** Sequences in [first, last] that hold no live message: nats-server's {@code num_deleted}. */
    public long numDeleted() {
        return messages == 0 ? 0 : lastSeq - firstSeq + 1 - messages;
    }

    /**
     * One block as committed.
     *
     * @param length bytes of the block's plaintext readers may parse: the writer may have appended
     *               more since, or a rebuild found damage after them; -1 for all of it
     * @param bySlot a damaged 2.9 block read through its {@code .idx}: its record {@code i} holds the
     *               sequence of slot {@code i}, also where the record's own sequence is damaged
     */
    public record Block(long index, Path file, long firstSeq, long lastSeq, long messages, SequenceSet deleted,
                       long length, boolean bySlot) {

        /** A block whose records are read by their own sequences (every block but a damaged 2.9 one). */
        public Block(long index, Path file, long firstSeq, long lastSeq, long messages, SequenceSet deleted, long length) {
            this(index, file, firstSeq, lastSeq, messages, deleted, length, false);
        }

        public boolean isLive(long seq) {
            return messages > 0 && seq >= firstSeq && seq <= lastSeq && !deleted.contains(seq);
        }

        /** Live messages with sequence in [from, to] in this block. */
        public long liveInRange(long from, long to) {
            long lo = Math.max(from, firstSeq);
            long hi = Math.min(to, lastSeq);
            if (messages == 0 || lo > hi) {
                return 0;
            }
            return (hi - lo + 1) - deleted.countInRange(lo, hi);
        }
    }

    /** The block that may hold {@code seq}, or null. */
    public Block blockFor(long seq) {
        int lo = 0;
        int hi = blocks.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (blocks.get(mid).lastSeq() < seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (int i = lo; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            if (b.messages() > 0) {
                return b.firstSeq() <= seq && seq <= b.lastSeq() ? b : null;
            }
            if (b.lastSeq() > seq) {
                return null;
            }
        }
        return null;
    }
}
