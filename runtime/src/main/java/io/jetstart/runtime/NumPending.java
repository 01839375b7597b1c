package io.jetstart.runtime;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.util.Optional;

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
        long n = 0;
        for (StreamView.Block b : v.blocks()) {
            if (b.messages() == 0 || b.lastSeq() < from) {
                continue;
            }
            long lo = Math.max(from, b.firstSeq());
            BlockSubjects subjects = stream.subjectsOf(b);
            n += subjects != null ? subjects.count(b, lo, b.lastSeq(), subjects.matches(filter, null))
                    : readMatching(stream, v, b, lo, filter);
        }
        return n;
    }

    /** The matching messages of block {@code b} from {@code lo} on, read one by one (a block not sound enough to walk by subject). */
    private static long readMatching(JetStartStream stream, StreamView v, StreamView.Block b, long lo, SubjectFilter filter)
            throws InterruptedException {
        long n = 0;
        long at = lo;
        while (at <= b.lastSeq()) {
            Optional<StoredMessage> m = stream.nextMatching(at, filter);
            if (m.isEmpty() || m.get().seq() > b.lastSeq()) {
                return n;
            }
            n++;
            at = m.get().seq() + 1;
        }
        return n;
    }
}
