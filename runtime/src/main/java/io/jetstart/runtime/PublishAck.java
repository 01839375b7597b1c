package io.jetstart.runtime;

/** nats-server's publish acknowledgement: the stream, the message's sequence, and whether it was a duplicate. */
public record PublishAck(String stream, long seq, boolean duplicate) {
}
