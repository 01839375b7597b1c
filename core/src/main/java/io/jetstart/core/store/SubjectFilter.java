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
    private final List<String[]> filters;

    public SubjectFilter(List<String> filters) {
        // A loop, not a stream pipeline: built for every consumer restored (two per stream, thousands
        // per recovery), where the pipeline's setup outweighed the one or two filters it splits.
        List<String[]> split = new ArrayList<>(filters.size());
        for (String f : filters) {
            if (f != null && !f.isEmpty()) {
                split.add(f.split("\\.", -1));
            }
        }
        this.filters = List.copyOf(split);
    }

    public boolean matchesAll() {
        return filters.isEmpty();
    }

    public boolean matches(String subject) {
        if (filters.isEmpty()) {
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
            if (f.isEmpty()) {
                return false;
            }
            if (f.equals(">")) {
                return i == filter.length - 1 && tokens.length > i;
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
