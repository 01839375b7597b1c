package io.jetstart.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the bench reads from a nats-server log line: whether JetStream is up, the server's own
 * start-up figure, and restored-message counts (to check the server saw the same store).
 *
 * <pre>
 *  [30659] 2026/11/25 13:12:57.394181 [INF] Took 8.716094ms to start JetStream     (2.12.2+)
 *  [30802] 2026/11/25 13:13:02.497583 [INF] Server is ready                        (every version)
 *  [30659] ... [INF]   Restored 100,000 messages for stream '$G > S1' in 7ms        (2.10+; 2.9 without "in")
 *  [30659] ... [FTL] ...                                                            (the server gives up)
 * </pre>
 *
 * The first ready line counts: on 2.12.2+ that is {@code Took ...}, printed when JetStream is
 * enabled, just before the listener; 2.9 has only {@code Server is ready}.
 */
final class ServerLog {
    private static final Pattern TOOK = Pattern.compile("\\bTook (\\S+) to start JetStream\\b");
    private static final Pattern RESTORED = Pattern.compile("\\bRestored ([0-9,]+) messages for stream '");

    /** A line that ends the wait: JetStream is up, with the server's own figure when it printed one. */
    record Ready(long tookNanos) {
        static final long UNKNOWN = -1;
    }

    private ServerLog() {
    }

    /** The ready event this line announces, or null. */
    static Ready ready(String line) {
        Matcher m = TOOK.matcher(line);
        if (m.find()) {
            try {
                return new Ready(io.jetstart.recovery.GoFormat.parseDuration(m.group(1)));
            } catch (IllegalArgumentException e) {
                return new Ready(Ready.UNKNOWN);
            }
        }
        return line.contains("Server is ready") ? new Ready(Ready.UNKNOWN) : null;
    }

    /** Messages a {@code Restored N messages for stream} line reports, else -1. */
    static long restoredMessages(String line) {
        Matcher m = RESTORED.matcher(line);
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    }

    static boolean fatal(String line) {
        return line.contains("[FTL]");
    }
}
