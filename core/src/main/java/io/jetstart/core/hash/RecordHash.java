package io.jetstart.core.hash;

/**
 * The checksum of one block record, keyed by its block: HighwayHash-64 over the record's
 * sequence and timestamp, its subject, and its headers and payload, which sit in three ranges of
 * the record with the 2-byte subject length and the 4-byte header length between them.
 *
 * <pre>
 *  record = rl u32 | seq u64 | ts u64 | slen u16 | subject | [hlen u32] | headers+payload | hash
 *                    \____ a, 16 ___/            \_ s, slen _/           \____ q, m ______/
 *  hash   = HH64(key, b[a, a+16) ‖ b[s, s+slen) ‖ b[q, q+m))
 * </pre>
 *
 * <p>Design note: a rebuild computes this once per record and it is most of a rebuild's CPU, so
 * it has two implementations: {@link HighwayHash64} (scalar, always there) and a 256-bit vector
 * one that {@link RecordHashes} picks when the JVM has {@code jdk.incubator.vector} and the CPU
 * runs 256-bit vectors natively. Both hash the ranges where they lie instead of joining them.
 * Not thread-safe: one instance per thread.
 */
public interface RecordHash {
    /**
     * HH64 of {@code b[a, a+16) ‖ b[s, s+slen) ‖ b[q, q+m)}.
     *
     * @throws IndexOutOfBoundsException when a range is not inside {@code b}
     */
    long hashRecord(byte[] b, int a, int s, int slen, int q, int m);

    /** Throws unless {@code b[off, off+len)} lies inside {@code b}. */
    static void checkRange(byte[] b, int off, int len) {
        if (off < 0 || len < 0 || off > b.length - len) {
            throw new IndexOutOfBoundsException("slice " + off + "+" + len + " outside " + b.length);
        }
    }
}
