package io.jetstart.core.store;

import java.util.ArrayList;
import java.util.List;

/**
 * NATS subject matching for consumer filters: tokens separated by '.', '*' matches one token,
 * '>' matches one or more trailing tokens. An empty filter list matches everything. A filter
 * nats-server cannot match anything with (an empty token, or '>' before the last token, as in
 * {@code a.>.b} or {@code a..b}) matches nothing, as the server's stores find nothing for it: read
 * as "the rest" at a middle '>', a purge on {@code a.>.b} would have removed every message.
 */
public final class SubjectFilter {
    /** The filters that can match something, split into tokens. */
    private final List<String[]> filters;
    /** No filter given (null and empty ones are none): everything matches. */
    private final boolean all;

    public SubjectFilter(List<String> filters) {
        // A loop, not a stream pipeline: built for every consumer restored (two per stream, thousands
        // per recovery), where the pipeline's setup outweighed the one or two filters it splits.
        List<String[]> split = new ArrayList<>(filters.size());
        boolean given = false;
        for (String f : filters) {
            if (f != null && !f.isEmpty()) {
                given = true;
                if (canMatch(f)) {
                    split.add(f.split("\\.", -1));
                }
            }
        }
        this.filters = List.copyOf(split);
        this.all = !given;
    }

    /**
     * Whether {@code filter} can match any subject: no empty token and {@code >} only as the last
     * token (nats-server's valid filter; a subject that fails this is not one a stream can store).
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
