package io.jetstart.core.meta;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
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
    /** Configured once, then only read: Jackson mappers are thread-safe after configuration. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
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

    /** Parses and type-checks; the returned object keeps key order and unknown keys. */
    static ObjectNode parse(byte[] json, Map<String, Field> known, String what) throws FormatException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new FormatException(at, what + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new FormatException(-1, what + " could not be parsed: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(0, what + " must be a JSON object, found " + (root == null ? "nothing" : root.getNodeType()));
        }
        ObjectNode obj = (ObjectNode) root;
        for (Map.Entry<String, Field> e : known.entrySet()) {
            JsonNode v = obj.get(e.getKey());
            if (v != null) {
                String problem = check(v, e.getValue());
                if (problem != null) {
                    throw new FormatException(-1, what + " key \"" + e.getKey() + "\": " + problem);
                }
            }
        }
        return obj;
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
            case UINT64 -> v.isIntegralNumber() && v.bigIntegerValue().signum() >= 0
                    && v.bigIntegerValue().compareTo(UINT64_MAX) <= 0 ? null : "expected an unsigned 64-bit integer, found " + v;
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
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    // ---- typed reads over an already checked object ----

    static String text(ObjectNode o, String key, String absent) {
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? absent : v.textValue();
    }

    static long int64(ObjectNode o, String key, long absent) {
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? absent : v.longValue();
    }

    /** An unsigned 64-bit value in the bits of a long. */
    static long uint64(ObjectNode o, String key) {
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? 0 : v.bigIntegerValue().longValue();
    }

    static boolean bool(ObjectNode o, String key) {
        JsonNode v = o.get(key);
        return v != null && v.booleanValue();
    }

    static List<String> strings(ObjectNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || !v.isArray()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode n : v) {
            out.add(n.isNull() ? "" : n.textValue());
        }
        return List.copyOf(out);
    }

    /** The "Created" time, empty when absent, null or Go's zero time. */
    static Optional<Instant> created(ObjectNode o) {
        String raw = text(o, "Created", "");
        Instant t = raw.isEmpty() ? null : parseTime(raw);
        return t == null || t.equals(GO_ZERO_TIME) ? Optional.empty() : Optional.of(t);
    }
}
