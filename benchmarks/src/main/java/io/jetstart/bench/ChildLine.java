package io.jetstart.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of what a measured child JVM ({@link RecoverOnce}) prints on stdout:
 * {@code <TAG> key=value key=value ...}, values without spaces. The parent stamps the moment a
 * {@code RESULT} line arrives, so the child prints it before anything slow (memory figures follow
 * on a {@code MEMORY} line).
 */
record ChildLine(String tag, Map<String, String> fields) {
    static final String RESULT = "RESULT";
    static final String MEMORY = "MEMORY";

    ChildLine {
        fields = Map.copyOf(fields);
    }

    static String format(String tag, Map<String, ?> fields) {
        StringBuilder sb = new StringBuilder(tag);
        for (Map.Entry<String, ?> e : fields.entrySet()) {
            String v = String.valueOf(e.getValue());
            if (v.isEmpty() || v.chars().anyMatch(Character::isWhitespace) || e.getKey().contains("=")) {
                throw new IllegalArgumentException("field " + e.getKey() + "='" + v + "' cannot be written on one line");
            }
            sb.append(' ').append(e.getKey()).append('=').append(v);
        }
        return sb.toString();
    }

    /** The line parsed, or null when it is not a protocol line (anything else the JVM printed). */
    static ChildLine parse(String line) {
        String[] parts = line.strip().split(" +");
        if (parts.length == 0 || !(parts[0].equals(RESULT) || parts[0].equals(MEMORY))) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0) {
                return null;
            }
            fields.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        return new ChildLine(parts[0], fields);
    }

    long longField(String name) {
        String v = fields.get(name);
        if (v == null) {
            throw new IllegalStateException(tag + " line has no field '" + name + "': " + fields);
        }
        return Long.parseLong(v);
    }

    long longField(String name, long absent) {
        String v = fields.get(name);
        return v == null ? absent : Long.parseLong(v);
    }

    String field(String name) {
        return fields.getOrDefault(name, "");
    }
}
