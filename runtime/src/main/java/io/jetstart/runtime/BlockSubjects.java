package io.jetstart.runtime;

import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The subjects of one block's message records, from its first sequence when it was walked up to
 * {@link #through()}: nats-server's per-block subject state ({@code mb.fss}), kept so that a
 * consumer's {@code num_pending} is counted without reading a message ({@link PendingCount},
 * {@link NumPending}). Live or not is the view's business: a count takes the block's deleted set
 * and first sequence from the view it is asked about, so one index answers every view.
 *
 * <pre>
 *  seqs[i]  the i-th message record's sequence (ascending)       ids[i]  its subject's id
 *  subjects[id]  the subject                                     perSubject[id]  its records
 * </pre>
 *
 * <p>Design note: a block only grows at its end while it is the writer's last one, so an index is
 * extended, not made again: the arrays are shared with the index it grew from, each index reading
 * only its own first {@code n} entries, and only the first extension of an index appends in place
 * (a second one copies), so an index once handed out never changes under a reader. Counts over a
 * whole block take the per-subject totals less the deleted sequences that match, so a sealed block
 * costs its distinct subjects, not its messages. Thread-safe: immutable once built.
 */
final class BlockSubjects {
    private final Lineage lineage;
    private final long from;
    private final long through;
    private final long[] seqs;
    private final int[] ids;
    private final int n;
    private final String[] subjects;
    private final int subjectCount;
    private final long[] perSubject;
    /**
     * Subject to id, shared like the arrays and changed only by the extension that appends in
     * place (a block of unique keys has as many subjects as messages: rebuilt per extension, it cost
     * each fetch of a growing block all of them); read by nothing else.
     */
    private final Map<String, Integer> idOf;
    /** Set by the first extension: it appends into the shared arrays; any later one copies them. */
    private final AtomicBoolean extended = new AtomicBoolean();

    /** What indexes grown from one walk share: a consumer's filter matches are kept per lineage (ids are stable in it). */
    static final class Lineage {
    }

    private BlockSubjects(Lineage lineage, long from, long through, long[] seqs, int[] ids, int n, String[] subjects,
                          int subjectCount, long[] perSubject, Map<String, Integer> idOf) {
        this.lineage = lineage;
        this.from = from;
        this.through = through;
        this.seqs = seqs;
        this.ids = ids;
        this.n = n;
        this.subjects = subjects;
        this.subjectCount = subjectCount;
        this.perSubject = perSubject;
        this.idOf = idOf;
    }

    /** The first sequence walked (records below it are not in the index). */
    long from() {
        return from;
    }

    /** The last sequence walked. */
    long through() {
        return through;
    }

    Lineage lineage() {
        return lineage;
    }

    /** Estimated bytes held, for the cache's budget (shared arrays counted with every index: an upper bound). */
    long size() {
        return 12L * seqs.length + 48L * subjectCount + 64;
    }

    /** A walk of a block from {@code from}. */
    static Builder builder(long from) {
        return new Builder(new Lineage(), from, new long[64], new int[64], 0, new String[16], 0, new HashMap<>(), new long[16]);
    }

    /** A walk that goes on where this index ends (its records kept, their ids unchanged). */
    Builder extend() {
        // The per-subject totals are this index's own: a count over the whole block reads them.
        long[] counts = Arrays.copyOf(perSubject, Math.max(perSubject.length, subjectCount));
        if (extended.compareAndSet(false, true)) {
            return new Builder(lineage, from, seqs, ids, n, subjects, subjectCount, idOf, counts);
        }
        Map<String, Integer> own = new HashMap<>(Math.max(16, subjectCount * 2));
        for (int i = 0; i < subjectCount; i++) {
            own.put(subjects[i], i);
        }
        return new Builder(lineage, from, Arrays.copyOf(seqs, Math.max(n, 64)), Arrays.copyOf(ids, Math.max(n, 64)), n,
                Arrays.copyOf(subjects, Math.max(subjectCount, 16)), subjectCount, own, counts);
    }

    /**
     * Which subjects of this index {@code filter} matches, by id: {@code known} (from an index of
     * the same lineage, possibly shorter) extended to this one's subjects.
     */
    boolean[] matches(SubjectFilter filter, boolean[] known) {
        if (known != null && known.length == subjectCount) {
            return known;
        }
        boolean[] m = known == null ? new boolean[subjectCount] : Arrays.copyOf(known, subjectCount);
        for (int id = known == null ? 0 : known.length; id < subjectCount; id++) {
            m[id] = filter.matches(subjects[id]);
        }
        return m;
    }

    /** The live messages of {@code b} (its range and deleted set) in [from, to] whose subject {@code match} holds. */
    long count(StreamView.Block b, long from, long to, boolean[] match) {
        // Records below the block's first sequence went without a deleted entry: never counted.
        long lo = Math.max(from, b.firstSeq());
        long hi = Math.min(to, b.lastSeq());
        int i0 = lowerBound(lo);
        int i1 = lowerBound(hi + 1);
        if (i0 >= i1) {
            return 0;
        }
        SequenceSet deleted = b.deleted();
        long total = 0;
        if (i0 == 0 && i1 == n) {
            // The whole index: per-subject totals, less the deleted records that match.
            for (int id = 0; id < subjectCount; id++) {
                if (match[id]) {
                    total += perSubject[id];
                }
            }
            if (!deleted.isEmpty()) {
                long[] off = {0};
                deleted.forEach(q -> {
                    if (q >= lo && q <= hi) {
                        int i = Arrays.binarySearch(seqs, 0, n, q);
                        if (i >= 0 && match[ids[i]]) {
                            off[0]++;
                        }
                    }
                });
                total -= off[0];
            }
            return total;
        }
        boolean none = deleted.isEmpty();
        for (int i = i0; i < i1; i++) {
            if (match[ids[i]] && (none || !deleted.contains(seqs[i]))) {
                total++;
            }
        }
        return total;
    }

    /** Hands the sequences {@link #count} counts to {@code out}, in order; returns how many. */
    long collect(StreamView.Block b, long from, long to, boolean[] match, LongConsumer out) {
        int i0 = lowerBound(Math.max(from, b.firstSeq()));
        int i1 = lowerBound(Math.min(to, b.lastSeq()) + 1);
        SequenceSet deleted = b.deleted();
        boolean none = deleted.isEmpty();
        long total = 0;
        for (int i = i0; i < i1; i++) {
            if (match[ids[i]] && (none || !deleted.contains(seqs[i]))) {
                out.accept(seqs[i]);
                total++;
            }
        }
        return total;
    }

    /**
     * Hands {@code out} each subject that {@code match} holds and that a live message of {@code b}
     * (its range and deleted set) in [from, to] has, once; returns how many. Over the whole index
     * the per-subject totals less the deleted records answer, so a sealed block costs its distinct
     * subjects and deleted sequences, not its messages.
     */
    int liveSubjects(StreamView.Block b, long from, long to, boolean[] match, Consumer<String> out) {
        long lo = Math.max(from, b.firstSeq());
        long hi = Math.min(to, b.lastSeq());
        int i0 = lowerBound(lo);
        int i1 = lowerBound(hi + 1);
        if (i0 >= i1) {
            return 0;
        }
        SequenceSet deleted = b.deleted();
        int found = 0;
        if (i0 == 0 && i1 == n) {
            long[] live = Arrays.copyOf(perSubject, subjectCount);
            deleted.forEach(q -> {
                if (q >= lo && q <= hi) {
                    int i = Arrays.binarySearch(seqs, 0, n, q);
                    if (i >= 0) {
                        live[ids[i]]--;
                    }
                }
            });
            for (int id = 0; id < subjectCount; id++) {
                if (match[id] && live[id] > 0) {
                    out.accept(subjects[id]);
                    found++;
                }
            }
            return found;
        }
        boolean none = deleted.isEmpty();
        boolean[] seen = new boolean[subjectCount];
        for (int i = i0; i < i1; i++) {
            int id = ids[i];
            if (match[id] && !seen[id] && (none || !deleted.contains(seqs[i]))) {
                seen[id] = true;
                out.accept(subjects[id]);
                found++;
            }
        }
        return found;
    }

    /** The first entry whose sequence is at least {@code seq}. */
    private int lowerBound(long seq) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (seqs[mid] < seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Takes a block walk's records ({@link MessageReader#forEachSubjectIn}) into an index. Confined to its walk's thread. */
    static final class Builder implements MessageReader.SubjectVisitor {
        private final Lineage lineage;
        private final long from;
        private long[] seqs;
        private int[] ids;
        private int n;
        private String[] subjects;
        private int subjectCount;
        private final Map<String, Integer> idOf;
        private long[] perSubject;

        private Builder(Lineage lineage, long from, long[] seqs, int[] ids, int n, String[] subjects, int subjectCount,
                        Map<String, Integer> idOf, long[] perSubject) {
            this.lineage = lineage;
            this.from = from;
            this.seqs = seqs;
            this.ids = ids;
            this.n = n;
            this.subjects = subjects;
            this.subjectCount = subjectCount;
            this.idOf = idOf;
            this.perSubject = perSubject;
        }

        @Override
        public void subject(long seq, byte[] buf, int off, int len) {
            if (n > 0 && seq <= seqs[n - 1]) {
                // Records ascend in a sound block; one that does not is not indexed twice.
                return;
            }
            String subject = new String(buf, off, len, StandardCharsets.UTF_8);
            Integer id = idOf.get(subject);
            if (id == null) {
                id = subjectCount;
                if (subjectCount == subjects.length) {
                    subjects = Arrays.copyOf(subjects, subjectCount * 2);
                }
                subjects[subjectCount++] = subject;
                idOf.put(subject, id);
            }
            if (id >= perSubject.length) {
                perSubject = Arrays.copyOf(perSubject, Math.max(perSubject.length * 2, id + 1));
            }
            perSubject[id]++;
            if (n == seqs.length) {
                seqs = Arrays.copyOf(seqs, n * 2);
                ids = Arrays.copyOf(ids, n * 2);
            }
            seqs[n] = seq;
            ids[n] = id;
            n++;
        }

        /** The index of the records taken, walked up to {@code through}. */
        BlockSubjects build(long through) {
            return new BlockSubjects(lineage, from, through, seqs, ids, n, subjects, subjectCount,
                    Arrays.copyOf(perSubject, subjectCount), idOf);
        }
    }
}
