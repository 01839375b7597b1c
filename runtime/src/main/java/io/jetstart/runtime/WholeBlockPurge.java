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
 *   <li>a block that stays holds no message and would start nats-server 2.10.27's rebuild at or
 *       below the last sequence of the block the cut falls in, or a block file the state does not
 *       hold (a stray) lies after them, or before them after a rebuild: 2.10.27's rebuild starts the
 *       stream at the lowest first of its blocks, and a block of tombstones only at its lowest
 *       tombstone + 1 ({@link RebuildFloor});</li>
 *   <li>the purge removes messages from the block the cut falls in and the tail is such a block
 *       (one the writer did not begin with a skip record: written by nats-server, or by jetstart
 *       before 2026-12-06): their tombstones there would keep it below the stream's new first.</li>
 * </ul>
 * The tombstones of the block the cut falls in go into the tail, rolling as they need: a block the
 * writer begins with a tombstone begins with a skip record of the stream's last sequence, which
 * starts it after every block before it in any rebuild (until 2026-12-06 such tombstones had to fit
 * in a tail holding a message record, so a cut deep in an 8 MiB block fell back to the above).
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
     * @param tailFloor   the tail's {@link RebuildFloor}
     */
    static Plan plan(List<StreamMutator.BlockSpan> spans, long lastSeq, long upTo, long skip, long[] strays,
            boolean straysMayGo, long tailFloor, Floors floors, Remainder remainder)
            throws io.jetstart.core.store.StoreException, InterruptedException {
        int k = 0;
        long whole = 0;
        while (k < spans.size() - 1) {
            StreamMutator.BlockSpan b = spans.get(k);
            boolean all = upTo > 0 ? b.messages() == 0 || b.lastSeq() < upTo
                    : skip == 0 || whole + b.messages() <= skip;
            // Whole messages past a block's damage that no state counts stay with their file.
            if (!all || b.recordsPastDamage()) {
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
            if (b.messages() == 0 && floors.of(b.index()) <= first.lastSeq()) {
                return new PerMessage();
            }
        }
        long rest = remainder.count(first);
        if (rest > 0 && tailFloor <= first.lastSeq()) {
            return new PerMessage();
        }
        long[] blocks = new long[k];
        for (int i = 0; i < k; i++) {
            blocks[i] = spans.get(i).index();
        }
        return new Whole(blocks, spans.get(k - 1).lastSeq(), first.index());
    }
}
