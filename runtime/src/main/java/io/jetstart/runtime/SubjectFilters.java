package io.jetstart.runtime;

/**
 * Which subjects a publish may store: what nats-server routes to a stream and {@code index.db}
 * can hold. (Filters that match nothing, such as {@code a.>.b}, are core's {@code SubjectFilter}'s
 * to answer: it matches nothing with them, as the server's stores.)
 */
final class SubjectFilters {
    private SubjectFilters() {
    }

    /**
     * Whether a message may be stored on {@code subject}: what {@code index.db} may hold (nats-server's
     * isValidSubject with runes checked: no empty token, no whitespace, no NUL or U+FFFD, {@code >}
     * only last). The server does not route a publish on anything else to a stream (no ack); a
     * literal {@code *} or {@code >} token it does store, as here.
     */
    static boolean storable(String subject) {
        if (!canMatch(subject) || subject.indexOf('\0') >= 0 || subject.indexOf('\uFFFD') >= 0) {
            return false;
        }
        for (int i = 0; i < subject.length(); i++) {
            char c = subject.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                return false;
            }
        }
        return true;
    }

    /** No empty token and {@code >} only as the last token. */
    static boolean canMatch(String filter) {
        if (filter.isEmpty()) {
            return false;
        }
        int start = 0;
        while (true) {
            int dot = filter.indexOf('.', start);
            int end = dot < 0 ? filter.length() : dot;
            if (end == start) {
                return false;
            }
            if (dot >= 0 && end - start == 1 && filter.charAt(start) == '>') {
                return false;
            }
            if (dot < 0) {
                return true;
            }
            start = dot + 1;
        }
    }
}
