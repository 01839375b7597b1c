package io.jetstart.core.store;

import io.jetstart.core.format.IndexDbCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * NATS subject matching for consumer filters: tokens separated by '.', '*' matches one token,
 * '>' matches one or more trailing tokens. An empty filter list matches everything. A filter
 * nats-server cannot match as a wildcard (an empty token, or '>' before the last token, as in
 * {@code a.>.b} or {@code a..b}) matches only the subject equal to it, as 2.15.1's stores look it
 * up: read as "the rest" at a middle '>', a purge on {@code a.>.b} would have removed every
 * message; and a message stored on {@code a.>.b} (the server stores one) is found by it, as the
 * server finds it for {@code last_by_subj} and {@code Nats-Expected-Last-Subject-Sequence}. No
 * message has an empty token, so {@code a..b} matches nothing.
 */
public final class SubjectFilter {
    /** The filters that can match something, split into tokens. */
    private final List<String[]> filters;
    /** The filters that cannot match as wildcards, each matching only the subject equal to it. */
    private final List<String> literals;
    /** No filter given (null and empty ones are none): everything matches. */
    private final boolean all;

    public SubjectFilter(List<String> filters) {
        // A loop, not a stream pipeline: built for every consumer restored (two per stream, thousands
        // per recovery), where the pipeline's setup outweighed the one or two filters it splits.
        List<String[]> split = new ArrayList<>(filters.size());
        List<String> literal = List.of();
        boolean given = false;
        for (String f : filters) {
            if (f != null && !f.isEmpty()) {
                given = true;
                if (canMatch(f)) {
                    split.add(f.split("\\.", -1));
                } else if (IndexDbCodec.canHold(f)) {
                    // '>' before the end: a subject a message can be stored on (no message has an empty token).
                    literal = literal.isEmpty() ? new ArrayList<>(1) : literal;
                    literal.add(f);
                }
            }
        }
        this.filters = List.copyOf(split);
        this.literals = List.copyOf(literal);
        this.all = !given;
    }

    /**
     * Whether {@code filter} can match as a wildcard: no empty token and {@code >} only as the last
     * token (nats-server's valid filter). Any other filter matches only the subject equal to it.
     */
    public static boolean canMatch(String filter) {
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

    public boolean matchesAll() {
        return all;
    }

    public boolean matches(String subject) {
        if (all) {
            return true;
        }
        if (!literals.isEmpty() && literals.contains(subject)) {
            return true;
        }
        String[] tokens = subject.split("\\.", -1);
        for (String[] f : filters) {
            if (matches(f, tokens)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String[] filter, String[] tokens) {
        for (int i = 0; i < filter.length; i++) {
            String f = filter[i];
            if (f.equals(">")) {
                return tokens.length > i;
            }
            if (i >= tokens.length) {
                return false;
            }
            if (!f.equals("*") && !f.equals(tokens[i])) {
                return false;
            }
        }
        return filter.length == tokens.length;
    }
}
