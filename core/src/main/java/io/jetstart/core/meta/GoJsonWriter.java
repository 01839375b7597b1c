package io.jetstart.core.meta;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes a {@code meta.inf} JSON object as Go's {@code encoding/json} writes it, so that the bytes
 * of a stream's or consumer's {@code meta.inf} written by jetstart are the server's: compact,
 * {@code <}, {@code >} and {@code &} as Unicode escapes in lower-case hex (Go's HTML escaping, on
 * by default: a KV bucket's subject {@code $KV.B.>} and a consumer's filter {@code orders.>} are
 * stored with {@code >} as backslash-u003e), U+2028 and U+2029 escaped too, and control characters
 * other than {@code \b \t \n \f \r} in lower-case hex. Readers parse either form alike.
 */
public final class GoJsonWriter {
    private GoJsonWriter() {
    }

    /** {@code obj} as compact JSON, escaped as Go escapes it. */
    public static byte[] write(ObjectNode obj) {
        try {
            return Holder.WRITER.writeValueAsBytes(obj);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written: " + e.getOriginalMessage(), e);
        }
    }

    /** Made on first use: recovery, which only reads, never needs it. */
    private static final class Holder {
        static final ObjectWriter WRITER = new ObjectMapper(new JsonFactory().setCharacterEscapes(new Escapes())).writer();
    }

    private static final class Escapes extends CharacterEscapes {
        private final int[] ascii;

        Escapes() {
            ascii = standardAsciiEscapesForJSON();
            for (int c = 0; c < 0x20; c++) {
                if (ascii[c] == ESCAPE_STANDARD) {
                    ascii[c] = ESCAPE_CUSTOM;
                }
            }
            ascii['<'] = ESCAPE_CUSTOM;
            ascii['>'] = ESCAPE_CUSTOM;
            ascii['&'] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch < 0x80 ? ascii[ch] == ESCAPE_CUSTOM : ch == 0x2028 || ch == 0x2029) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }
}
