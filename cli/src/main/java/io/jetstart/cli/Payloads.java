package io.jetstart.cli;

import java.nio.charset.StandardCharsets;

/**
 * The payloads {@code jetstart publish} sends: each says which run and message it is, and every
 * other byte follows from that, so a crash test can check any stored payload byte for byte.
 */
public final class Payloads {
    private Payloads() {
    }

    /**
     * A payload that says which run and message it is and whose every other byte follows from that:
     * {@code "<run>:<i>:"} then a filler derived from both, cut or padded to {@code size}. A checker
     * can verify any stored payload byte for byte from its own prefix ({@link #expectedFor}).
     */
    public static byte[] payload(long runId, long i, int size) {
        byte[] p = new byte[size];
        byte[] prefix = (Long.toHexString(runId) + ":" + i + ":").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(prefix, 0, p, 0, Math.min(prefix.length, size));
        long x = runId * 31 + i + 0x9E3779B97F4A7C15L;
        for (int j = prefix.length; j < size; j++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            p[j] = (byte) ('a' + Math.floorMod(x, 26));
        }
        return p;
    }

    /** The payload {@link #payload} makes for the run and message named at the start of {@code stored}, or null. */
    public static byte[] expectedFor(byte[] stored) {
        String head = new String(stored, 0, Math.min(stored.length, 48), StandardCharsets.US_ASCII);
        String[] parts = head.split(":", 3);
        if (parts.length < 3) {
            return null;
        }
        try {
            return payload(Long.parseUnsignedLong(parts[0], 16), Long.parseLong(parts[1]), stored.length);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
