package io.jetstart.core.store;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.StreamConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The retention limits nats-server enforces while a stream opens (spec 7.4), applied to the
 * in-memory state only: max_msgs and max_bytes (discard old), max_age, max_msgs_per_subject and a
 * configured first_seq ({@link ConfiguredFirstSeq}). Nothing on disk changes; the server would delete these messages for good,
 * and since limits are deterministic the result is the same state it reports. For a stream that
 * goes to a writer they are kept ({@link StartUpRemovals}) and the writer makes them last: a
 * tombstone each, or the file of a block they emptied removed. Without that a limit raised after the
 * open brought them back with the next rebuild (nats-server writes no tombstone for them either).
 *
 * <p>After hand-over the stream's writer runs the same rules through {@link StreamMutator}, with a
 * {@link StreamStore.RemovalSink} that writes a tombstone for every message they take.
 */
final class RetentionLimits {
    private RetentionLimits() {
    }

    static void apply(StreamStore s) throws StoreException, InterruptedException {
        apply(s, StreamStore.RemovalSink.NONE);
    }

    /**
     * At the open, telling {@code sink} about each message removed: {@link StartUpRemovals} for a
     * stream that goes to a writer, which tombstones them ({@link StreamStore#removalsForWriter}).
     */
    static void apply(StreamStore s, StreamStore.RemovalSink sink) throws StoreException, InterruptedException {
        apply(s, sink, ServerLine.NEWEST);
    }

    /**
     * As {@link #apply(StreamStore, StreamStore.RemovalSink)} for a stream opened as {@code line}:
     * before 2.11 the server knows no {@code subject_delete_marker_ttl} (it ignores the key), so its
     * open takes {@code max_age} as for any stream (2.10.27 restores {@code nats-2.15.1-features}'s
     * {@code SDM} with 0 messages, where 2.15.1 leaves it to its age check).
     */
    static void apply(StreamStore s, StreamStore.RemovalSink sink, ServerLine line) throws StoreException, InterruptedException {
        apply(s, sink, line, sink != StreamStore.RemovalSink.NONE);
    }

    /**
     * As {@link #apply(StreamStore, StreamStore.RemovalSink, ServerLine)}, the configured
     * {@code first_seq} last ({@link ConfiguredFirstSeq}): {@code forWriter}, the stream goes to a
     * writer, which keeps what the line's purge would take at and above {@code first_seq}.
     */
    static void apply(StreamStore s, StreamStore.RemovalSink sink, ServerLine line, boolean forWriter)
            throws StoreException, InterruptedException {
        s.requireRecovering();
        apply(s, sink, true, false, line.compareTo(ServerLine.V2_11) >= 0);
        ConfiguredFirstSeq.apply(s, sink, line, forWriter);
    }

    /**
     * @param atOpen whether the stream opens (the configured {@code first_seq} is applied only then,
     *               by {@link #apply(StreamStore, StreamStore.RemovalSink, ServerLine, boolean)}: the
     *               writer moves the stream's sequences itself)
     */
    static void apply(StreamStore s, StreamStore.RemovalSink sink, boolean atOpen) throws StoreException, InterruptedException {
        apply(s, sink, atOpen, false);
    }

    /**
     * @param perSubjectFirst the subject limit before the stream's, as nats-server's storeRawMsg
     *                        enforces them after a message is stored (the subject's oldest goes, and the
     *                        stream may then be within max_msgs / max_bytes); at open and after a config
     *                        change the server takes the stream's first, as {@link #apply(StreamStore)}
     */
    static void apply(StreamStore s, StreamStore.RemovalSink sink, boolean atOpen, boolean perSubjectFirst)
            throws StoreException, InterruptedException {
        apply(s, sink, atOpen, perSubjectFirst, true);
    }

    /** @param knowsMarkers whether the line reads {@code subject_delete_marker_ttl} (2.11+) */
    private static void apply(StreamStore s, StreamStore.RemovalSink sink, boolean atOpen, boolean perSubjectFirst,
                              boolean knowsMarkers) throws StoreException, InterruptedException {
        StreamConfig c = s.config;
        if (perSubjectFirst && c.maxMsgsPerSubject() > 0 && s.msgs > 0) {
            enforcePerSubject(s, c.maxMsgsPerSubject(), sink);
        }
        boolean discardOld = c.discard() == StreamConfig.Discard.OLD;
        if (discardOld && c.maxMsgs() > 0 && s.msgs > c.maxMsgs()) {
            long[] excess = {s.msgs - c.maxMsgs()};
            s.removeOldest(List.copyOf(s.blocks), (seq, ts, subj, rl) -> {
                if (excess[0] <= 0) {
                    return StreamStore.Decision.STOP;
                }
                excess[0]--;
                return StreamStore.Decision.REMOVE;
            }, sink, MissingBlocks.At.stops("max_msgs"));
        }
        if (discardOld && c.maxBytes() > 0 && s.bytes > c.maxBytes()) {
            long[] over = {s.bytes - c.maxBytes()};
            s.removeOldest(List.copyOf(s.blocks), (seq, ts, subj, rl) -> {
                if (over[0] <= 0) {
                    return StreamStore.Decision.STOP;
                }
                over[0] -= rl;
                return StreamStore.Decision.REMOVE;
            }, sink, MissingBlocks.At.stops("max_bytes"));
        }
        // With delete markers the server's open leaves max_age to its first age check, which goes
        // through the stream to write markers (filestore.go: expireMsgsOnRecover); StartUpExpiry.
        // A writer's stream with per-message TTLs keeps a message whose Nats-TTL is "never" past
        // max_age, as the server's running age check does (expireMsgs); that needs its headers, so the
        // writer does it itself. The open takes them too, as the server's expireMsgsOnRecover does.
        boolean writerKeepsNever = !atOpen && c.flag("allow_msg_ttl");
        if (c.maxAgeNanos() > 0 && (c.subjectDeleteMarkerTtlNanos() <= 0 || !knowsMarkers) && s.msgs > 0 && !writerKeepsNever) {
            long minAge = s.ctx.nowNanos().getAsLong() - c.maxAgeNanos();
            s.removeOldest(List.copyOf(s.blocks), (seq, ts, subj, rl) ->
                    ts <= minAge ? StreamStore.Decision.REMOVE : StreamStore.Decision.STOP, sink, MissingBlocks.At.byAge(minAge));
            if (s.msgs == 0 && !s.psim.isEmpty()) {
                // Only subjects of a missing block the expiry emptied are left (MissingBlocks): 2.10's
                // expireMsgsOnRecover clears the subject totals once it took every block.
                s.psim.clear();
            }
        }
        if (!perSubjectFirst && c.maxMsgsPerSubject() > 0 && s.msgs > 0) {
            enforcePerSubject(s, c.maxMsgsPerSubject(), sink);
        }
    }

    private static void enforcePerSubject(StreamStore s, long limit, StreamStore.RemovalSink sink) throws StoreException, InterruptedException {
        long sum = 0;
        for (SubjectTotals t : s.psim.values()) {
            sum += t.total;
        }
        if (sum != s.msgs) {
            s.problems.add(Problem.warning(s.msgsDir, "Detected skew in subject-based total (" + sum + ") vs raw total ("
                    + s.msgs + "), rebuilding"));
            rebuildSubjects(s);
        }
        Map<String, Long> quota = new HashMap<>();
        s.psim.forEach((subject, t) -> {
            if (t.total > limit) {
                quota.put(subject, t.total - limit);
            }
        });
        if (quota.isEmpty()) {
            return;
        }
        long[] left = {quota.values().stream().mapToLong(Long::longValue).sum()};
        s.removeOldest(List.copyOf(s.blocks), (seq, ts, subject, rl) -> {
            if (left[0] <= 0) {
                return StreamStore.Decision.STOP;
            }
            Long q = quota.get(subject);
            if (q == null || q <= 0) {
                return StreamStore.Decision.KEEP;
            }
            quota.put(subject, q - 1);
            left[0]--;
            return StreamStore.Decision.REMOVE;
        }, sink, MissingBlocks.At.goesOn("max_msgs_per_subject"));
    }

    /** Recounts the per-subject index from the live messages of every block. */
    static void rebuildSubjects(StreamStore s) throws StoreException, InterruptedException {
        Map<String, SubjectTotals> fresh = new HashMap<>();
        for (BlockState b : List.copyOf(s.blocks)) {
            if (b.msgs == 0) {
                continue;
            }
            if (b.fileMissing) {
                // 2.10 rebuilds each block for the recount; the missing one fails and is emptied.
                MissingBlocks.drop(s, b, "recount of the subject totals", true);
                continue;
            }
            s.readBlock(b, (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
                if (sl > 0 && b.isLive(seq)) {
                    String subject = new String(buf, so, sl, java.nio.charset.StandardCharsets.UTF_8);
                    SubjectTotals t = fresh.get(subject);
                    if (t == null) {
                        fresh.put(subject, new SubjectTotals(1, b.index, b.index));
                    } else {
                        t.total++;
                        t.lastBlock = b.index;
                    }
                }
            });
        }
        s.psim.clear();
        s.psim.putAll(fresh);
    }
}
