package io.jetstart.runtime;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A consumer's kept {@code num_pending}: the live messages at or after a position that its filter
 * matches, kept per block and brought up to date from the stream's view, so that a fetch can put it
 * into each message's ack reply ({@link ConsumedMessage#pending()}) as nats-server does, without a
 * walk of every matching message each time ({@link NumPending#count} walks them).
 *
 * <p>nats-server keeps one number ({@code o.npc}): counted when the consumer starts, when its
 * filters change and after a batch removal (a purge); one more for each matching publish, one less
 * for each delivery of a new message and for each removal of a matching message at or past the
 * consumer's position ({@code processStreamSignal}, {@code decStreamPending}). The runtime's
 * consumers hear of neither publishes nor removals one by one, so the same adjustments are read
 * from the view instead, block by block: a block whose range already counted has as many live
 * messages as then has lost none of them (messages only leave a block, and only its tail grows),
 * so its count stands and only what the position passed and what was appended since are read; a
 * block that lost one of them is counted again (what the server's removal would have told it).
 *
 * <p>Design note: per block rather than one number, because a removal does not say which messages
 * went: a block whose live count in the counted range fell is the one place a matching message can
 * have gone, and recounting that block alone costs one block's reads, not the stream's. Without a
 * filter no message is read at all (the blocks' deleted sets answer). Not thread-safe: the
 * consumer's lock guards it.
 */
final class PendingCount {
    /** What one block counted: its range [from, last], its live messages there, the matching ones. */
    private record Counted(long from, long last, long live, long matching) {
    }

    private final JetStartStream stream;
    private SubjectFilter filter;
    private Map<Long, Counted> blocks = new HashMap<>();

    PendingCount(JetStartStream stream, SubjectFilter filter) {
        this.stream = stream;
        this.filter = filter;
    }

    /** The filters changed: everything is counted again (the server's update recounts). */
    void filter(SubjectFilter f) {
        this.filter = f;
        blocks = new HashMap<>();
    }

    /** The live messages of {@code v} at or after {@code from} that the filter matches, kept for the next call. */
    long count(StreamView v, long from) throws InterruptedException {
        if (v.messages() == 0 || from > v.lastSeq()) {
            blocks = new HashMap<>();
            return 0;
        }
        Map<Long, Counted> next = new HashMap<>();
        long total = 0;
        for (StreamView.Block b : v.blocks()) {
            if (b.messages() == 0 || b.lastSeq() < from) {
                continue;
            }
            long lo = Math.max(from, b.firstSeq());
            long hi = b.lastSeq();
            Counted was = blocks.get(b.index());
            long matching;
            if (was != null && was.from() <= lo && was.last() <= hi && b.liveInRange(was.from(), was.last()) == was.live()) {
                // Nothing of what was counted has gone: take off what the position passed, add what came.
                matching = was.matching() - matching(b, was.from(), Math.min(lo - 1, was.last()))
                        + matching(b, Math.max(lo, was.last() + 1), hi);
            } else {
                matching = matching(b, lo, hi);
            }
            next.put(b.index(), new Counted(lo, hi, b.liveInRange(lo, hi), matching));
            total += matching;
        }
        blocks = next;
        return total;
    }

    /** The live messages of block {@code b} in [lo, hi] that the filter matches. */
    private long matching(StreamView.Block b, long lo, long hi) throws InterruptedException {
        if (lo > hi) {
            return 0;
        }
        if (filter.matchesAll()) {
            return b.liveInRange(lo, hi);
        }
        long n = 0;
        for (long q = lo; q <= hi; q++) {
            if (!b.isLive(q)) {
                continue;
            }
            // Removed since the view was taken: not counted, and the live count kept for its block
            // (from the view) shows the loss next time, which counts the block again.
            Optional<StoredMessage> m = stream.get(q);
            if (m.isPresent() && filter.matches(m.get().subject())) {
                n++;
            }
        }
        return n;
    }
}
