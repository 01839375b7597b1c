package io.jetstart.runtime;

import io.jetstart.core.store.RebuildFloor;
import io.jetstart.core.store.StreamMutator;
import java.util.List;

/**
 * Which first blocks a purge of the stream's oldest messages (all, up to a sequence, keep N; no
 * subject) removes whole, their files deleted instead of a tombstone written for each of their
 * messages, as nats-server's {@code Compact} and {@code PurgeEx} remove every block below the cut
 * at once ({@code forceRemoveMsgBlock}) and deal only with the block the cut falls in.
 *
 * <p>Design note: the blocks are a prefix of the stream's blocks, never the tail, each of whose live
 * messages the purge removes. A prefix can always go as a whole: a tombstone names a sequence at or
 * below its own block's last, so the tombstones in those blocks name only messages of blocks going
 * with them, and a file that is gone resurrects nothing. The plan is refused (the purge then writes a
 * tombstone per message, as before) whenever removing them could leave a store some reader takes
 * differently from the runtime:
 * <ul>
 *   <li>the record of the stream's last sequence is in one of them (a rebuild without
 *       {@code index.db} would take a lower last sequence and reuse it);</li>
 *   <li>a block that stays before the tail holds tombstones only, or a block file the state does not
 *       hold (a stray) lies after them, or before them after a rebuild: nats-server 2.10.27's rebuild
 *       starts the stream at the lowest first of its blocks, and a block of tombstones only at its
 *       lowest tombstone + 1 ({@link RebuildFloor});</li>
 *   <li>the tombstones of the messages the purge removes from the block the cut falls in would
 *       not fit in the tail without rolling, or the tail holds no message record: they would then
 *       make a block of tombstones only, below the stream's new first.</li>
 * </ul>
 */
final class WholeBlockPurge {
    private WholeBlockPurge() {
    }

    /** What a purge may remove whole. */
    sealed interface Plan permits Whole, PerMessage {
    }

    /**
     * The first {@code count} blocks go whole; their live messages are at or below {@code lastSeq}.
     *
     * @param blocks the indexes of those blocks, ascending
     * @param cut    the index of the first block that stays
     */
    record Whole(long[] blocks, long lastSeq, long cut) implements Plan {
    }

    /** A tombstone for each message, as before. */
    record PerMessage() implements Plan {
    }

    /** The floor of a sealed block ({@link RebuildFloor}), as the writer knows it. */
    @FunctionalInterface
    interface Floors {
        long of(long index) throws InterruptedException;
    }

    /** How many live messages the purge removes from the block that stays first (its tombstones). */
    @FunctionalInterface
    interface Remainder {
        long count(StreamMutator.BlockSpan first) throws io.jetstart.core.store.StoreException, InterruptedException;
    }

    /**
     * The blocks a purge removes whole.
     *
     * @param spans       the stream's blocks, the tail last
     * @param lastSeq     the stream's last sequence
     * @param upTo        the purge's sequence (messages below it go), 0 when none
     * @param skip        how many of the oldest live messages go, 0 for every one (with {@code upTo} 0)
     * @param strays      block files below the tail the state does not hold, ascending
     * @param straysMayGo whether strays below the cut go with the blocks
     * @param tailLength  bytes in the tail
     * @param tailFloor   the tail's {@link RebuildFloor}
     * @param blockSize   the stream's block size
     */
    static Plan plan(List<StreamMutator.BlockSpan> spans, long lastSeq, long upTo, long skip, long[] strays,
            boolean straysMayGo, int tailLength, long tailFloor, int blockSize, Floors floors, Remainder remainder)
            throws io.jetstart.core.store.StoreException, InterruptedException {
        int k = 0;
        long whole = 0;
        while (k < spans.size() - 1) {
            StreamMutator.BlockSpan b = spans.get(k);
            boolean all = upTo > 0 ? b.messages() == 0 || b.lastSeq() < upTo
                    : skip == 0 || whole + b.messages() <= skip;
            if (!all) {
                break;
            }
            whole += b.messages();
            k++;
        }
        if (k == 0 || whole == 0 || spans.get(k - 1).lastSeq() >= lastSeq) {
            return new PerMessage();
        }
        StreamMutator.BlockSpan first = spans.get(k);
        for (long st : strays) {
            if (st > first.index() || !straysMayGo) {
                return new PerMessage();
            }
        }
        for (int j = k; j < spans.size() - 1; j++) {
            StreamMutator.BlockSpan b = spans.get(j);
            if (b.messages() == 0 && floors.of(b.index()) != RebuildFloor.NONE) {
                return new PerMessage();
            }
        }
        long rest = remainder.count(first);
        if (rest > 0 && (tailLength == 0 || tailFloor != RebuildFloor.NONE
                || tailLength + rest * io.jetstart.core.format.Records.EMPTY_RECORD_LENGTH > blockSize)) {
            return new PerMessage();
        }
        long[] blocks = new long[k];
        for (int i = 0; i < k; i++) {
            blocks[i] = spans.get(i).index();
        }
        return new Whole(blocks, spans.get(k - 1).lastSeq(), first.index());
    }
}
