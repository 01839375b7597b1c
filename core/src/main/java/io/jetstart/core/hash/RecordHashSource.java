package io.jetstart.core.hash;

import java.util.Locale;

/**
 * Where one recovery's block scanners get their record checksums: what {@link RecordHashes}
 * chose, or the scalar hash when the store is too small for the vector hash to pay for itself.
 * Thread-safe.
 *
 * <p>Design note: the vector hash saves ~150 ns per record once compiled, but bringing it up
 * costs a cold JVM ~100-150 ms (the Vector API's classes, its self-test, its compilation). Side by
 * side on 2 cores that made the rebuild of a 7 MB store (upbench) 1.6x slower and left a 136 MB
 * one (many) level, while a 1 GB one (seed8) was 1.4x faster. So a recovery whose block files
 * add up to less than {@link #VECTOR_MIN_BYTES} keeps the scalar hash, and never loads the
 * Vector API at all; {@code -Djetstart.hash=vector} still insists on it.
 */
public final class RecordHashSource {
    /** Block bytes from which the vector hash is worth its start-up (default of {@link #MIN_BYTES_PROPERTY}). */
    public static final long VECTOR_MIN_BYTES = 256L << 20;
    /** System property that moves the threshold (bytes; 0: the vector hash whenever it is chosen). */
    public static final String MIN_BYTES_PROPERTY = "jetstart.hash.vectorMinBytes";

    /**
     * Null for the chosen hash; else why the scalar one, made when asked: formatting the sizes (the
     * JDK's Formatter and locale data) cost 0.1-0.7 ms per source in a warm JVM and tens of
     * milliseconds at a fresh JVM's first use, on the way to a first stream's readiness, and only
     * a report reads it.
     */
    private final java.util.function.Supplier<String> scalarBecause;
    /** Null, or whether the JVM's choice is made yet: the scalar hash until it says so. */
    private final java.util.function.BooleanSupplier chosenYet;
    /**
     * The last block key made: a key is a SHA-256 (then with a {@code MessageDigest} look-up), and a
     * reader asking block by block, message by message (a pull consumer verifying each record it
     * delivers) spent a quarter of its time making the same key again.
     */
    private volatile BlockKey lastKey;

    private record BlockKey(String stream, long blockIndex, byte[] key) {
    }

    private RecordHashSource(java.util.function.Supplier<String> scalarBecause) {
        this(scalarBecause, null);
    }

    private RecordHashSource(java.util.function.Supplier<String> scalarBecause, java.util.function.BooleanSupplier chosenYet) {
        this.scalarBecause = scalarBecause;
        this.chosenYet = chosenYet;
    }

    /** What {@link RecordHashes} chose, whatever the size (tools, writers, tests). */
    public static RecordHashSource chosen() {
        return new RecordHashSource(null);
    }

    /**
     * What {@link RecordHashes} chose, once {@code chosenYet} says the choice is made (someone else
     * makes it, e.g. on a thread of its own), and the scalar hash until then: the same values,
     * without waiting for the Vector API's start-up (the embedded runtime's first write).
     */
    public static RecordHashSource chosenWhenMade(java.util.function.BooleanSupplier chosenYet) {
        return new RecordHashSource(null, java.util.Objects.requireNonNull(chosenYet, "chosenYet"));
    }

    /**
     * The source for a recovery whose block files hold {@code blockBytes} bytes in all, with the
     * threshold of {@link #MIN_BYTES_PROPERTY} (default {@link #VECTOR_MIN_BYTES}).
     *
     * @throws IllegalArgumentException when the property is not a non-negative number of bytes
     */
    public static RecordHashSource forStore(long blockBytes) {
        String set = System.getProperty(MIN_BYTES_PROPERTY);
        long min = VECTOR_MIN_BYTES;
        if (set != null) {
            try {
                min = Long.parseLong(set.trim());
            } catch (NumberFormatException e) {
                min = -1;
            }
            if (min < 0) {
                throw new IllegalArgumentException(MIN_BYTES_PROPERTY + "=" + set + " is not a number of bytes >= 0");
            }
        }
        return forStore(blockBytes, min);
    }

    /** The source for {@code blockBytes} of blocks when the vector hash needs {@code minBytes}. */
    public static RecordHashSource forStore(long blockBytes, long minBytes) {
        if (blockBytes >= minBytes || RecordHashes.insisted()) {
            return chosen();
        }
        return new RecordHashSource(new ScalarReason(blockBytes, minBytes));
    }

    /**
     * Why the scalar hash, made when asked. A named class, not a lambda: a first stream's recovery
     * makes one on its way to being served, where a lambda is spun at run time in a fresh JVM
     * (runtime's package note; docs/benchmarks-passes.md, "Per-stream readiness", sixth pass).
     */
    private static final class ScalarReason implements java.util.function.Supplier<String> {
        private final long blockBytes;
        private final long minBytes;

        ScalarReason(long blockBytes, long minBytes) {
            this.blockBytes = blockBytes;
            this.minBytes = minBytes;
        }

        @Override
        public String get() {
            return scalarBecause(blockBytes, minBytes);
        }
    }

    private static String scalarBecause(long blockBytes, long minBytes) {
        // Both sizes in the threshold's unit: "7.1 MiB of blocks: below the 256 MiB", never MB against MiB.
        boolean mib = minBytes % (1L << 20) == 0;
        String blocks = mib ? String.format(Locale.ROOT, "%,.1f MiB", blockBytes / (double) (1L << 20))
                : String.format(Locale.ROOT, "%,d bytes", blockBytes);
        String threshold = mib ? String.format(Locale.ROOT, "%,d MiB", minBytes >> 20)
                : String.format(Locale.ROOT, "%,d bytes", minBytes);
        return "scalar (" + blocks + " of blocks: below the " + threshold + " where the vector hash pays for its start-up)";
    }

    /** The record checksum of block {@code blockIndex} of {@code stream}. */
    public RecordHash forBlock(String stream, long blockIndex) {
        BlockKey k = lastKey;
        if (k == null || k.blockIndex() != blockIndex || !k.stream().equals(stream)) {
            k = new BlockKey(stream, blockIndex, HashKeys.forBlock(stream, blockIndex));
            lastKey = k;
        }
        // The key is only read by the hashes (each copies it into its own state).
        boolean chosen = scalarBecause == null && (chosenYet == null || chosenYet.getAsBoolean());
        return chosen ? RecordHashes.forKey(k.key()) : new HighwayHash64(k.key());
    }

    /** Which checksum {@link #forBlock} gives, and why: {@code "vector (...)"} or {@code "scalar (...)"}. */
    public String describe() {
        return scalarBecause == null ? RecordHashes.implementation() : scalarBecause.get();
    }
}
