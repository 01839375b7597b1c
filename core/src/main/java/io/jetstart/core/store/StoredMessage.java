package io.jetstart.core.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One message copied out of its block, its checksum verified: what nats-server's
 * {@code STREAM.MSG.GET} answers.
 *
 * @param seq       stream sequence
 * @param timestamp nanoseconds since the epoch as stored (0 = none)
 * @param subject   the subject
 * @param headers   the NATS header block ({@code NATS/1.0\r\n...}); empty when the message has none
 * @param payload   the message body
 */
public record StoredMessage(long seq, long timestamp, String subject, byte[] headers, byte[] payload) {

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredMessage m && seq == m.seq && timestamp == m.timestamp && subject.equals(m.subject)
                && Arrays.equals(headers, m.headers) && Arrays.equals(payload, m.payload);
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(seq) * 31 + subject.hashCode()) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "StoredMessage[seq=" + seq + ", subject=" + subject + ", headers="
                + new String(headers, StandardCharsets.UTF_8).replace("\r\n", "\\r\\n") + ", payload=" + payload.length + " bytes]";
    }
}
