package io.jetstart.core.format;

/**
 * A consumer sequence and the stream sequence it maps to, as nats-server's {@code SequencePair}.
 * Both are unsigned 64-bit values on disk; they are held in a {@code long} and compared unsigned.
 */
public record SequencePair(long consumerSeq, long streamSeq) {
    public static final SequencePair ZERO = new SequencePair(0, 0);
}
