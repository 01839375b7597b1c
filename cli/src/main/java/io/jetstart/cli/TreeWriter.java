package io.jetstart.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.Writer;
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
 *
 * <p>The text goes straight to the caller's writer, never into one string first: a stream's
 * {@code deleted} list may run to a hundred million sequences (a gigabyte of text), which
 * {@link ReportJson} leaves to a node that writes it as it walks ({@link DeletedArray}).
 */
final class TreeWriter {
    /** Go's 10,000 levels of a config, plus the report's own (root, streams, stream, consumers, consumer, config). */
    static final int MAX_DEPTH = 10_000 + 16;

    private final ObjectMapper mapper;
    private final ObjectWriter scalars;
    private final JsonFactory factory;

    TreeWriter(ObjectMapper mapper) {
        this.mapper = mapper;
        // The mapper flushes the generator after each value it writes: into a string that cost
        // nothing, into stdout it would be a flush of the terminal or pipe per number.
        this.scalars = mapper.writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
        this.factory = mapper.getFactory().rebuild()
                .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build();
    }

    /**
     * Writes the JSON text of {@code node} to {@code out}: one line, or indented with {@code pretty};
     * {@code out} is flushed, not closed.
     */
    void write(JsonNode node, boolean pretty, Writer out) throws IOException {
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.setCodec(mapper);
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            write(node, g);
            g.flush();
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
                    // A scalar (or a DeletedArray): the mapper's own serializer, which does not descend.
                    scalars.writeValue(g, next);
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
