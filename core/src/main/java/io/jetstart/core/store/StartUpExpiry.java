package io.jetstart.core.store;

import io.jetstart.core.format.MessageTtl;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.StreamConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * <p>With subject delete markers on, the server replaces an expired message that was the last of
 * its subject (and not a marker itself) with a new marker: a new message. Opened for a writer, the
 * subjects are handed to it ({@link StreamMutator#takeStartUpMarkerSubjects}), which stores those
 * markers first; otherwise (recovery writes nothing) the removal is reported as a warning naming
 * the subject, and the state's counts leave the marker out (docs/compatibility.md, measured: the
 * server counts it only until it ages out, so jetstart's counts are the server's once it has,
 * but for {@code last_seq} and the markers' sequences in {@code deleted}).
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
        // subject are counted by reading every block, as before the walk picked its blocks.
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
        Walk walk = new Walk(s, now, minAge, markers, countLive, read, byTtl, byAge);
        s.removeByHeaders(read, walk, sink);
        if (!markers) {
            return;
        }
        List<Map.Entry<String, ExpiredSubject>> newMarkers = new ArrayList<>();
        walk.bySubject.forEach((subject, e) -> {
            long live = countLive ? walk.liveBySubject.getOrDefault(subject, 0L) : e.liveBefore;
            if (e.expired == live && !e.lastIsMarker) {
                newMarkers.add(Map.entry(subject, e));
            }
        });
        // The server's age check walks the old messages in sequence order, then the TTLs that ran
        // out in sequence order, and writes a subject's marker at its last expired message; the old
        // ones come before any that only a TTL took (timestamps grow with sequences), so the order
        // is that of each subject's last expired message. 2.15.1 wrote a bucket's markers in its
        // values' revision order, not its keys' (KvModelIT).
        newMarkers.sort(Comparator.comparingLong(m -> m.getValue().lastSeq));
        List<String> ordered = newMarkers.stream().map(Map.Entry::getKey).toList();
        if (sink != StreamStore.RemovalSink.NONE) {
            // Opened for a writer: it stores these markers before it takes anything else.
            s.startUpMarkerSubjects = ordered;
            return;
        }
        // Counted out, not in (docs/compatibility.md, "A marker written at start"): the marker is a
        // message the files do not hold, and the server counts it only until it ages out; its
        // sequence stays the server's last either way.
        for (String subject : ordered) {
            s.problems.add(Problem.warning(s.msgsDir, "expired at start-up the last message of " + subject
                    + "; nats-server writes a subject delete marker for it then (a new message above sequence " + s.lastSeq
                    + "), which this state does not hold: the server counts it until max_age or its marker TTL takes it, "
                    + "and its last_seq stays one higher per such marker"));
        }
    }

    /** A subject's expired messages, with subject delete markers on. */
    private static final class ExpiredSubject {
        long expired;
        /** Its live messages before the first of them went (the stream's per-subject total then). */
        long liveBefore;
        /** Whether the last of them (in sequence order) is a marker itself. */
        boolean lastIsMarker;
        /** The sequence of the last of them: where the server's age check writes the subject's marker. */
        long lastSeq;
    }

    /**
     * Decides, message by message in sequence order over the blocks read, what expires; with
     * markers on, keeps per subject what the warning needs.
     */
    private static final class Walk implements StreamStore.HeaderRemovalRule {
        private final StreamStore s;
        private final long now;
        private final long minAge;
        final Map<String, ExpiredSubject> bySubject;
        final Map<String, Long> liveBySubject;
        private final List<BlockState> blocks;
        private final List<Boolean> byTtl;
        private final List<Boolean> byAge;
        /** The block the messages are from: blocks holding messages do not overlap and are visited in order. */
        private int at;

        Walk(StreamStore s, long now, long minAge, boolean markers, boolean countLive, List<BlockState> blocks,
             List<Boolean> byTtl, List<Boolean> byAge) {
            this.s = s;
            this.now = now;
            this.minAge = minAge;
            this.bySubject = markers ? new HashMap<>() : null;
            this.liveBySubject = countLive ? new HashMap<>() : null;
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
            if (liveBySubject != null) {
                liveBySubject.merge(subject, 1L, Long::sum);
            }
            long ttl = hl > 0 && (ttlHere || ageHere) ? MessageTtl.seconds(buf, ho, hl) : 0;
            boolean old = ageHere && ts <= minAge && ttl != MessageTtl.NEVER;
            // ts + ttl seconds in nanoseconds, wrapping as the server's int64 does: a TTL of about 250
            // years or more lands in the past, and the server expires it at its first age check.
            boolean due = ttlHere && ttl > 0 && ts + ttl * 1_000_000_000L <= now;
            if (!old && !due) {
                return StreamStore.Decision.KEEP;
            }
            if (bySubject != null) {
                ExpiredSubject e = bySubject.get(subject);
                if (e == null) {
                    e = new ExpiredSubject();
                    // Read before the removal of this, the subject's first expired message, lowers it.
                    SubjectTotals t = s.psim.get(subject);
                    e.liveBefore = t == null ? -1 : t.total;
                    bySubject.put(subject, e);
                }
                e.expired++;
                e.lastIsMarker = hl > 0 && MessageTtl.isDeleteMarker(buf, ho, hl);
                e.lastSeq = seq;
            }
            return StreamStore.Decision.REMOVE;
        }
    }
}
