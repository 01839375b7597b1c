package io.jetstart.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * When {@link KvModelIT}'s bucket may next change by itself: a value or marker running out of its
 * TTL. Expiry is asynchronous on both sides, so the model runs a step only while nothing either side
 * holds, or a step since may have written, can expire before the step is done; otherwise it waits
 * past the expiry for both sides to have removed what ran out, then goes on.
 *
 * <p>A stored message runs out, by nats-server's rule ({@code fileStore.expireMsgs}), at its
 * timestamp plus the stream's {@code max_age}, or plus its {@code Nats-TTL} when that is sooner (the
 * age loop skips only a TTL of "never"; the TTL wheel removes at the TTL): what each side's stored
 * header and timestamp say, so a TTL the server raised to the limit marker's is read as raised,
 * and a marker a side wrote at an expiry is timed from its own clock. A write since the last count
 * runs out no sooner than its start plus the shorter of the bucket's TTL and the TTL it asked for
 * (the server only raises one). Neither side removes a message early. Not thread-safe.
 */
final class KvExpiries {
    /**
     * No step starts closer than this to an expiry: a step on both sides and the comparisons after
     * it take 2 to 10 ms here; this covers a loaded machine.
     */
    static final Duration STEP = Duration.ofMillis(500);
    /**
     * A restart of both sides (the server stops, starts and is connected to; the runtime closes and
     * opens): 70 to 520 ms here (the most with other tests running), three times that on a loaded machine.
     */
    static final Duration RESTART = Duration.ofMillis(1_500);
    /** How much later one side may stamp the marker the other wrote at the same expiry ({@link #behind}). */
    static final Duration SKEW = Duration.ofMillis(1_500);

    /** Two expiries closer than this, one of them by a TTL, may come in either order ({@link #clashes}). */
    static final Duration CLOSE = Duration.ofMillis(600);

    private final long maxAgeNanos;
    private final long maxBytes;
    private final int maxValueSize;
    /** The server raises a TTL below the limit marker's to it, but not with one value per key (seconds; 0: no raise). */
    private final int raiseTo;
    /** What may run out and leave a marker, as last counted and written since. */
    private final List<Due> pending = new java.util.ArrayList<>();
    /** The header of the marker the bucket's expiry writes; null for a bucket without a limit marker. */
    private final String markerHeader;
    /** The earliest moment (epoch nanos) something may expire; Long.MAX_VALUE: nothing can. */
    private long next = Long.MAX_VALUE;

    KvExpiries(KvModelConfig config) {
        this.maxAgeNanos = config.ttlMillis() * 1_000_000L;
        this.raiseTo = config.history() == 1 ? 0 : config.limitMarkerSeconds();
        this.maxBytes = config.maxBytes();
        this.maxValueSize = config.maxValueSize();
        this.markerHeader = config.limitMarkerSeconds() == 0 ? null
                : "NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: " + config.limitMarkerSeconds() + "s\r\nNats-Rollup: sub\r\n\r\n";
    }

    /**
     * The messages of {@code held} whose time is up but which a side keeps because their marker does
     * not fit: the last of its subject and not a marker itself, in a bucket with a limit marker whose
     * {@code max_bytes} (discard new) has no room for the marker beside it, or whose
     * {@code max_msg_size} is below the marker's header (every marker refused, 10054: such a bucket
     * keeps the last value of every key past its TTL, on 2.15.1 as in the runtime). nats-server 2.15.1
     * stores the marker before its rollup removes the message, so the marker is refused
     * ({@code fileStore.storeRawMsg}: bytes + marker over {@code max_bytes}), the message stays, and
     * the marker is proposed again 2 s after the last try ({@code shouldProcessSdmLocked}), by its
     * age-check timer: when a later step makes room, which step that retry falls after is the
     * server's timing. {@link KvModelIT} compares the two sides there and ends the bucket's run.
     */
    List<ModelSide.Msg> markerRefused(KvModelSide.Listing held) {
        List<ModelSide.Msg> out = new java.util.ArrayList<>();
        // max_msg_size counts headers: a bucket whose maxValueSize is below the marker's header refuses every marker.
        boolean tooLarge = markerHeader != null && maxValueSize > 0 && markerHeader.length() > maxValueSize;
        if (markerHeader == null || maxBytes <= 0 && !tooLarge) {
            return out;
        }
        long now = now();
        for (ModelSide.Msg m : held.messages()) {
            if (deadline(m) > now || isMarker(m) || held.messages().stream().anyMatch(o -> o != m && o.subject().equals(m.subject()))) {
                continue;
            }
            long markerSize = 22 + m.subject().length() + 4 + markerHeader.length() + 8;
            if (tooLarge || held.state().bytes() + markerSize > maxBytes) {
                out.add(m);
            }
        }
        return out;
    }

    /** The server's isSubjectDeleteMarker: a {@code Nats-Marker-Reason}, or a KV purge. */
    private static boolean isMarker(ModelSide.Msg m) {
        for (String line : headers(m).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && (line.substring(0, colon).strip().equals("Nats-Marker-Reason")
                    || line.substring(0, colon).strip().equals("KV-Operation") && line.substring(colon + 1).strip().equals("PURGE"))) {
                return true;
            }
        }
        return false;
    }

    private static String headers(ModelSide.Msg m) {
        return new String(Base64.getDecoder().decode(m.hdrs()), StandardCharsets.ISO_8859_1);
    }

    /** A write that started at {@code startNanos} (epoch), asking for a TTL of {@code ttlSeconds} (0: none). */
    void wrote(long startNanos, int ttlSeconds) {
        long ttl = ttlSeconds > 0 ? ttlSeconds * 1_000_000_000L : Long.MAX_VALUE;
        long life = Math.min(ttl, maxAgeNanos > 0 ? maxAgeNanos : Long.MAX_VALUE);
        if (life != Long.MAX_VALUE) {
            next = Math.min(next, startNanos + life);
        }
        Due d = due(startNanos, ttlSeconds);
        if (d != null) {
            pending.add(d);
        }
    }

    /**
     * Whether a write starting now with a TTL of {@code ttlSeconds} (0: none) would run out within
     * {@link #CLOSE} of another message that may leave a marker, one of them by its TTL. 2.15.1's
     * expiry takes what {@code max_age} expired by its cached clock ({@code ats.AccessTime}, up to
     * 100 ms behind) and then what the TTL wheel expired by the real clock, the rest at its next
     * check 250 ms or more later: a TTL that runs out with or just after another's {@code max_age}
     * may get its marker first (measured: a {@code create} with a TTL of 1 s in a bucket with a TTL
     * of 1 s, its marker before those of four older values), and two TTLs close together but out of
     * revision order are taken in one pass or two. Which one is the server's timing, so the model
     * writes no such pair.
     */
    boolean clashes(int ttlSeconds) {
        Due d = due(now(), ttlSeconds);
        if (d == null) {
            return false;
        }
        for (Due p : pending) {
            if ((p.byTtl() || d.byTtl()) && Math.abs(p.at() - d.at()) < CLOSE.toNanos()) {
                return true;
            }
        }
        return false;
    }

    /** When a write starting at {@code start} runs out and by which rule (null: never), the server's TTL raise included. */
    private Due due(long start, int ttlSeconds) {
        long ttl = ttlSeconds > 0 ? Math.max(ttlSeconds, raiseTo) * 1_000_000_000L : 0;
        if (ttl > 0 && (maxAgeNanos == 0 || ttl <= maxAgeNanos)) {
            return new Due(start + ttl, true);
        }
        return maxAgeNanos > 0 ? new Due(start + maxAgeNanos, false) : null;
    }

    /** Counts again from what the two sides hold now (after a wait, a restart); a message whose time is up is not counted. */
    void recount(List<ModelSide.Msg> server, List<ModelSide.Msg> runtime) {
        long now = now();
        next = Math.min(earliest(server, now), earliest(runtime, now));
        pending.clear();
        for (List<ModelSide.Msg> side : List.of(server, runtime)) {
            for (ModelSide.Msg m : side) {
                long d = deadline(m);
                if (d > now && d != Long.MAX_VALUE && !isMarker(m)) {
                    // A marker's own expiry writes nothing: only what may leave a marker counts.
                    long ttl = ttlNanos(headers(m));
                    pending.add(new Due(d, ttl > 0 && (maxAgeNanos == 0 || ttl <= maxAgeNanos)));
                }
            }
        }
    }

    /** A message's expiry: when, and whether by its TTL (the wheel) or by {@code max_age}. */
    private record Due(long at, boolean byTtl) {
    }

    /** True when {@code d} from now ends before anything can expire. */
    boolean roomFor(Duration d) {
        return next == Long.MAX_VALUE || now() + d.toNanos() < next;
    }

    /** Nothing held or written can expire. */
    boolean never() {
        return next == Long.MAX_VALUE;
    }

    /** The earliest expiry (epoch nanos), Long.MAX_VALUE for none. */
    long next() {
        return next;
    }

    /**
     * When the side that is behind will have expired what the other already has (epoch nanos), or
     * Long.MIN_VALUE when neither is behind. A marker is stamped when each side's expiry wrote it,
     * up to its timer's lateness apart (2.15.1's age check runs at least 250 ms apart, from its own
     * start), so the side that wrote it first also removes it first: for up to {@link #SKEW} the
     * other still holds a message whose time is not up by its own stamp. A message one side holds
     * and the other not, further from its expiry than that, is a difference, left for the
     * comparison to show.
     */
    long behind(List<ModelSide.Msg> server, List<ModelSide.Msg> runtime) {
        java.util.Set<Long> a = new java.util.HashSet<>();
        server.forEach(m -> a.add(m.seq()));
        java.util.Set<Long> b = new java.util.HashSet<>();
        runtime.forEach(m -> b.add(m.seq()));
        long now = now();
        long until = Long.MIN_VALUE;
        for (ModelSide.Msg m : server) {
            if (!b.contains(m.seq()) && deadline(m) - now <= SKEW.toNanos()) {
                until = Math.max(until, deadline(m));
            }
        }
        for (ModelSide.Msg m : runtime) {
            if (!a.contains(m.seq()) && deadline(m) - now <= SKEW.toNanos()) {
                until = Math.max(until, deadline(m));
            }
        }
        return until;
    }

    /** The first message held whose time is up (its side has yet to expire it), or null; one whose marker has no room is not. */
    ModelSide.Msg overdue(KvModelSide.Listing held) {
        long now = now();
        List<ModelSide.Msg> kept = markerRefused(held);
        for (ModelSide.Msg m : held.messages()) {
            if (deadline(m) <= now && !kept.contains(m)) {
                return m;
            }
        }
        return null;
    }

    private long earliest(List<ModelSide.Msg> msgs, long now) {
        long e = Long.MAX_VALUE;
        for (ModelSide.Msg m : msgs) {
            long d = deadline(m);
            if (d > now) {
                e = Math.min(e, d);
            }
        }
        return e;
    }

    /** When {@code m} runs out by the server's rule; Long.MAX_VALUE: never. */
    long deadline(ModelSide.Msg m) {
        long ttl = ttlNanos(headers(m));
        long life = Math.min(ttl > 0 ? ttl : Long.MAX_VALUE, maxAgeNanos > 0 && ttl >= 0 ? maxAgeNanos : Long.MAX_VALUE);
        return life == Long.MAX_VALUE ? Long.MAX_VALUE : m.timeNanos() + life;
    }

    /**
     * The {@code Nats-TTL} of a header block in nanos: 0 for none, -1 for "never"; as the server's
     * {@code parseMessageTTL} reads it, a Go duration ({@code 2s}, the server's markers and jnats's
     * {@code MessageTtl.seconds}) or whole seconds (the header the server rewrites when it raises a TTL).
     */
    static long ttlNanos(String headers) {
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("Nats-TTL")) {
                String v = line.substring(colon + 1).strip();
                if (v.equals("never")) {
                    return -1;
                }
                if (v.chars().allMatch(Character::isDigit)) {
                    return Long.parseLong(v) * 1_000_000_000L;
                }
                return goDuration(v);
            }
        }
        return 0;
    }

    /** The Go durations the model meets: one or more number-unit pairs, units h, m, s, ms. */
    private static long goDuration(String v) {
        long total = 0;
        int i = 0;
        while (i < v.length()) {
            int start = i;
            while (i < v.length() && (Character.isDigit(v.charAt(i)) || v.charAt(i) == '.')) {
                i++;
            }
            double n = Double.parseDouble(v.substring(start, i));
            int unitStart = i;
            while (i < v.length() && Character.isLetter(v.charAt(i))) {
                i++;
            }
            long unit = switch (v.substring(unitStart, i)) {
                case "h" -> 3_600_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "s" -> 1_000_000_000L;
                case "ms" -> 1_000_000L;
                default -> throw new IllegalArgumentException("a Nats-TTL the model does not read: " + v);
            };
            total += (long) (n * unit);
        }
        return total;
    }

    static long now() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
