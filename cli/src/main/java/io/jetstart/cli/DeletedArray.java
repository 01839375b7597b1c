package io.jetstart.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import io.jetstart.core.store.DeletedSequences;
import java.io.IOException;
import java.util.PrimitiveIterator;

/**
 * A report's {@code deleted} array, written sequence by sequence as the report is written, never
 * held as a node per sequence: a valid stream may have a hundred million deleted sequences (a
 * removed middle block, a purge), whose array of nodes took gigabytes before the first byte was
 * written. The text is the array node's it replaces: {@code [2,3,...]}, or the pretty printer's
 * {@code [ 2, 3, ... ]}. Held in the report tree as a {@link com.fasterxml.jackson.databind.node.POJONode}.
 */
final class DeletedArray extends JsonSerializable.Base {
    private final DeletedSequences deleted;

    DeletedArray(DeletedSequences deleted) {
        this.deleted = deleted;
    }

    @Override
    public void serialize(JsonGenerator g, SerializerProvider provider) throws IOException {
        g.writeStartArray();
        PrimitiveIterator.OfLong it = deleted.iterator();
        while (it.hasNext()) {
            g.writeNumber(it.nextLong());
        }
        g.writeEndArray();
    }

    @Override
    public void serializeWithType(JsonGenerator g, SerializerProvider provider, TypeSerializer typeSer) throws IOException {
        serialize(g, provider);
    }
}
