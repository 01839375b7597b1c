package io.jetstart.runtime;

import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;

/**
 * A consumer's {@code num_pending}: the stream's live messages at or after the next sequence to
 * deliver that match its filter. Without a filter the blocks' message counts answer (a block
 * scan only for the block the consumer is inside of); with one, the blocks' subjects
 * ({@link BlockSubjects}: from memory, else a walk of the records' subjects), as nats-server counts
 * from its per-block subject state; a block not sound enough for that has its matching messages read.
 */
final class NumPending {
    private NumPending() {
    }

    /** The messages of {@code stream} from {@code sseq} on that {@code filter} matches. */
    static long count(JetStartStream stream, SubjectFilter filter, long sseq) throws InterruptedException {
        StreamView v = stream.view();
        long from = Math.max(sseq, v.firstSeq());
        if (v.messages() == 0 || from > v.lastSeq()) {
            return 0;
        }
        if (filter.matchesAll()) {
            long n = 0;
            for (StreamView.Block b : v.blocks()) {
                if (b.messages() == 0 || b.lastSeq() < from) {
                    continue;
                }
                if (b.firstSeq() >= from) {
                    n += b.messages();
                } else {
                    for (long q = from; q <= b.lastSeq(); q++) {
                        if (b.isLive(q)) {
                            n++;
                        }
                    }
                }
            }
            return n;
        }
        return inRange(stream, v, filter, from, v.lastSeq());
    }

    /**
     * The live messages of view {@code v} (of {@code stream}) in [{@code lo}, {@code hi}] that
     * {@code filter} matches, from the blocks' subjects; a block not sound enough for that has its
     * messages read in one walk of the block.
     */
    static long inRange(JetStartStream stream, StreamView v, SubjectFilter filter, long lo, long hi) throws InterruptedException {
        long n = 0;
        for (StreamView.Block b : v.blocks()) {
            if (b.messages() == 0 || b.lastSeq() < lo) {
                continue;
            }
            if (b.firstSeq() > hi) {
                break;
            }
            long from = Math.max(lo, b.firstSeq());
            long to = Math.min(hi, b.lastSeq());
            BlockSubjects subjects = stream.subjectsOf(b);
            n += subjects != null ? subjects.count(b, from, to, subjects.matches(filter, null)) : stream.countIn(b, from, to, filter);
        }
        return n;
    }
}
