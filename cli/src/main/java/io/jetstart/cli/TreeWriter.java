package io.jetstart.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a Jackson tree as the mapper would, but with a loop instead of a recursion per level.
 *
 * <p>Design note: a report holds each stream's and consumer's {@code meta.inf} as it is stored,
 * and nats-server loads a {@code meta.inf} whose unknown key holds JSON nested up to 10,000 levels
 * (Go's decoder limit). Jackson's tree serializer recurses per level and overflowed a 1 MiB stack
 * on such a config, and its default write limit (1,000 levels) refused it before that: either way
 * one hostile file cost the whole report. The limit here is Go's plus the report's own levels.
 */
final class TreeWriter {
    /** Go's 10,000 levels of a config, plus the report's own (root, streams, stream, consumers, consumer, config). */
    static final int MAX_DEPTH = 10_000 + 16;

    private final ObjectMapper mapper;
    private final JsonFactory factory;

    TreeWriter(ObjectMapper mapper) {
        this.mapper = mapper;
        this.factory = mapper.getFactory().rebuild()
                .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build();
    }

    /** The JSON text of {@code node}: one line, or indented with {@code pretty}. */
    String write(JsonNode node, boolean pretty) throws IOException {
        try (SegmentedStringWriter out = new SegmentedStringWriter(new BufferRecycler());
             JsonGenerator g = factory.createGenerator(out)) {
            g.setCodec(mapper);
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            write(node, g);
            g.flush();
            return out.getAndClear();
        }
    }

    private void write(JsonNode root, JsonGenerator g) throws IOException {
        // Each entry is an open container's remaining children: field entries of an object, nodes of an array.
        ArrayDeque<Iterator<?>> open = new ArrayDeque<>();
        JsonNode next = root;
        while (true) {
            if (next != null) {
                if (next.isObject()) {
                    g.writeStartObject();
                    open.push(next.properties().iterator());
                } else if (next.isArray()) {
                    g.writeStartArray();
                    open.push(next.iterator());
                } else {
                    // A scalar: the mapper's own serializer, which does not descend.
                    mapper.writeTree(g, next);
                }
                next = null;
            }
            if (open.isEmpty()) {
                return;
            }
            Iterator<?> children = open.peek();
            if (!children.hasNext()) {
                open.pop();
                if (g.getOutputContext().inObject()) {
                    g.writeEndObject();
                } else {
                    g.writeEndArray();
                }
                continue;
            }
            Object child = children.next();
            if (child instanceof Map.Entry<?, ?> e) {
                g.writeFieldName((String) e.getKey());
                next = (JsonNode) e.getValue();
            } else {
                next = (JsonNode) child;
            }
        }
    }
}
