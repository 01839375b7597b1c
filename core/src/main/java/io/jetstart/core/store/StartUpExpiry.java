package io.jetstart.core.store;

import io.jetstart.core.format.MessageTtl;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.StreamConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *       server wrote, that is every live message with a TTL, which is what is read here.</li>
 *   <li>With {@code max_age} and {@code subject_delete_marker_ttl}: the server skips the max_age
 *       expiry of the open ({@code expireMsgsOnRecover} returns at once, since markers must go
 *       through the stream), so the age check takes the old messages instead, keeping those whose
 *       {@code Nats-TTL} is {@code never}.</li>
 * </ul>
 *
 * <p>With subject delete markers on, the server replaces an expired message that was the last of
 * its subject (and not a marker itself) with a new marker: a new message, not modelled here. Such
 * a removal is reported as a warning naming the subject (docs/compatibility.md).
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
        Set<Long> expired = new HashSet<>();
        List<String> newMarkers = new ArrayList<>();
        Map<String, Long> liveBySubject = new HashMap<>();
        Map<String, Long> expiredBySubject = new HashMap<>();
        // Whether the subject's last expired message is a marker (visited in sequence order).
        Map<String, Boolean> lastIsMarker = new HashMap<>();
        s.forEachLive(0, (seq, ts, subject, buf, ho, hl, po, pl, rl) -> {
            long ttl = hl > 0 ? MessageTtl.seconds(buf, ho, hl) : 0;
            boolean byAge = ageCheck && ts <= minAge && ttl != MessageTtl.NEVER;
            // ts + ttl seconds in nanoseconds, wrapping as the server's int64 does: a TTL of about 250
            // years or more lands in the past, and the server expires it at its first age check.
            boolean byTtl = ttls && ttl > 0 && ts + ttl * 1_000_000_000L <= now;
            liveBySubject.merge(subject, 1L, Long::sum);
            if (byAge || byTtl) {
                expired.add(seq);
                expiredBySubject.merge(subject, 1L, Long::sum);
                lastIsMarker.put(subject, hl > 0 && MessageTtl.isDeleteMarker(buf, ho, hl));
            }
            return true;
        });
        if (expired.isEmpty()) {
            return;
        }
        if (markers) {
            expiredBySubject.forEach((subject, n) -> {
                if (n.equals(liveBySubject.get(subject)) && !lastIsMarker.get(subject)) {
                    newMarkers.add(subject);
                }
            });
        }
        s.remove(List.copyOf(s.blocks), (seq, ts, subject, rl) ->
                expired.contains(seq) ? StreamStore.Decision.REMOVE : StreamStore.Decision.KEEP, sink);
        for (String subject : newMarkers.stream().sorted().toList()) {
            s.problems.add(Problem.warning(s.msgsDir, "expired at start-up the last message of " + subject
                    + "; nats-server writes a subject delete marker for it then (a new message), which this state does not hold"));
        }
    }
}
