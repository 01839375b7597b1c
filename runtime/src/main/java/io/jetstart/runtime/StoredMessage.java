package io.jetstart.runtime;

/**
 * One committed message as read back.
 *
 * @param timeNanos Unix nanoseconds
 * @param headers   the raw NATS header block ({@code NATS/1.0\r\n...}); empty when none
 */
public record StoredMessage(long seq, String subject, long timeNanos, byte[] headers, byte[] payload) {
}
