package io.jetstart.runtime;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a new consumer starts, nats-server's {@code selectStartingSeqNo}: the first stream
 * sequence to deliver, and for {@code last_per_subject} the skip list (the last message of each
 * subject, in sequence order) and the sequence after which delivery resumes once it is used up.
 *
 * @param sseq      the next stream sequence to deliver
 * @param skipList  {@code last_per_subject}'s sequences, or null
 * @param resume    the stream's last sequence when the skip list was made (meaningful with one)
 */
record StartPosition(long sseq, long[] skipList, long resume) {

    /** The start of a consumer with settings {@code s} and filter {@code filter} on {@code stream} as it is now. */
    static StartPosition select(JetStartStream stream, ConsumerSettings s, SubjectFilter filter) throws InterruptedException {
        StreamView v = stream.view();
        long first = v.firstSeq();
        long last = v.lastSeq();
        long optSeq = s.optStartSeq();
        long sseq;
        long[] skip = null;
        if (optSeq == 0) {
            switch (s.deliverPolicy()) {
                case "all" -> sseq = first;
                case "last" -> {
                    if (filter.matchesAll()) {
                        sseq = last;
                    } else {
                        sseq = 0;
                        for (String f : s.filters()) {
                            sseq = Math.max(sseq, stream.lastBySubject(f).map(StoredMessage::seq).orElse(0L));
                        }
                    }
                }
                case "last_per_subject" -> {
                    List<Long> seqs = lastPerSubject(stream, filter);
                    if (seqs.isEmpty()) {
                        sseq = last;
                    } else {
                        sseq = seqs.get(0);
                        skip = seqs.stream().mapToLong(Long::longValue).toArray();
                    }
                }
                case "by_start_time" -> sseq = seqFromTime(stream, s.optStartTimeNanos(), last);
                default -> sseq = last + 1;
            }
        } else {
            sseq = optSeq;
        }
        if (first == 0 && optSeq == 0) {
            sseq = 1;
        } else if (sseq > last && optSeq == 0) {
            sseq = last + 1;
        } else if (sseq < first) {
            sseq = first;
        }
        return new StartPosition(sseq, skip, last);
    }

    private static List<Long> lastPerSubject(JetStartStream stream, SubjectFilter filter) throws InterruptedException {
        Map<String, Long> last = new HashMap<>();
        StreamView v = stream.view();
        long at = v.firstSeq();
        while (at <= v.lastSeq()) {
            Optional<StoredMessage> m = stream.nextMatching(at, filter);
            if (m.isEmpty()) {
                break;
            }
            last.put(m.get().subject(), m.get().seq());
            at = m.get().seq() + 1;
        }
        return last.values().stream().sorted().toList();
    }

    private static long seqFromTime(JetStartStream stream, long tsNanos, long last) throws InterruptedException {
        StreamView v = stream.view();
        long at = v.firstSeq();
        while (at <= v.lastSeq()) {
            Optional<StoredMessage> m = stream.nextMatching(at, new SubjectFilter(List.of()));
            if (m.isEmpty()) {
                break;
            }
            if (m.get().timestamp() >= tsNanos) {
                return m.get().seq();
            }
            at = m.get().seq() + 1;
        }
        return last + 1;
    }
}
