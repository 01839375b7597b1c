package io.jetstart.core.store;

import io.jetstart.core.format.RecordCursor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One verified live message as it lies in a block buffer: a flyweight that {@link MessageReader}
 * moves from message to message. Valid only inside the {@link MessageReader.Visitor#message}
 * call that received it (the buffer is reused); {@link #toMessage()} copies it out.
 */
public final class MessageView {
    private byte[] buf;
    private long seq;
    private long timestamp;
    private int subjectOff;
    private int subjectLen;
    private int headersOff;
    private int headersLen;
    private int payloadOff;
    private int payloadLen;
    private int rawLength;

    MessageView() {
    }

    MessageView wrap(byte[] buf, RecordCursor c) {
        this.buf = buf;
        this.seq = c.seq();
        this.timestamp = c.timestamp();
        this.subjectOff = c.subjectOffset();
        this.subjectLen = c.subjectLength();
        this.headersOff = c.headersOffset();
        this.headersLen = c.headersLength();
        this.payloadOff = c.payloadOffset();
        this.payloadLen = c.payloadLength();
        this.rawLength = c.rawLength();
        return this;
    }

    public long seq() {
        return seq;
    }

    /** Nanoseconds since the epoch as stored (0 = none). */
    public long timestamp() {
        return timestamp;
    }

    public String subject() {
        return new String(buf, subjectOff, subjectLen, StandardCharsets.UTF_8);
    }

    /** Bytes of the header block; 0 when the message has none. */
    public int headersLength() {
        return headersLen;
    }

    /** A copy of the header block (empty when none). */
    public byte[] headers() {
        return Arrays.copyOfRange(buf, headersOff, headersOff + headersLen);
    }

    public int payloadLength() {
        return payloadLen;
    }

    /** A copy of the payload. */
    public byte[] payload() {
        return Arrays.copyOfRange(buf, payloadOff, payloadOff + payloadLen);
    }

    /** The payload without a copy: a read-only buffer valid only during the visit. */
    public ByteBuffer payloadBuffer() {
        return ByteBuffer.wrap(buf, payloadOff, payloadLen).slice().asReadOnlyBuffer();
    }

    /** {@code rl}: the whole record's length, what the stream's {@code bytes} counts. */
    public int rawLength() {
        return rawLength;
    }

    /** The message copied out of the buffer. */
    public StoredMessage toMessage() {
        return new StoredMessage(seq, timestamp, subject(), headers(), payload());
    }
}
