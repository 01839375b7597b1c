package io.jetstart.core.meta;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.meta.JsonFields.Field;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The Jackson tree side of {@link JsonFields}: a meta.inf off the common path (parsed, checked and
 * refused with the mapper's messages), and the tree {@code json()} hands out.
 *
 * <p>Design note: apart from {@link JsonFields} so that the common path (every stream's recovery
 * and hand-over) never loads databind: linking a class that builds trees loads Jackson's node
 * classes to verify it, about 25 classes (~15 ms of a fresh JVM's first stream served,
 * docs/benchmarks-passes.md, "Per-stream readiness", fifth pass), whether a tree is built or not.
 */
final class JsonTree {
    /**
     * jackson-core alone: thread-safe, and cheap to start. Building a databind mapper loads some
     * 400 classes (~110 ms in a fresh JVM); the plain parser below needs a few dozen.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder().streamReadConstraints(Limits.READ).build();
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private JsonTree() {
    }

    /**
     * Go's {@code encoding/json} reads JSON nested up to 10,000 levels (its scanner's
     * {@code maxNestingDepth}, the outer object counted) and refuses a deeper document with
     * "exceeded max depth"; every nats-server line decodes meta.inf with it. Jackson's default is
     * 1,000, which failed streams nats-server 2.10 loads (a newer tool's key holding deep JSON).
     * Nothing here recurses per level, so no depth the parser accepts costs a stack.
     */
    static final int GO_MAX_DEPTH = 10_000;

    /** The read constraints of both parsers, apart so that the mapper (built lazily) shares them. */
    private static final class Limits {
        static final StreamReadConstraints READ = StreamReadConstraints.builder().maxNestingDepth(GO_MAX_DEPTH).build();
    }

    /**
     * A Jackson tree as {@link MetaJson}'s values (numbers that do not fit a long stay
     * {@link BigInteger}, floats {@link java.math.BigDecimal}), so that both paths have one set of getters.
     * A loop with its own stack, not a recursion: the tree may be {@link #GO_MAX_DEPTH} deep.
     */
    static Map<String, Object> plainValues(ObjectNode obj) {
        Map<String, Object> root = new LinkedHashMap<>();
        // Each entry: a container node still to fill and the plain container it fills.
        ArrayDeque<Object[]> todo = new ArrayDeque<>();
        todo.push(new Object[] {obj, root});
        while (!todo.isEmpty()) {
            Object[] next = todo.pop();
            JsonNode node = (JsonNode) next[0];
            if (next[1] instanceof Map<?, ?> raw) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) raw;
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    m.put(e.getKey(), plainShell(e.getValue(), todo));
                }
            } else {
                @SuppressWarnings("unchecked")
                List<Object> l = (List<Object>) next[1];
                for (JsonNode n : node) {
                    l.add(plainShell(n, todo));
                }
            }
        }
        return root;
    }

    /** A scalar's plain value, or an empty plain container for {@code v}, queued to be filled. */
    private static Object plainShell(JsonNode v, ArrayDeque<Object[]> todo) {
        if (v.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            todo.push(new Object[] {v, m});
            return m;
        }
        if (v.isArray()) {
            List<Object> l = new ArrayList<>(v.size());
            todo.push(new Object[] {v, l});
            return l;
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

    /**
     * A deep copy of {@code obj}, as {@link ObjectNode#deepCopy} makes it but with a loop: Jackson's
     * copy recurses per level, which a tree {@link #GO_MAX_DEPTH} deep overflows on a small stack.
     */
    static ObjectNode copy(ObjectNode obj) {
        return (ObjectNode) copy((JsonNode) obj);
    }

    /** As {@link #copy(ObjectNode)}, for any node (a scalar is returned as it is: immutable). */
    static JsonNode copy(JsonNode node) {
        ArrayDeque<ContainerNode<?>[]> todo = new ArrayDeque<>();
        JsonNode root = copyShell(node, todo);
        while (!todo.isEmpty()) {
            ContainerNode<?>[] next = todo.pop();
            if (next[0] instanceof ObjectNode from) {
                ObjectNode to = (ObjectNode) next[1];
                for (Map.Entry<String, JsonNode> e : from.properties()) {
                    to.set(e.getKey(), copyShell(e.getValue(), todo));
                }
            } else {
                ArrayNode to = (ArrayNode) next[1];
                for (JsonNode n : next[0]) {
                    to.add(copyShell(n, todo));
                }
            }
        }
        return root;
    }

    private static JsonNode copyShell(JsonNode v, ArrayDeque<ContainerNode<?>[]> todo) {
        if (v instanceof ContainerNode<?> c) {
            ContainerNode<?> shell = c.isObject() ? JsonNodeFactory.instance.objectNode() : JsonNodeFactory.instance.arrayNode(c.size());
            todo.push(new ContainerNode<?>[] {c, shell});
            return shell;
        }
        // Scalars are immutable (text, numbers, booleans, null): shared, as deepCopy shares them.
        return v;
    }

    /** The Jackson tree of a meta.inf that {@link JsonFields#parseFields} accepted (for {@code json()}, built on demand). */
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
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            ObjectNode root = nodes.objectNode();
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
                    case START_OBJECT -> v = nodes.objectNode();
                    case START_ARRAY -> v = nodes.arrayNode();
                    case VALUE_STRING -> v = nodes.textNode(p.getText());
                    case VALUE_NUMBER_INT -> v = switch (p.getNumberType()) {
                        case INT -> nodes.numberNode(p.getIntValue());
                        case LONG -> nodes.numberNode(p.getLongValue());
                        default -> nodes.numberNode(p.getBigIntegerValue());
                    };
                    case VALUE_TRUE -> v = nodes.booleanNode(true);
                    case VALUE_FALSE -> v = nodes.booleanNode(false);
                    case VALUE_NULL -> v = nodes.nullNode();
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
        } catch (StreamConstraintsException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new FormatException(at, what + " is nested deeper than " + GO_MAX_DEPTH + " levels, which Go's JSON decoder"
                    + " (so nats-server) refuses as well (\"exceeded max depth\")");
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
        static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(Limits.READ).build())
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
                    : f.enumValues().isEmpty() || JsonFields.accepts(f, v.textValue()) ? null
                    : "\"" + v.textValue() + "\" is not one of " + f.enumValues();
            case BOOL -> v.isBoolean() ? null : "expected true or false, found " + v.getNodeType();
            case INT64 -> v.isIntegralNumber() && v.canConvertToLong() ? null : "expected a 64-bit integer, found " + v;
            case INT32 -> v.isIntegralNumber() && v.canConvertToInt() ? null : "expected a 32-bit integer, found " + v;
            case UINT64 -> v.isIntegralNumber() && (v.canConvertToLong() ? v.longValue() >= 0
                    : v.bigIntegerValue().signum() >= 0 && v.bigIntegerValue().compareTo(UINT64_MAX) <= 0)
                    ? null : "expected an unsigned 64-bit integer, found " + v;
            case TIME -> !v.isTextual() ? "expected an RFC 3339 time string, found " + v.getNodeType()
                    : JsonFields.parseTime(v.textValue()) == null ? "\"" + v.textValue() + "\" is not an RFC 3339 time" : null;
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
}
