package io.jetstart.core.meta;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one meta.inf JSON object into plain Java values with Jackson's streaming parser, without
 * building a tree: {@code Map<String, Object>} (key order kept), {@code List<Object>},
 * {@link String}, {@link Long}, {@link Boolean} and {@link #NULL}. Input off the plain shape
 * every meta.inf nats-server writes has (a number with a fraction or beyond a long, a repeated
 * key, more than {@link #MAX_DEPTH} levels, anything after the object) or that the parser refuses
 * gives null, and the caller reads it with Jackson's tree instead ({@link JsonTree#parse}),
 * which then accepts it or says what is wrong, with its own message.
 *
 * <p>Design note: a recovery reads one meta.inf per stream and per consumer, 3,000 of them for
 * 1,000 streams of 2 consumers; in a fresh JVM, building a Jackson tree for each and then reading
 * it was the largest per-stream cost. Tokens straight into plain values allocate only the values,
 * and the parsers share one lock-free buffer pool instead of a buffer set per (virtual) thread.
 */
final class MetaJson {
    /** JSON {@code null} (a map cannot hold Java's null as a value and tell it from absent). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** Deeper than any meta.inf; a deeper document is left to the tree reader's own limits. */
    static final int MAX_DEPTH = 64;

    /** Immutable once built, safe to share between threads; the pool is lock-free. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedLockFreePool())
            .build();

    /** Thrown to abandon the read; carries no stack trace, so giving up costs nothing. */
    private static final class NotPlain extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotPlain() {
            super(null, null, false, false);
        }
    }

    private MetaJson() {
    }

    /** The object's keys and values, or null when the input is not of the plain shape. */
    static Map<String, Object> read(byte[] json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Map<String, Object> root = object(p, 1);
            return p.nextToken() == null ? root : null;
        } catch (IOException | NotPlain e) {
            return null;
        }
    }

    private static Object value(JsonParser p, JsonToken t, int depth) throws IOException {
        return switch (t) {
            case START_OBJECT -> object(p, depth + 1);
            case START_ARRAY -> array(p, depth + 1);
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> {
                JsonParser.NumberType type = p.getNumberType();
                if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
                    throw new NotPlain();
                }
                yield p.getLongValue();
            }
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> NULL;
            default -> throw new NotPlain();
        };
    }

    private static Map<String, Object> object(JsonParser p, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new NotPlain();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            if (t != JsonToken.FIELD_NAME) {
                throw new NotPlain();
            }
            String key = p.currentName();
            if (m.putIfAbsent(key, value(p, p.nextToken(), depth)) != null) {
                throw new NotPlain();
            }
        }
        return m;
    }

    private static List<Object> array(JsonParser p, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new NotPlain();
        }
        List<Object> list = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new NotPlain();
            }
            list.add(value(p, t, depth));
        }
        return list;
    }
}
