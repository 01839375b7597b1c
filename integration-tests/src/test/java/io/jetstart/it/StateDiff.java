package io.jetstart.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Field-by-field differences between two reports of a store, streams matched by account and name,
 * consumers by name. Each difference is one line naming the stream (and consumer), the field, and
 * both values, e.g. {@code $G > LIM > C0: num_pending: server 693, jetstart 692}.
 */
final class StateDiff {

    private static final int MAX_LISTED = 20;

    private final ObjectMapper json = Json.mapper();
    private final String leftName;
    private final String rightName;
    private final List<String> differences = new ArrayList<>();

    private StateDiff(String leftName, String rightName) {
        this.leftName = leftName;
        this.rightName = rightName;
    }

    /**
     * Compares two reports in the compared view ({@code {"streams":[...]}} as {@link ServerOracle}
     * writes it). Returns no lines when every compared field is equal.
     */
    static List<String> between(String leftName, JsonNode left, String rightName, JsonNode right) {
        StateDiff d = new StateDiff(leftName, rightName);
        d.compareStores(left, right);
        return List.copyOf(d.differences);
    }

    /** jetstart's {@code inspect}/{@code recover} JSON reduced to the compared view. */
    static ObjectNode comparedView(JsonNode jetstartOutput) {
        ObjectMapper json = Json.mapper();
        ObjectNode view = json.createObjectNode();
        ArrayNode streams = view.putArray("streams");
        jetstartOutput.path("streams").forEach(s -> streams.add(ComparedFields.ofJetstart(json, s)));
        ServerOracle.sortStreams(streams);
        return view;
    }

    /** A readable block for an assertion message. */
    static String describe(List<String> differences) {
        return differences.size() + " difference(s):\n  " + String.join("\n  ", differences);
    }

    private void compareStores(JsonNode left, JsonNode right) {
        Map<String, JsonNode> l = byKey(left.path("streams"));
        Map<String, JsonNode> r = byKey(right.path("streams"));
        Set<String> keys = new TreeSet<>(l.keySet());
        keys.addAll(r.keySet());
        for (String key : keys) {
            if (!r.containsKey(key)) {
                differences.add(key + ": stream only in " + leftName);
            } else if (!l.containsKey(key)) {
                differences.add(key + ": stream only in " + rightName);
            } else {
                compareStream(key, ComparedFields.normalized(json, l.get(key)), ComparedFields.normalized(json, r.get(key)));
            }
        }
    }

    private static Map<String, JsonNode> byKey(JsonNode streams) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        streams.forEach(s -> m.put(s.path("account").asText() + " > " + s.path("name").asText(), s));
        return m;
    }

    private void compareStream(String key, JsonNode l, JsonNode r) {
        JsonNode ls = l.path("state");
        JsonNode rs = r.path("state");
        for (String f : ComparedFields.STATE_FIELDS) {
            switch (f) {
                case "deleted" -> compareSequences(key + ": state.deleted", ls.path(f), rs.path(f));
                case "subjects" -> compareSubjects(key + ": state.subjects", ls.path(f), rs.path(f));
                default -> {
                    if (!ls.path(f).equals(rs.path(f))) {
                        differences.add(key + ": state." + f + ": " + leftName + " " + ls.path(f) + ", " + rightName + " "
                                + rs.path(f));
                    }
                }
            }
        }
        Map<String, JsonNode> lc = consumers(l);
        Map<String, JsonNode> rc = consumers(r);
        Set<String> names = new TreeSet<>(lc.keySet());
        names.addAll(rc.keySet());
        for (String name : names) {
            String ck = key + " > " + name;
            if (!rc.containsKey(name)) {
                differences.add(ck + ": consumer only in " + leftName);
            } else if (!lc.containsKey(name)) {
                differences.add(ck + ": consumer only in " + rightName);
            } else {
                for (String f : ComparedFields.CONSUMER_FIELDS) {
                    JsonNode a = lc.get(name).path(f);
                    JsonNode b = rc.get(name).path(f);
                    if (!a.equals(b)) {
                        differences.add(ck + ": " + f + ": " + leftName + " " + a + ", " + rightName + " " + b);
                    }
                }
            }
        }
    }

    private static Map<String, JsonNode> consumers(JsonNode stream) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        stream.path("consumers").forEach(c -> m.put(c.path("name").asText(), c));
        return m;
    }

    private void compareSequences(String label, JsonNode left, JsonNode right) {
        Set<Long> l = new TreeSet<>();
        Set<Long> r = new TreeSet<>();
        left.forEach(v -> l.add(v.asLong()));
        right.forEach(v -> r.add(v.asLong()));
        if (l.equals(r) && left.size() == right.size()) {
            if (!left.equals(right)) {
                differences.add(label + ": same sequences in a different order");
            }
            return;
        }
        Set<Long> onlyLeft = new TreeSet<>(l);
        onlyLeft.removeAll(r);
        Set<Long> onlyRight = new TreeSet<>(r);
        onlyRight.removeAll(l);
        differences.add(label + ": " + leftName + " " + left.size() + " seqs, " + rightName + " " + right.size()
                + "; only " + leftName + ": " + firstFew(onlyLeft) + "; only " + rightName + ": " + firstFew(onlyRight));
    }

    private void compareSubjects(String label, JsonNode left, JsonNode right) {
        Set<String> names = new TreeSet<>();
        left.fieldNames().forEachRemaining(names::add);
        right.fieldNames().forEachRemaining(names::add);
        List<String> lines = new ArrayList<>();
        for (String s : names) {
            JsonNode a = left.get(s);
            JsonNode b = right.get(s);
            if (a == null || b == null || a.asLong() != b.asLong()) {
                lines.add(s + " " + (a == null ? "-" : a.asText()) + "/" + (b == null ? "-" : b.asText()));
            }
        }
        if (!lines.isEmpty()) {
            differences.add(label + " (" + leftName + "/" + rightName + "): " + firstFew(lines));
        }
    }

    private static String firstFew(java.util.Collection<?> values) {
        List<?> list = new ArrayList<>(values);
        if (list.size() <= MAX_LISTED) {
            return list.toString();
        }
        return list.subList(0, MAX_LISTED) + " and " + (list.size() - MAX_LISTED) + " more";
    }
}
