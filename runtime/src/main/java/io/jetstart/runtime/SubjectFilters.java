package io.jetstart.runtime;

import io.jetstart.core.store.SubjectFilter;

/**
 * Which subjects a publish may store: what nats-server routes to a stream and {@code index.db}
 * can hold. (Which filters can match anything is {@link SubjectFilter#canMatch}'s to say.)
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
        if (!SubjectFilter.canMatch(subject) || subject.indexOf('\0') >= 0 || subject.indexOf('\uFFFD') >= 0) {
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
}
