package io.jetstart.core.format;

/**
 * A delete tombstone found in a block: the removed message's sequence ({@code tbit} stripped) and
 * its timestamp.
 */
public record Tombstone(long seq, long ts) {
}
