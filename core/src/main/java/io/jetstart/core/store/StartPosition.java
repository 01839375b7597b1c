package io.jetstart.core.store;

import io.jetstart.core.lines.ServerLine;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a consumer without stored state starts, nats-server's {@code selectStartingSeqNo}: the
 * first stream sequence to deliver and, for {@code last_per_subject}, the skip list (the last
 * message of each matching subject, in sequence order) with the sequence after which delivery
 * resumes once it is used up. One rule for the two places that need it: the runtime's new
 * consumer, and recovery's consumer whose {@code o.dat} is missing (the server's {@code HasState}
 * is false, so it selects a start as for a new one).
 *
 * <p>By policy, with {@code opt_start_seq} unset:
 * <ul>
 *   <li>{@code all}: the stream's first sequence.</li>
 *   <li>{@code last}: without filters the stream's last sequence; with filters the highest of each
 *       filter's last matching sequence (none matching: 0, which the clamp raises to the first).</li>
 *   <li>{@code last_per_subject}: the smallest of the last sequences per matching subject (none:
 *       the stream's last sequence). From 2.10, a stream with {@code max_msgs_per_subject: 1}
 *       starts at its first sequence with no skip list: every message is its subject's last.</li>
 *   <li>{@code by_start_time}: the first message at or after the time ({@code GetSeqFromTime};
 *       none: last + 1). From 2.10, with filters, it moves up to the nearest filter's first match
 *       when that match is at or after the time's sequence and before the last sequence (each
 *       filter's first match in the whole stream, so a filter matched before the time is passed
 *       over: the server's own shortcut, kept because the start is what {@code o.dat} stores).</li>
 *   <li>{@code new}: last + 1.</li>
 * </ul>
 * Then the clamps: an empty stream starts at 1, a start below the first is raised to it, a start
 * past the last is lowered to last + 1; from 2.11 the first and the last of those apply only when
 * {@code opt_start_seq} is unset (a start sequence ahead of the stream is kept).
 *
 * <p>nats-server 2.10's {@code last} without filters returns before the clamps and before
 * {@code SetStarting}; its start (the last sequence, never out of range) is still what it serves
 * and reports (EmptyOdatIT, 2.10.27), so the rule does not tell the lines apart there.
 *
 * @param sseq     the next stream sequence to deliver
 * @param skipList {@code last_per_subject}'s sequences, or null
 * @param resume   the stream's last sequence when the skip list was made (meaningful with one)
 */
public record StartPosition(long sseq, long[] skipList, long resume) {

    /**
     * The consumer settings the start depends on.
     *
     * @param deliverPolicy      the config's {@code deliver_policy} ("all" when unset)
     * @param optStartSeq        {@code opt_start_seq}, 0 when unset
     * @param optStartTimeNanos  {@code opt_start_time} in Unix nanoseconds (read with {@code by_start_time} only)
     * @param filters            {@code filter_subject} and {@code filter_subjects}; empty: every subject
     * @param maxMsgsPerSubject  the stream's {@code max_msgs_per_subject}
     */
    public record Request(String deliverPolicy, long optStartSeq, long optStartTimeNanos, List<String> filters,
                          long maxMsgsPerSubject) {
        public Request {
            filters = List.copyOf(filters);
        }
    }

    /**
     * The stream as the rule reads it: the store being recovered, or the runtime's committed view.
     *
     * @param <X> what reading a message may throw besides an interrupt
     */
    public interface Source<X extends Exception> {
        long firstSeq();

        long lastSeq();

        /** The last live sequence whose subject matches {@code filter} (wildcards allowed), 0 when none. */
        long lastMatching(String filter) throws X, InterruptedException;

        /** Visits live messages with sequence ≥ {@code fromSeq} matching {@code filter}, in sequence order. */
        void forEachMatching(long fromSeq, SubjectFilter filter, Visitor visitor) throws X, InterruptedException;
    }

    /** One live message's sequence, time and subject; returns false to stop. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(long seq, long timestampNanos, String subject);
    }

    /** The start of a consumer with settings {@code r} on {@code stream} as it is now, as {@code line} selects it. */
    public static <X extends Exception> StartPosition select(Source<X> stream, Request r, ServerLine line)
            throws X, InterruptedException {
        long first = stream.firstSeq();
        long last = stream.lastSeq();
        long sseq;
        long[] skip = null;
        if (r.optStartSeq() != 0) {
            sseq = r.optStartSeq();
        } else {
            switch (r.deliverPolicy()) {
                case "all" -> sseq = first;
                case "last" -> {
                    if (r.filters().isEmpty()) {
                        sseq = last;
                    } else {
                        sseq = 0;
                        for (String f : r.filters()) {
                            sseq = Math.max(sseq, stream.lastMatching(f));
                        }
                    }
                }
                case "last_per_subject" -> {
                    if (line.startsOnePerSubjectStreamAtFirst() && r.maxMsgsPerSubject() == 1) {
                        sseq = first;
                    } else {
                        long[] seqs = lastPerSubject(stream, new SubjectFilter(r.filters()));
                        sseq = seqs.length == 0 ? last : seqs[0];
                        skip = seqs;
                    }
                }
                case "by_start_time" -> {
                    sseq = seqFromTime(stream, r.optStartTimeNanos(), last);
                    if (line.movesStartTimeToNearestFilterFirst() && !r.filters().isEmpty()) {
                        sseq = nearestFilterFirst(stream, r.filters(), sseq, first, last);
                    }
                }
                default -> sseq = last + 1;
            }
        }
        boolean keepsOptStart = line.keepsStartSeqAheadOfStream() && r.optStartSeq() != 0;
        if (first == 0 && !keepsOptStart) {
            sseq = 1;
        } else if (sseq > last && !keepsOptStart) {
            sseq = last + 1;
        } else if (sseq < first) {
            sseq = first;
        }
        // No matching subject: no skip list, delivery goes on from the start like any consumer.
        return new StartPosition(sseq, skip == null || skip.length == 0 ? null : skip, last);
    }

    /** The last sequence of each subject matching {@code filter}, ascending. */
    private static <X extends Exception> long[] lastPerSubject(Source<X> stream, SubjectFilter filter)
            throws X, InterruptedException {
        Map<String, Long> lastOf = new HashMap<>();
        stream.forEachMatching(stream.firstSeq(), filter, (seq, ts, subject) -> {
            lastOf.put(subject, seq);
            return true;
        });
        return lastOf.values().stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** {@code GetSeqFromTime}: the first live message at or after {@code tsNanos}, else last + 1. */
    private static <X extends Exception> long seqFromTime(Source<X> stream, long tsNanos, long last)
            throws X, InterruptedException {
        long[] found = {last + 1};
        stream.forEachMatching(stream.firstSeq(), new SubjectFilter(List.of()), (seq, ts, subject) -> {
            if (ts >= tsNanos) {
                found[0] = seq;
                return false;
            }
            return true;
        });
        return found[0];
    }

    /**
     * 2.10+: "close the gap to the nearest first" (consumer.go): each filter's first match in the
     * whole stream ({@code FilteredState(first, filter).First}) that is at or after {@code sseq};
     * the smallest one is taken when it is above {@code sseq} and below the last sequence.
     */
    private static <X extends Exception> long nearestFilterFirst(Source<X> stream, List<String> filters, long sseq,
                                                                 long first, long last) throws X, InterruptedException {
        long nseq = last;
        for (String f : filters) {
            long[] firstMatch = {0};
            stream.forEachMatching(first, new SubjectFilter(List.of(f)), (seq, ts, subject) -> {
                firstMatch[0] = seq;
                return false;
            });
            if (firstMatch[0] >= sseq && firstMatch[0] < nseq) {
                nseq = firstMatch[0];
            }
        }
        return nseq > sseq && nseq < last ? nseq : sseq;
    }
}
