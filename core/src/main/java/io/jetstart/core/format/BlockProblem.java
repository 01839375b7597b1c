package io.jetstart.core.format;

/**
 * Why a block's valid prefix ends before its last byte.
 *
 * @param offset    where the first bad record starts (= the valid prefix length)
 * @param reason    what was expected and what was found
 * @param lostBytes bytes from {@code offset} to the end of the buffer
 */
public record BlockProblem(long offset, String reason, long lostBytes) {
}
