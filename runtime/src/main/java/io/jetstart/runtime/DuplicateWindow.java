package io.jetstart.runtime;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code Nats-Msg-Id} values seen inside the stream's {@code duplicate_window}, with the
 * sequence each was stored at, oldest first (nats-server's {@code mset.ddmap}/{@code ddarr}).
 * Rebuilt at open from the messages inside the window, as the server's {@code rebuildDedupe} does.
 * Writer thread only.
 */
final class DuplicateWindow {
    private record Entry(long seq, long ts) {
    }

    private final LinkedHashMap<String, Entry> ids = new LinkedHashMap<>();
    private long windowNanos;
    /** The id of the last message stored with one (the server's {@code lmsgId}); "" when none. */
    private String lastMsgId = "";

    DuplicateWindow(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    void window(long nanos) {
        this.windowNanos = nanos;
    }

    /** The sequence {@code id} was stored at if it is still inside the window at {@code now}, else 0. */
    long seqOf(String id, long now) {
        expire(now);
        Entry e = ids.get(id);
        return e == null ? 0 : e.seq;
    }

    void stored(String id, long seq, long ts) {
        ids.remove(id);
        ids.put(id, new Entry(seq, ts));
    }

    String lastMsgId() {
        return lastMsgId;
    }

    /** The id of the message just stored, "" when it has none: a message without an id clears it, as on the server. */
    void lastMsgId(String id) {
        lastMsgId = id;
    }

    int size() {
        return ids.size();
    }

    /** Drops ids older than the window; the map is in insertion (= time) order, so it stops at the first young one. */
    void expire(long now) {
        if (windowNanos <= 0) {
            ids.clear();
            return;
        }
        long cutoff = now - windowNanos;
        for (Iterator<Map.Entry<String, Entry>> it = ids.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue().ts >= cutoff) {
                return;
            }
            it.remove();
        }
    }

    /** Unused ids map type kept for clarity in tests. */
    Map<String, Long> snapshot() {
        Map<String, Long> m = new HashMap<>();
        ids.forEach((k, v) -> m.put(k, v.seq));
        return m;
    }
}
