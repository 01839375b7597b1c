package io.jetstart.core.meta;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Parses a meta.inf as Go's lenient {@code json.Unmarshal} into {@code FileStreamInfo} /
 * {@code FileConsumerInfo} would: unknown keys are kept and ignored, but a known key holding the
 * wrong JSON type, an out-of-range integer, an enum value the server does not know or an
 * unparseable time fails the whole decode (nats-server then logs "Error unmarshalling ... metafile"
 * and skips the asset).
 *
 * <p>Limits of the imitation, on purpose: keys match exactly (Go also accepts a case-insensitive
 * match), nested objects ({@code mirror}, {@code placement}, ...) are only checked to be objects,
 * and {@code null} counts as absent except for enum fields, whose Go unmarshallers reject it.
 */
final class JsonFields {
    /**
     * jackson-core alone: thread-safe, and cheap to start. Building a databind mapper loads some
     * 400 classes (~110 ms in a fresh JVM) while every stream task waits on this class's
     * initialisation; the plain parser below needs a few dozen.
     */
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** Go's zero {@code time.Time}: "no time". */
    private static final Instant GO_ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");

    /** The Go type a known key decodes into, as a check on its JSON value. */
    enum Type {
        STRING, BOOL, INT64, INT32, UINT64, TIME, STRING_LIST, INT64_LIST, OBJECT, OBJECT_LIST, STRING_MAP
    }

    /** A known key: its Go type, and for enums the accepted string values. */
    record Field(Type type, Set<String> enumValues, boolean ignoreCase) {
        static Field of(Type type) {
            return new Field(type, Set.of(), false);
        }

        static Field oneOf(String... values) {
            return new Field(Type.STRING, Set.of(values), false);
        }

        static Field oneOfIgnoringCase(String... values) {
            return new Field(Type.STRING, Set.of(values), true);
        }
    }

    private JsonFields() {
    }

    /**
     * Parses and type-checks into plain values ({@link MetaJson}'s: maps keep key order and unknown
     * keys). The common shape is read by {@link MetaJson} and checked with {@link #fits}; anything
     * else, including every input that fails a check, takes the Jackson path ({@link #parse}), so
     * what is accepted and every error message are that path's.
     */
    static Map<String, Object> parseFields(byte[] json, Map<String, Field> known, String what) throws FormatException {
        Map<String, Object> plain = MetaJson.read(json);
        if (plain != null && allFit(plain, known)) {
            return plain;
        }
        return plainValues(parse(json, known, what));
    }

    private static boolean allFit(Map<String, Object> obj, Map<String, Field> known) {
        for (Map.Entry<String, Object> e : obj.entrySet()) {
            Field f = known.get(e.getKey());
            if (f != null && !fits(e.getValue(), f)) {
                return false;
            }
        }
        return true;
    }

    /** {@link #check}'s rule on {@link MetaJson}'s values: true where check finds no problem. */
    static boolean fits(Object v, Field f) {
        if (v == MetaJson.NULL) {
            return f.enumValues().isEmpty();
        }
        return switch (f.type()) {
            case STRING -> v instanceof String s && (f.enumValues().isEmpty() || accepts(f, s));
            case BOOL -> v instanceof Boolean;
            case INT64 -> v instanceof Long;
            case INT32 -> v instanceof Long l && l == (int) (long) l;
            case UINT64 -> v instanceof Long l && l >= 0;
            case TIME -> v instanceof String s && parseTime(s) != null;
            case STRING_LIST -> v instanceof List<?> l && allNullOr(l, String.class);
            case INT64_LIST -> v instanceof List<?> l && allNullOr(l, Long.class);
            case OBJECT -> v instanceof Map;
            case OBJECT_LIST -> v instanceof List<?> l && allNullOr(l, Map.class);
            case STRING_MAP -> v instanceof Map<?, ?> m && allNullOr(m.values(), String.class);
        };
    }

    /**
     * Every element is {@link MetaJson#NULL} or a {@code type}. A loop, not a stream pipeline: it
     * runs for every list in every meta.inf (thousands in a store of many streams), where a fresh
     * JVM ran each pipeline's several objects and megamorphic calls uncompiled.
     */
    private static boolean allNullOr(Collection<?> values, Class<?> type) {
        for (Object n : values) {
            if (n != MetaJson.NULL && !type.isInstance(n)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A Jackson tree as {@link MetaJson}'s values (numbers that do not fit a long stay
     * {@link BigInteger}, floats {@link java.math.BigDecimal}), so that both paths have one set of getters.
     */
    static Map<String, Object> plainValues(ObjectNode obj) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : obj.properties()) {
            m.put(e.getKey(), plainValue(e.getValue()));
        }
        return m;
    }

    private static Object plainValue(JsonNode v) {
        if (v.isObject()) {
            return plainValues((ObjectNode) v);
        }
        if (v.isArray()) {
            List<Object> out = new ArrayList<>(v.size());
            for (JsonNode n : v) {
                out.add(plainValue(n));
            }
            return out;
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? (Object) v.longValue() : v.bigIntegerValue();
        }
        if (v.isNumber()) {
            return v.decimalValue();
        }
        return MetaJson.NULL;
    }

    /** The Jackson tree of a meta.inf that {@link #parseFields} accepted (for {@code json()}, built on demand). */
    static ObjectNode readTree(byte[] json) {
        ObjectNode obj = readPlainObject(json);
        if (obj != null) {
            return obj;
        }
        try {
            return readWithMapper(json, "meta.inf");
        } catch (FormatException e) {
            throw new IllegalStateException("a meta.inf that parsed once no longer parses: " + e.getMessage(), e);
        }
    }

    /** Parses and type-checks; the returned object keeps key order and unknown keys. */
    static ObjectNode parse(byte[] json, Map<String, Field> known, String what) throws FormatException {
        ObjectNode obj = readPlainObject(json);
        if (obj == null) {
            obj = readWithMapper(json, what);
        }
        // In the file's key order, so that of several bad keys the first one is reported.
        for (Map.Entry<String, JsonNode> e : obj.properties()) {
            Field f = known.get(e.getKey());
            if (f != null) {
                String problem = check(e.getValue(), f);
                if (problem != null) {
                    throw new FormatException(-1, what + " key \"" + e.getKey() + "\": " + problem);
                }
            }
        }
        return obj;
    }

    /**
     * The tree of the common case, one JSON object of objects, arrays, strings, integers, booleans
     * and nulls with no key repeated and nothing after it, read with the streaming parser into the
     * same nodes the mapper builds; null for anything else (malformed input, a float, a repeated
     * key, trailing tokens), which {@link #readWithMapper} then reads or refuses with its own
     * message. So the answer for every input is the mapper's, and only the common case is fast.
     */
    static ObjectNode readPlainObject(byte[] json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            ObjectNode root = NODES.objectNode();
            ArrayDeque<ContainerNode<?>> open = new ArrayDeque<>();
            open.push(root);
            while (!open.isEmpty()) {
                JsonToken t = p.nextToken();
                if (t == null) {
                    return null;
                }
                JsonNode v;
                switch (t) {
                    case FIELD_NAME -> {
                        continue;
                    }
                    case END_OBJECT, END_ARRAY -> {
                        open.pop();
                        continue;
                    }
                    case START_OBJECT -> v = NODES.objectNode();
                    case START_ARRAY -> v = NODES.arrayNode();
                    case VALUE_STRING -> v = NODES.textNode(p.getText());
                    case VALUE_NUMBER_INT -> v = switch (p.getNumberType()) {
                        case INT -> NODES.numberNode(p.getIntValue());
                        case LONG -> NODES.numberNode(p.getLongValue());
                        default -> NODES.numberNode(p.getBigIntegerValue());
                    };
                    case VALUE_TRUE -> v = NODES.booleanNode(true);
                    case VALUE_FALSE -> v = NODES.booleanNode(false);
                    case VALUE_NULL -> v = NODES.nullNode();
                    default -> {
                        return null;
                    }
                }
                if (open.peek() instanceof ObjectNode o) {
                    // currentName() of a START_OBJECT/START_ARRAY value is its key in the parent.
                    if (o.putIfAbsent(p.currentName(), v) != null) {
                        return null;
                    }
                } else {
                    ((ArrayNode) open.peek()).add(v);
                }
                if (v instanceof ContainerNode<?> c) {
                    open.push(c);
                }
            }
            return p.nextToken() == null ? root : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The databind read: every input {@link #readPlainObject} passes on, and all error messages. */
    static ObjectNode readWithMapper(byte[] json, String what) throws FormatException {
        JsonNode root;
        try {
            root = Mapper.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new FormatException(at, what + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new FormatException(-1, what + " could not be parsed: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(0, what + " must be a JSON object, found " + (root == null ? "nothing" : root.getNodeType()));
        }
        return (ObjectNode) root;
    }

    /** Built on first use only, i.e. only when some meta.inf is off the common path or a config is built. */
    private static final class Mapper {
        /** Configured once, then only read: Jackson mappers are thread-safe after configuration. */
        static final JsonMapper MAPPER = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
    }

    private static String check(JsonNode v, Field f) {
        if (v.isNull()) {
            return f.enumValues().isEmpty() ? null : "null is not one of " + f.enumValues();
        }
        return switch (f.type()) {
            case STRING -> !v.isTextual() ? "expected a string, found " + v.getNodeType()
                    : f.enumValues().isEmpty() || accepts(f, v.textValue()) ? null
                    : "\"" + v.textValue() + "\" is not one of " + f.enumValues();
            case BOOL -> v.isBoolean() ? null : "expected true or false, found " + v.getNodeType();
            case INT64 -> v.isIntegralNumber() && v.canConvertToLong() ? null : "expected a 64-bit integer, found " + v;
            case INT32 -> v.isIntegralNumber() && v.canConvertToInt() ? null : "expected a 32-bit integer, found " + v;
            case UINT64 -> v.isIntegralNumber() && (v.canConvertToLong() ? v.longValue() >= 0
                    : v.bigIntegerValue().signum() >= 0 && v.bigIntegerValue().compareTo(UINT64_MAX) <= 0)
                    ? null : "expected an unsigned 64-bit integer, found " + v;
            case TIME -> !v.isTextual() ? "expected an RFC 3339 time string, found " + v.getNodeType()
                    : parseTime(v.textValue()) == null ? "\"" + v.textValue() + "\" is not an RFC 3339 time" : null;
            case STRING_LIST -> listOf(v, n -> n.isTextual(), "strings");
            case INT64_LIST -> listOf(v, n -> n.isIntegralNumber() && n.canConvertToLong(), "64-bit integers");
            case OBJECT -> v.isObject() ? null : "expected an object, found " + v.getNodeType();
            case OBJECT_LIST -> listOf(v, JsonNode::isObject, "objects");
            case STRING_MAP -> {
                if (!v.isObject()) {
                    yield "expected an object of strings, found " + v.getNodeType();
                }
                for (JsonNode value : v) {
                    if (!value.isTextual() && !value.isNull()) {
                        yield "expected an object of strings, found a " + value.getNodeType() + " value";
                    }
                }
                yield null;
            }
        };
    }

    private static boolean accepts(Field f, String value) {
        return f.ignoreCase() ? f.enumValues().contains(value.toLowerCase(Locale.ROOT)) : f.enumValues().contains(value);
    }

    private static String listOf(JsonNode v, Predicate<JsonNode> element, String what) {
        if (!v.isArray()) {
            return "expected an array of " + what + ", found " + v.getNodeType();
        }
        for (JsonNode n : v) {
            if (!n.isNull() && !element.test(n)) {
                return "expected an array of " + what + ", found an element " + n;
            }
        }
        return null;
    }

    /** RFC 3339 with optional fraction; null if it does not parse. */
    static Instant parseTime(String s) {
        Instant t = parseGoTime(s);
        if (t != null) {
            return t;
        }
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The shape Go's {@code time.RFC3339Nano} writes, {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]} then
     * {@code Z} or {@code ±HH:MM}, with every field in range: the instant, exactly as
     * {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} reads it. Null for anything else, which
     * {@link #parseTime} leaves to that formatter.
     *
     * <p>Design note: every meta.inf has a "Created" key, so a recovery of many streams parsed
     * thousands of times with the general formatter, and its parse machinery was the costliest
     * code the JIT compiled in a fresh JVM. This reads the common case with a few digit checks.
     */
    static Instant parseGoTime(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23
                || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 10 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                nanos = nanos * 10 + (s.charAt(i) - '0');
                i++;
            }
            int count = i - start;
            if (count < 1 || count > 9) {
                return null;
            }
            for (int k = count; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && s.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || oh > 17 || om < 0 || om > 59) {
                return null;
            }
            offsetSeconds = (s.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return null;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds, nanos);
    }

    /** The value of {@code count} ASCII digits at {@code at}, or -1. */
    private static int digits(String s, int at, int count) {
        int v = 0;
        for (int i = at; i < at + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    // ---- typed reads over already checked values (parseFields') ----

    static String text(Map<String, Object> o, String key, String absent) {
        Object v = o.get(key);
        return v == null || v == MetaJson.NULL ? absent : v instanceof String s ? s : null;
    }

    static long int64(Map<String, Object> o, String key, long absent) {
        Object v = o.get(key);
        return v == null || v == MetaJson.NULL ? absent : v instanceof Number n ? n.longValue() : 0;
    }

    /** An unsigned 64-bit value in the bits of a long. */
    static long uint64(Map<String, Object> o, String key) {
        return o.get(key) instanceof Number n ? n.longValue() : 0;
    }

    static boolean bool(Map<String, Object> o, String key) {
        return Boolean.TRUE.equals(o.get(key));
    }

    static List<String> strings(Map<String, Object> o, String key) {
        if (!(o.get(key) instanceof List<?> v)) {
            return List.of();
        }
        List<String> out = new ArrayList<>(v.size());
        for (Object n : v) {
            out.add(n == MetaJson.NULL ? "" : n instanceof String s ? s : null);
        }
        return List.copyOf(out);
    }

    /** The "Created" time, empty when absent, null or Go's zero time. */
    static Optional<Instant> created(Map<String, Object> o) {
        String raw = text(o, "Created", "");
        Instant t = raw.isEmpty() ? null : parseTime(raw);
        return t == null || t.equals(GO_ZERO_TIME) ? Optional.empty() : Optional.of(t);
    }
}
