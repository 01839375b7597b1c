package io.jetstart.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The messages with a positive {@code Nats-TTL} that the writer removes when their time comes:
 * nats-server 2.11+'s time wheel ({@code fs.ttls}, a {@code thw.HashWheel}), kept in memory only.
 * A message expires at its timestamp plus its TTL in seconds, in Unix nanoseconds, computed as the
 * server computes it ({@code time.Duration(ts) + time.Second*time.Duration(ttl)}: Java's long
 * arithmetic wraps as Go's int64 does, so a TTL too large for it expires when the server's does).
 *
 * <p>Design note: the server takes an entry out when its message is removed by other means
 * (delete, purge, limits); here an entry whose message went stays until it is due, and is then
 * found gone (the removal returns false, no tombstone), or goes at once when the stream's first
 * sequence passes it ({@link #forgetBelow}), which is how most removals happen. The writer never
 * writes the server's {@code msgs/thw.db}: it removes it before its first write, and the server,
 * finding none, rebuilds its wheel from the blocks whose {@code index.db} count of TTL messages is
 * not 0 (docs/format-notes.md, "Per-message TTL").
 *
 * <p>Only the writer's thread uses it.
 */
final class TtlExpiry {
    /** Sequence → when it expires. */
    private final TreeMap<Long, Long> bySeq = new TreeMap<>();
    /** (when, sequence), earliest first. */
    private final TreeSet<Due> byTime = new TreeSet<>();

    private record Due(long expires, long seq) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(expires, o.expires);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** When a message with {@code ttlSeconds} (positive) stored at {@code ts} expires, as the server reckons it. */
    static long expiresAt(long ts, long ttlSeconds) {
        return ts + 1_000_000_000L * ttlSeconds;
    }

    /** Message {@code seq} expires at {@code expires} (Unix nanoseconds); a second add for it replaces the first. */
    void add(long seq, long expires) {
        Long old = bySeq.put(seq, expires);
        if (old != null) {
            byTime.remove(new Due(old, seq));
        }
        byTime.add(new Due(expires, seq));
    }

    /** The earliest expiry held (Unix nanoseconds), or {@link Long#MAX_VALUE} when none. */
    long nextExpiry() {
        return byTime.isEmpty() ? Long.MAX_VALUE : byTime.first().expires();
    }

    /** Takes out and returns, in sequence order, every message due by {@code now} (Unix nanoseconds). */
    List<Long> takeDue(long now) {
        List<Long> due = new ArrayList<>();
        while (!byTime.isEmpty() && byTime.first().expires() <= now) {
            Due d = byTime.pollFirst();
            bySeq.remove(d.seq());
            due.add(d.seq());
        }
        due.sort(null);
        return due;
    }

    /** Forgets the messages below {@code firstSeq}: gone by a purge, the limits or expiry. */
    void forgetBelow(long firstSeq) {
        NavigableMap<Long, Long> gone = bySeq.headMap(firstSeq, false);
        for (var e : gone.entrySet()) {
            byTime.remove(new Due(e.getValue(), e.getKey()));
        }
        gone.clear();
    }

    /** How many messages are held. */
    int size() {
        return bySeq.size();
    }
}
