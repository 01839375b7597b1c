package io.jetstart.core.meta;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the shape every meta.inf nats-server writes has, one JSON object of objects, arrays, ASCII
 * strings, integers that fit a long, booleans and nulls with no key repeated, into plain Java
 * values: {@code Map<String, Object>} (key order kept), {@code List<Object>}, {@link String},
 * {@link Long}, {@link Boolean} and {@link #NULL}. Anything else gives null, and the caller reads
 * it with Jackson instead ({@link JsonFields#readTree}), which then accepts it or says what is wrong.
 *
 * <p>Design note: a recovery reads one meta.inf per stream and per consumer, 3,000 of them for
 * 1,000 streams of 2 consumers, and in a fresh JVM the Jackson path (a parser with its buffers per
 * virtual thread, then a tree of nodes) was the largest per-stream cost. This reader is one small
 * class the JIT compiles quickly and allocates only the values. It accepts a strict subset of what
 * Jackson accepts, with the same values: a number with a fraction, an exponent, a leading zero or
 * beyond a long, a string with a byte outside printable ASCII or an escape that makes a
 * surrogate, more than {@link #MAX_DEPTH} levels, a repeated key, a byte-order mark or anything
 * after the object all leave the input to Jackson.
 */
final class MetaJson {
    /** JSON {@code null} (a map cannot hold Java's null as a value and tell it from absent). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** Far deeper than any meta.inf (3 levels: subject transforms in sources), far below Jackson's limit. */
    static final int MAX_DEPTH = 64;
    /** A long has up to 19 digits; 18 always fit, 19 are checked, longer numbers are left to Jackson. */
    private static final int MAX_DIGITS = 19;

    /** Thrown to abandon the read; carries no stack trace, so giving up costs nothing. */
    private static final class NotPlain extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotPlain() {
            super(null, null, false, false);
        }
    }

    private final byte[] b;
    private int i;

    private MetaJson(byte[] b) {
        this.b = b;
    }

    /** The object's keys and values, or null when the input is not of the plain shape. */
    static Map<String, Object> read(byte[] json) {
        MetaJson r = new MetaJson(json);
        try {
            r.skipSpace();
            if (r.peek() != '{') {
                return null;
            }
            Map<String, Object> root = r.object(1);
            r.skipSpace();
            return r.i == json.length ? root : null;
        } catch (NotPlain e) {
            return null;
        }
    }

    private int peek() {
        if (i >= b.length) {
            throw new NotPlain();
        }
        return b[i];
    }

    private void expect(int c) {
        if (peek() != c) {
            throw new NotPlain();
        }
        i++;
    }

    /** JSON's four whitespace bytes, as Jackson skips them. */
    private void skipSpace() {
        while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
            i++;
        }
    }

    private Object value(int depth) {
        return switch (peek()) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> number();
        };
    }

    private Map<String, Object> object(int depth) {
        if (depth > MAX_DEPTH) {
            throw new NotPlain();
        }
        expect('{');
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            i++;
            return m;
        }
        while (true) {
            skipSpace();
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            if (m.putIfAbsent(key, value(depth)) != null) {
                throw new NotPlain();
            }
            skipSpace();
            if (peek() == ',') {
                i++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> array(int depth) {
        if (depth > MAX_DEPTH) {
            throw new NotPlain();
        }
        expect('[');
        List<Object> list = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            i++;
            return list;
        }
        while (true) {
            skipSpace();
            list.add(value(depth));
            skipSpace();
            if (peek() == ',') {
                i++;
                continue;
            }
            expect(']');
            return list;
        }
    }

    private String string() {
        expect('"');
        int start = i;
        while (true) {
            int c = peek();
            if (c == '"') {
                String s = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
                i++;
                return s;
            }
            if (c == '\\') {
                return escaped(start);
            }
            if (c < 0x20 || c > 0x7e) {
                // Control bytes (Jackson refuses them) and UTF-8 (Jackson decodes and checks it).
                throw new NotPlain();
            }
            i++;
        }
    }

    /** The rest of a string with escapes, from {@code start} (its first byte) with {@code i} at a backslash. */
    private String escaped(int start) {
        StringBuilder sb = new StringBuilder(i - start + 16);
        sb.append(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
        while (true) {
            int c = peek();
            i++;
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20 || c > 0x7e) {
                throw new NotPlain();
            }
            if (c != '\\') {
                sb.append((char) c);
                continue;
            }
            int e = peek();
            i++;
            switch (e) {
                case '"', '\\', '/' -> sb.append((char) e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(peek(), 16);
                        if (d < 0) {
                            throw new NotPlain();
                        }
                        v = v * 16 + d;
                        i++;
                    }
                    // Go writes <, > and & as \u003c, \u003e, \u0026 (subjects like "orders.>").
                    // A surrogate half is left to Jackson, which knows how it pairs them.
                    if (Character.isSurrogate((char) v)) {
                        throw new NotPlain();
                    }
                    sb.append((char) v);
                }
                default -> throw new NotPlain();
            }
        }
    }

    private Object literal(String word, Object value) {
        for (int k = 0; k < word.length(); k++) {
            expect(word.charAt(k));
        }
        afterScalar();
        return value;
    }

    private Long number() {
        int start = i;
        if (peek() == '-') {
            i++;
        }
        int first = i;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        int digits = i - first;
        if (digits == 0 || digits > MAX_DIGITS || (digits > 1 && b[first] == '0')) {
            throw new NotPlain();
        }
        afterScalar();
        if (digits < MAX_DIGITS) {
            long v = 0;
            for (int k = first; k < i; k++) {
                v = v * 10 + (b[k] - '0');
            }
            return first > start ? -v : v;
        }
        try {
            return Long.parseLong(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
        } catch (NumberFormatException e) {
            // Beyond a long: Jackson makes it a BigInteger.
            throw new NotPlain();
        }
    }

    /** A scalar ends at whitespace, a comma or a closing bracket (no fraction, exponent or letters glued on). */
    private void afterScalar() {
        int c = peek();
        if (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            throw new NotPlain();
        }
    }
}
