package io.jetstart.core.format;

/**
 * Receives the message records of a block in file order, as offsets into the block buffer (which
 * must not be kept: it is reused). {@code headersLen} is 0 when the record has no header block.
 */
@FunctionalInterface
public interface MessageVisitor {
    void message(long seq, long ts, byte[] buf, int subjectOff, int subjectLen, int headersOff, int headersLen,
                 int payloadOff, int payloadLen, int rawLength);
}
