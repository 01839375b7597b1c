package io.jetstart.core.hash;

import java.nio.charset.StandardCharsets;

/**
 * The 32-byte HighwayHash keys nats-server uses: always the SHA-256 digest of a UTF-8 string.
 *
 * <pre>
 *  record checksums in msgs/&lt;n&gt;.blk     sha256("&lt;stream&gt;-&lt;n&gt;")     n in decimal, no padding
 *  stream meta.sum, index.db trailer   sha256("&lt;stream&gt;")
 *  consumer meta.sum                   sha256("&lt;stream&gt;/&lt;consumer&gt;")
 * </pre>
 *
 * <p>Design note: keying every block differently means a record copied into another block (or
 * another stream) fails its checksum, so a misplaced record is caught as corruption.
 */
public final class HashKeys {
    private HashKeys() {
    }

    /** Key of the record checksums in block {@code <blockIndex>.blk} of {@code stream}. */
    public static byte[] forBlock(String stream, long blockIndex) {
        return sha256(stream + "-" + blockIndex);
    }

    /** Key of the stream's {@code meta.sum} and of the {@code index.db} trailer. */
    public static byte[] forStream(String stream) {
        return sha256(stream);
    }

    /** Key of a consumer's {@code meta.sum}. */
    public static byte[] forConsumer(String stream, String consumer) {
        return sha256(stream + "/" + consumer);
    }

    /**
     * Digested by {@link Sha256}, not {@code MessageDigest}: the security provider framework's
     * first use in a JVM cost more than all of a 1,000-stream recovery's keys (see there).
     */
    private static byte[] sha256(String s) {
        return Sha256.digest(s.getBytes(StandardCharsets.UTF_8));
    }
}
