package io.jetstart.runtime;

import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.hash.RecordHashes;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The JVM's record checksum choice ({@link RecordHashes}: in a fresh JVM about 100 ms of the Vector
 * API's start-up and a self-test, far more on a busy machine), made on a thread of its own; until
 * it is made, the runtime checks and writes records with the scalar checksum, which computes the
 * same values.
 *
 * <p>Design note: the first stream served used to make the choice itself, on its tail check and
 * its first write, so a small stream waited for it before its first ack: 90-460 ms of its 0.6-1.7 s
 * in a fresh JVM on the loaded 2-core machine, with or without an AOT cache (the self-test runs
 * whatever is cached). Made from the store's open, it then took the second core while the first
 * stream started; the store now starts it (once, {@link #start()} is idempotent) when a stream of
 * {@link #SCALAR_BELOW_BYTES} or more starts recovering, when the first stream is served, or when
 * recovery ends, whichever comes first (docs/benchmarks-passes.md, "Per-stream readiness"). The choice is
 * a class initializer, so there is no half-made state; this class only remembers, per store, that
 * it has returned.
 */
final class HashChoice {
    /** Below this many bytes of records the scalar checksum is used anyway ({@link #forCheckOf}). */
    static final long SCALAR_BELOW_BYTES = 1 << 20;
    private final Thread thread;
    private final AtomicBoolean started = new AtomicBoolean();
    private final RecordHashSource source = RecordHashSource.chosenWhenMade(new Made());
    /** Always scalar: for a few records the vector hash never pays (RecordHashSource's design note). */
    private final RecordHashSource scalar = RecordHashSource.forStore(0, 1);
    private volatile boolean made;

    HashChoice() {
        this.thread = Thread.ofPlatform().name("jetstart-hash-choice").daemon().unstarted(new Choose());
    }

    // Named classes, not lambdas: made at each open, where a fresh JVM would spin a lambda's class
    // at run time (package-info).

    /** The choice's thread: makes it, then remembers that it is made. */
    private final class Choose implements Runnable {
        @Override
        public void run() {
            RecordHashes.implementation();
            made = true;
        }
    }

    /** {@link #made()} for {@link RecordHashSource#chosenWhenMade}. */
    private final class Made implements java.util.function.BooleanSupplier {
        @Override
        public boolean getAsBoolean() {
            return made;
        }
    }

    /** Starts the choice's thread; later calls do nothing. */
    void start() {
        if (started.compareAndSet(false, true)) {
            thread.start();
        }
    }

    /** Waits for the choice when it was started (a thread never started is not waited for). */
    void join() throws InterruptedException {
        thread.join();
    }

    /** Whether the JVM's choice is made (from then on the chosen checksum is used). */
    boolean made() {
        return made;
    }

    /** The store's checksums for reads and checks: the chosen one once the choice is made, the scalar one before. */
    RecordHashSource source() {
        return source;
    }

    /**
     * The checksums for {@code bytes} of records checked once: the scalar one below 1 MiB (a made
     * choice is not a compiled one: a fresh JVM's first vector hashes run interpreted, which a
     * profile caught in a small stream's tail check), else {@link #source()}.
     */
    RecordHashSource forCheckOf(int bytes) {
        return bytes < SCALAR_BELOW_BYTES ? scalar : source;
    }

    /** The record checksum of block {@code index} of {@code stream}: the chosen one once it is made, the scalar one before. */
    RecordHash forBlock(String stream, long index) {
        return made ? RecordHashes.forBlock(stream, index) : new HighwayHash64(HashKeys.forBlock(stream, index));
    }
}
