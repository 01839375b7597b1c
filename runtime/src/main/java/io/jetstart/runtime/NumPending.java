package io.jetstart.runtime;

import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.util.HashSet;
import java.util.Set;

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
        return count(stream, stream.view(), filter, sseq);
    }

    /** The messages of view {@code v} (of {@code stream}) from {@code sseq} on that {@code filter} matches. */
    static long count(JetStartStream stream, StreamView v, SubjectFilter filter, long sseq) throws InterruptedException {
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
     * A {@code last_per_subject} consumer's count as nats-server makes it afresh (after a purge of
     * more than one message or a filter change, {@code NumPending} with {@code lastPerSubject}): the
     * subjects {@code filter} matches whose last message is at or after {@code sseq}, that is, the
     * distinct subjects of the live matching messages of view {@code v} from {@code sseq} on. From
     * the blocks' subjects, no message read when they are in memory; a block not sound enough for
     * that has its matching messages read.
     *
     * <p>Design note: the server finds each subject's last block in its per-subject index
     * ({@code psim}'s {@code lblk}) and walks the block holding {@code sseq}; a subject with a live
     * message at or past {@code sseq} is the same set, found block by block here. The server does not
     * lower {@code lblk} when a subject's last message is removed, so it also counts a subject whose
     * remaining messages all lie before {@code sseq} while the block that held the removed one is
     * the block of {@code sseq} or a later one; that stale case is not followed.
     */
    static long subjectsFrom(JetStartStream stream, StreamView v, SubjectFilter filter, long sseq) throws InterruptedException {
        long from = Math.max(sseq, v.firstSeq());
        if (v.messages() == 0 || from > v.lastSeq()) {
            return 0;
        }
        Set<String> found = new HashSet<>();
        for (StreamView.Block b : v.blocks()) {
            if (b.messages() == 0 || b.lastSeq() < from) {
                continue;
            }
            long lo = Math.max(from, b.firstSeq());
            BlockSubjects subjects = stream.subjectsOf(b);
            if (subjects != null) {
                subjects.liveSubjects(b, lo, b.lastSeq(), subjects.matches(filter, null), found::add);
            } else {
                stream.subjectsIn(b, lo, b.lastSeq(), filter, found::add);
            }
        }
        return found.size();
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
