package io.jetstart.core.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link StreamConfigBuilder} and {@link ConsumerConfigBuilder} share: the JSON object they
 * write (a base config's keys, the setters' values over them, in the server's key order) and the
 * checks nats-server makes on names, subjects and durations, with errors that name the field.
 */
final class ConfigJson {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** {@code JSMaxNameLen}, {@code JSMaxDescriptionLen}, {@code JSMaxMetadataLen}. */
    static final int MAX_NAME_BYTES = 255;
    static final int MAX_DESCRIPTION_BYTES = 4 * 1024;
    static final int MAX_METADATA_BYTES = 128 * 1024;

    private ConfigJson() {
    }

    /** {@code base}'s keys with {@code set} over them; a null in {@code set} removes the key. */
    static Map<String, JsonNode> merge(ObjectNode base, Map<String, JsonNode> set) {
        Map<String, JsonNode> merged = new LinkedHashMap<>();
        base.properties().forEach(e -> merged.put(e.getKey(), e.getValue()));
        set.forEach((k, v) -> {
            if (v == null) {
                merged.remove(k);
            } else {
                merged.put(k, v);
            }
        });
        return merged;
    }

    /**
     * The keys of {@code order} first, in that order (each from {@code merged}, else from
     * {@code always}, else left out), then the other keys of {@code merged} in theirs. Consumes
     * {@code merged}.
     */
    static ObjectNode ordered(Map<String, JsonNode> merged, List<String> order, Map<String, JsonNode> always) {
        ObjectNode out = NODES.objectNode();
        for (String key : order) {
            JsonNode v = merged.remove(key);
            if (v == null) {
                v = always.get(key);
            }
            if (v != null) {
                // Not v.deepCopy(): that recurses per level, and an unknown key inside a known
                // object may hold JSON 10,000 deep (JsonTree.GO_MAX_DEPTH).
                out.set(key, JsonTree.copy(v));
            }
        }
        merged.forEach(out::set);
        return out;
    }

    /** The server's {@code isValidAssetName} and {@code JSMaxNameLen}. */
    static void checkName(String field, String name) {
        Objects.requireNonNull(name, field);
        if (name.isEmpty()) {
            throw bad(field, "is required");
        }
        if (utf8(name) > MAX_NAME_BYTES) {
            throw bad(field, "is " + utf8(name) + " bytes, the maximum is " + MAX_NAME_BYTES);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '*' || c == '>' || c == '/' || c == '\\' || Character.isWhitespace(c)
                    || Character.isISOControl(c)) {
                throw bad(field, "\"" + name + "\" holds '" + c + "' (no '.', '*', '>', '/', '\\', whitespace or control characters)");
            }
        }
    }

    static void checkDescription(String description) {
        Objects.requireNonNull(description, "description");
        if (utf8(description) > MAX_DESCRIPTION_BYTES) {
            throw bad("description", "is " + utf8(description) + " bytes, the maximum is " + MAX_DESCRIPTION_BYTES);
        }
    }

    /** {@code metadata} as an object, null when empty; at most 128 KiB of keys and values. */
    static ObjectNode metadata(Map<String, String> metadata) {
        ObjectNode m = NODES.objectNode();
        long bytes = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            Objects.requireNonNull(e.getKey(), "metadata key");
            if (e.getValue() == null) {
                throw bad("metadata", "key \"" + e.getKey() + "\" has no value");
            }
            bytes += utf8(e.getKey()) + utf8(e.getValue());
            m.put(e.getKey(), e.getValue());
        }
        if (bytes > MAX_METADATA_BYTES) {
            throw bad("metadata", "is " + bytes + " bytes, the maximum is " + MAX_METADATA_BYTES);
        }
        return m.isEmpty() ? null : m;
    }

    /** Null when {@code s} is a subject the server takes (no empty token, no whitespace, {@code >} last), else what is wrong. */
    static String subjectProblem(String s) {
        if (s.isEmpty()) {
            return "is empty";
        }
        String[] tokens = s.split("\\.", -1);
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.isEmpty()) {
                return "has an empty token";
            }
            for (int k = 0; k < t.length(); k++) {
                if (Character.isWhitespace(t.charAt(k))) {
                    return "holds whitespace";
                }
            }
            if (t.equals(">") && i != tokens.length - 1) {
                return "has '>' before its last token";
            }
        }
        return null;
    }

    /** A duration as the nanoseconds of a Go {@code time.Duration}; not negative. */
    static long nanos(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative()) {
            throw bad(field, "is " + d + "; it cannot be negative");
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            throw bad(field, "is " + d + ", more nanoseconds than a Go time.Duration holds");
        }
    }

    static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    static IllegalArgumentException bad(String field, String problem) {
        return new IllegalArgumentException(field + " " + problem);
    }
}
