package io.jetstart.runtime;

/**
 * Whether a subject filter is one nats-server can match anything with: no empty token and
 * {@code >} only as the last token. The server's stores find no message for any other filter (a
 * purge on {@code a.>.b} purges nothing, a last sequence on it is 0), where core's
 * {@code SubjectFilter} would read a {@code >} in the middle as "the rest".
 */
final class SubjectFilters {
    private SubjectFilters() {
    }

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
