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
 * have gone. Such a block is read once more, and from then on its matching sequences are kept, so a
 * later removal there is answered by the deleted sets alone (on a work queue with a filtered
 * consumer per subject, each consumer's acks remove messages in the blocks the others are reading,
 * and a block read again at every fetch cost one block's reads per fetch). Blocks that lose nothing
 * keep only their count, so a long backlog costs a few numbers per block. Without a filter no
 * message is read at all (the blocks' deleted sets answer); with one, a block is counted from its
 * subjects ({@link BlockSubjects}, kept for the stream, so a consumer's first count reads no
 * message once another consumer's count made them), and only a block that cannot be walked by
 * subject has its messages read. Not thread-safe: the consumer's lock guards it.
 */
final class PendingCount {
    /**
     * What one block counted: its range [from, last], its live messages there, the matching ones,
     * and (once the block lost one of them) their sequences in order, else null.
     */
    private record Counted(long from, long last, long live, long matching, long[] seqs) {
    }

    private final JetStartStream stream;
    private SubjectFilter filter;
    private Map<Long, Counted> blocks = new HashMap<>();
    /** Which subjects of each block's index the filter matches. */
    private SubjectMatches matches = new SubjectMatches();

    PendingCount(JetStartStream stream, SubjectFilter filter) {
        this.stream = stream;
        this.filter = filter;
    }

    /** The filters changed: everything is counted again (the server's update recounts). */
    void filter(SubjectFilter f) {
        this.filter = f;
        blocks = new HashMap<>();
        matches = new SubjectMatches();
    }

    /** The live messages of {@code v} at or after {@code from} that the filter matches, kept for the next call. */
    long count(StreamView v, long from) throws InterruptedException {
        if (v.messages() == 0 || from > v.lastSeq()) {
            blocks = new HashMap<>();
            return 0;
        }
        boolean all = filter.matchesAll();
        Map<Long, Counted> next = all ? null : new HashMap<>();
        long total = 0;
        for (StreamView.Block b : v.blocks()) {
            if (b.messages() == 0 || b.lastSeq() < from) {
                continue;
            }
            long lo = Math.max(from, b.firstSeq());
            long hi = b.lastSeq();
            if (all) {
                total += b.liveInRange(lo, hi);
                continue;
            }
            Counted c = update(b, lo, hi, blocks.get(b.index()));
            next.put(b.index(), c);
            total += c.matching();
        }
        blocks = all ? new HashMap<>() : next;
        if (!all) {
            matches.keepOnly(next.keySet());
        }
        return total;
    }

    /** Block {@code b}'s count over [lo, hi], from what it counted before ({@code was}, may be null). */
    private Counted update(StreamView.Block b, long lo, long hi, Counted was) throws InterruptedException {
        long live = b.liveInRange(lo, hi);
        if (was != null && was.from() == lo && was.last() == hi && was.live() == live) {
            // Untouched since (a sealed block ahead of the consumer, the usual case): nothing to read or make.
            return was;
        }
        // A block's range may shrink at either end as its messages go: the live counts below see it.
        if (was == null || was.from() > lo) {
            return new Counted(lo, hi, live, walk(b, lo, hi, null), null);
        }
        // Messages only leave a block's counted range (sequences are appended past it), so as many
        // live as then means none left.
        boolean intact = b.liveInRange(was.from(), was.last()) == was.live();
        long appendedFrom = Math.max(lo, was.last() + 1);
        if (was.seqs() != null) {
            Seqs kept = new Seqs();
            for (long q : was.seqs()) {
                if (q >= lo && (intact || b.isLive(q))) {
                    kept.add(q);
                }
            }
            walk(b, appendedFrom, hi, kept);
            return new Counted(lo, hi, live, kept.size, kept.toArray());
        }
        if (intact) {
            // Nothing counted has gone: take off what the position passed, add what came.
            long matching = was.matching() - walk(b, was.from(), Math.min(lo - 1, was.last()), null) + walk(b, appendedFrom, hi, null);
            return new Counted(lo, hi, live, matching, null);
        }
        // A matching message may have gone: read the block again, and keep what matches from now on.
        Seqs found = new Seqs();
        walk(b, lo, hi, found);
        return new Counted(lo, hi, live, found.size, found.toArray());
    }

    /**
     * The live messages of block {@code b} in [lo, hi] that the filter matches, added to {@code out}
     * when given: from the block's subjects ({@link BlockSubjects}, no message read when they are
     * in memory), else message by message.
     */
    private long walk(StreamView.Block b, long lo, long hi, Seqs out) throws InterruptedException {
        if (lo > hi) {
            return 0;
        }
        BlockSubjects subjects = stream.subjectsOf(b);
        if (subjects != null) {
            boolean[] match = matches.of(b.index(), subjects, filter);
            return out == null ? subjects.count(b, lo, hi, match) : subjects.collect(b, lo, hi, match, out::add);
        }
        long n = 0;
        for (long q = lo; q <= hi; q++) {
            if (!b.isLive(q)) {
                continue;
            }
            // Removed since the view was taken: not counted, and the live count kept for its block
            // (from the view) shows the loss next time, which looks again.
            Optional<StoredMessage> m = stream.get(q);
            if (m.isPresent() && filter.matches(m.get().subject())) {
                n++;
                if (out != null) {
                    out.add(q);
                }
            }
        }
        return n;
    }

    /** A growing list of sequences, in the order added. */
    private static final class Seqs {
        private long[] a = new long[8];
        private int size;

        void add(long q) {
            if (size == a.length) {
                a = java.util.Arrays.copyOf(a, size * 2);
            }
            a[size++] = q;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(a, size);
        }
    }
}
