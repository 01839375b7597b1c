package io.jetstart.core.store;

import io.jetstart.core.format.MessageTtl;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.StreamConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The expiry nats-server 2.11+ does on its first age check after a start, about a second after
 * the stream is up ({@code filestore.go: recoverTTLState} arms it with {@code resetAgeChk(0)};
 * {@code expireMsgs} runs it), applied to the in-memory state as {@link RetentionLimits} applies
 * what the server does while opening. A server asked right after a start reports this state; the
 * files alone do not say it, since the server wrote nothing yet.
 *
 * <ul>
 *   <li>With {@code allow_msg_ttl}: every live message whose {@code Nats-TTL} (a positive number of
 *       seconds) ran out by now goes. The server finds them in {@code thw.db} and by scanning the
 *       blocks after its stamp whose {@code index.db} count of TTL messages is not 0; for a store the
 *       server wrote, that is every live message with a TTL in a block counted not 0, which is what
 *       is read here (the design note).</li>
 *   <li>With {@code max_age} and {@code subject_delete_marker_ttl}: the server skips the max_age
 *       expiry of the open ({@code expireMsgsOnRecover} returns at once, since markers must go
 *       through the stream), so the age check takes the old messages instead, keeping those whose
 *       {@code Nats-TTL} is {@code never}.</li>
 * </ul>
 *
 * <p>With subject delete markers on, the server does not remove an expired message that is the
 * last of its subject (and not a marker itself): it proposes a marker for the subject through the
 * stream ({@code handleRemovalOrSdm}), a new message whose {@code Nats-Rollup: sub} then removes
 * it. A stream that refuses the marker ({@code max_msg_size} under its header, or discard new at
 * {@code max_bytes} or {@code max_msgs} with the message's own bytes still in: {@link MarkerRoom})
 * keeps the message, live and counted, and proposes again every 2 s (measured on 2.15.1 with a KV
 * bucket, {@code KvModelIT}). Opened for a writer, such messages stay and their subjects are handed
 * to it ({@link StreamMutator#takeStartUpMarkerSubjects}): it stores the markers first through its
 * publish path (marker, then the rollup's removal; a refused one stays and its age check tries
 * again), as the server does. Otherwise (recovery writes nothing) a message whose marker the
 * stream would store goes and the removal is reported as a warning naming the subject, the state's
 * counts leaving the marker out (docs/compatibility.md, measured: the server counts it only until
 * it ages out, so jetstart's counts are the server's once it has, but for {@code last_seq} and the
 * markers' sequences in {@code deleted}); one whose marker it would refuse stays, and the warning
 * says why, as the server keeps it.
 *
 * <p>Design note: only the blocks that can hold what expires are read, as the server reads them.
 * For TTLs, a block whose count of TTL messages is known to be 0 ({@code index.db} v2+, a scan) is
 * skipped: the server's scan skips it too, so a TTL message in it never expires there (measured on
 * 2.15.1, docs/format-notes.md); a block without a count (an {@code index.db} v1) is read. For the
 * age check, a block whose first live message is younger than {@code max_age} is skipped: blocks
 * are in time order, and the server's check stops at the first message young enough. Whether an
 * expired message was the last of its subject is asked of the per-subject totals the stream keeps
 * (as the server's {@code subjectsTotalsLocked}), so no block is read to count subjects; only a
 * stream that keeps none is read whole for it. The walk is the removal itself: each block read
 * is read once, its expired messages removed as they are met, so nothing is held per expired
 * message beyond its block (a TTL stream with millions of them held a boxed {@code Long} for each,
 * and read every block twice).
 */
final class StartUpExpiry {
    private StartUpExpiry() {
    }

    static void apply(StreamStore s, ServerLine line, StreamStore.RemovalSink sink) throws StoreException, InterruptedException {
        StreamConfig c = s.config;
        if (s.msgs == 0 || line.compareTo(ServerLine.V2_11) < 0) {
            return;
        }
        boolean ttls = c.flag("allow_msg_ttl");
        boolean markers = c.subjectDeleteMarkerTtlNanos() > 0;
        boolean ageCheck = markers && c.maxAgeNanos() > 0;
        if (!ttls && !ageCheck) {
            return;
        }
        long now = s.ctx.nowNanos().getAsLong();
        long minAge = now - c.maxAgeNanos();
        // Without per-subject totals (a stream that tracks no subjects), the live messages of each
        // subject are counted by reading every block first.
        boolean countLive = markers && (!s.tracksSubjects || s.psim.isEmpty());
        List<BlockState> read = new ArrayList<>();
        List<Boolean> byTtl = new ArrayList<>();
        List<Boolean> byAge = new ArrayList<>();
        for (BlockState b : s.blocks) {
            boolean ttl = ttls && b.mayHoldTtls();
            boolean age = ageCheck && b.firstTs <= minAge;
            if (b.msgs > 0 && (ttl || age || countLive)) {
                read.add(b);
                byTtl.add(ttl);
                byAge.add(age);
            }
        }
        if (read.isEmpty()) {
            return;
        }
        Map<String, Long> counted = null;
        if (countLive) {
            Map<String, Long> live = new HashMap<>();
            s.removeByHeaders(read, (seq, ts, subject, buf, ho, hl, rl) -> {
                live.merge(subject, 1L, Long::sum);
                return StreamStore.Decision.KEEP;
            }, StreamStore.RemovalSink.NONE);
            counted = live;
        }
        boolean forWriter = sink != StreamStore.RemovalSink.NONE;
        Walk walk = new Walk(s, now, minAge, markers ? MarkerRoom.of(c) : null, forWriter, counted, read, byTtl, byAge);
        s.removeByHeaders(read, walk, sink);
        if (!markers || walk.due.isEmpty()) {
            return;
        }
        if (forWriter) {
            // Kept, live and counted: the writer stores their markers (in the order met, each
            // subject's last expired message's, as the server's age check proposes them) through its
            // publish path, whose rollup then removes each; a refused one stays, tried again.
            s.startUpMarkers = new StartUpMarkers(walk.due.stream().map(MarkerDue::subject).toList(),
                    walk.due.stream().filter(d -> d.refusal().isEmpty()).map(MarkerDue::seq).toList());
            return;
        }
        for (MarkerDue d : walk.due) {
            if (d.refusal().isPresent()) {
                s.problems.add(Problem.warning(s.msgsDir, "expired at start-up the last message of " + d.subject() + " (sequence "
                        + d.seq() + "), which nats-server keeps, live and counted, since its stream refuses the subject delete marker "
                        + "that would replace it: " + d.refusal().get() + "; the server proposes the marker again every 2 s "
                        + "and removes the message once one is stored"));
                continue;
            }
            // Counted out, not in (docs/compatibility.md, "A marker written at start"): the marker is a
            // message the files do not hold, and the server counts it only until it ages out; its
            // sequence stays the server's last either way.
            s.problems.add(Problem.warning(s.msgsDir, "expired at start-up the last message of " + d.subject()
                    + "; nats-server writes a subject delete marker for it then (a new message above sequence " + s.lastSeq
                    + "), which this state does not hold: the server counts it until max_age or its marker TTL takes it, "
                    + "and its last_seq stays one higher per such marker"));
        }
    }

    /**
     * An expired message that was the last of its subject and not a marker itself: the server
     * proposes a marker for it. {@code refusal}: why the stream refuses that marker (the message
     * then stays), as far as a report can tell (a writer's publish path decides for itself).
     */
    private record MarkerDue(long seq, String subject, Optional<String> refusal) {
    }

    /**
     * Decides, message by message in sequence order over the blocks read, what expires, as the
     * server's age check does: an expired message that is then its subject's only live one, and not
     * a marker, is proposed a marker ({@code shouldProcessSdmLocked}: {@code remaining == 1}); every
     * other expired message goes ({@code rmcb}). Whether the stream would store each marker is
     * reckoned with the server's counts carried along in the same order ({@link MarkerRoom}). For
     * a writer's open the proposed ones stay (the writer stores their markers); for a report,
     * those whose marker the stream would store go, the others stay.
     */
    private static final class Walk implements StreamStore.HeaderRemovalRule {
        private final StreamStore s;
        private final long now;
        private final long minAge;
        /** Null without markers. */
        private final MarkerRoom room;
        private final boolean forWriter;
        /** The live messages of each subject when the stream keeps no totals; null: asked of the totals. */
        private final Map<String, Long> counted;
        /** Per subject met with markers on: its live messages left, as the server counts them. */
        private final Map<String, Long> remaining;
        final List<MarkerDue> due = new ArrayList<>();
        /** The server's message and byte counts as its age check goes (a report's markers count in). */
        private long msgs;
        private long bytes;
        private final List<BlockState> blocks;
        private final List<Boolean> byTtl;
        private final List<Boolean> byAge;
        /** The block the messages are from: blocks holding messages do not overlap and are visited in order. */
        private int at;

        Walk(StreamStore s, long now, long minAge, MarkerRoom room, boolean forWriter, Map<String, Long> counted,
             List<BlockState> blocks, List<Boolean> byTtl, List<Boolean> byAge) {
            this.s = s;
            this.now = now;
            this.minAge = minAge;
            this.room = room;
            this.forWriter = forWriter;
            this.counted = counted;
            this.remaining = room == null ? null : new HashMap<>();
            this.msgs = s.msgs;
            this.bytes = s.bytes;
            this.blocks = blocks;
            this.byTtl = byTtl;
            this.byAge = byAge;
        }

        @Override
        public StreamStore.Decision decide(long seq, long ts, String subject, byte[] buf, int ho, int hl, int rl) {
            while (at < blocks.size() - 1 && seq > blocks.get(at).lastSeq) {
                at++;
            }
            boolean ttlHere = byTtl.get(at);
            boolean ageHere = byAge.get(at);
            long ttl = hl > 0 && (ttlHere || ageHere) ? MessageTtl.seconds(buf, ho, hl) : 0;
            boolean old = ageHere && ts <= minAge && ttl != MessageTtl.NEVER;
            // ts + ttl seconds in nanoseconds, wrapping as the server's int64 does: a TTL of about 250
            // years or more lands in the past, and the server expires it at its first age check.
            boolean due = ttlHere && ttl > 0 && ts + ttl * 1_000_000_000L <= now;
            if (!old && !due) {
                return StreamStore.Decision.KEEP;
            }
            if (room != null) {
                long left = remaining.computeIfAbsent(subject, this::liveOf);
                if (left == 1 && !(hl > 0 && MessageTtl.isDeleteMarker(buf, ho, hl))) {
                    return proposeMarker(seq, subject, rl);
                }
                remaining.put(subject, left - 1);
            }
            msgs--;
            bytes -= rl;
            return StreamStore.Decision.REMOVE;
        }

        /** The subject's live messages before the first of them went here. */
        private long liveOf(String subject) {
            if (counted != null) {
                return counted.getOrDefault(subject, 0L);
            }
            SubjectTotals t = s.psim.get(subject);
            return t == null ? 0 : t.total;
        }

        private StreamStore.Decision proposeMarker(long seq, String subject, int rl) {
            Optional<String> refusal = room.refusal(subject, msgs, bytes, rl);
            due.add(new MarkerDue(seq, subject, refusal));
            if (refusal.isPresent()) {
                return StreamStore.Decision.KEEP;
            }
            // Stored: the marker counts in, and its rollup takes the message (for a writer's open,
            // the writer's marker will; the message stays for it until then).
            remaining.put(subject, 0L);
            bytes += room.recordLength(subject) - rl;
            return forWriter ? StreamStore.Decision.KEEP : StreamStore.Decision.REMOVE;
        }
    }
}
