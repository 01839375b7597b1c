package io.jetstart.core.store;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.ReadBuffer;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What opening a stream needs from its caller: the disk gate, the shared block buffers, how to
 * run block scans, where record checksums come from, a clock (for max_age), and a sink for progress. All thread-safe and fully
 * built before the first stream opens (nats-server #7503 crashed on a shared service that was
 * started lazily by parallel stream opens).
 *
 * @param nowNanos  wall clock in Unix nanoseconds, used only by the max_age limit
 * @param key       the operator's key for encrypted streams ({@code jetstream.key}), or null when none was given
 * @param firstRead the first-read buffer of the small files ({@code meta.inf}, {@code index.db},
 *                  {@code o.dat}...) read with this context; thread-safe ({@link ReadBuffer}), best
 *                  one per stream being opened, so that one stream's reads reuse it
 */
public record StoreContext(DiskGate gate, BlockBuffers buffers, BlockWork blockWork, RecordHashSource hashes,
                           LongSupplier nowNanos, ScanProgress progress, StoreKey key, ReadBuffer firstRead) {

    public StoreContext {
        Objects.requireNonNull(firstRead, "firstRead");
    }

    /** With a first-read buffer of its own. */
    public StoreContext(DiskGate gate, BlockBuffers buffers, BlockWork blockWork, RecordHashSource hashes,
                        LongSupplier nowNanos, ScanProgress progress, StoreKey key) {
        this(gate, buffers, blockWork, hashes, nowNanos, progress, key, new ReadBuffer());
    }

    /** Without a key: encrypted streams are refused. */
    public StoreContext(DiskGate gate, BlockBuffers buffers, BlockWork blockWork, RecordHashSource hashes,
                        LongSupplier nowNanos, ScanProgress progress) {
        this(gate, buffers, blockWork, hashes, nowNanos, progress, null);
    }

    /** The same context with the operator's key (null: none). */
    public StoreContext withKey(StoreKey k) {
        return new StoreContext(gate, buffers, blockWork, hashes, nowNanos, progress, k, firstRead);
    }

    /** Called after each block read and scan: bytes and records verified. Must be cheap and thread-safe. */
    @FunctionalInterface
    public interface ScanProgress {
        void blockScanned(long blockIndex, long bytes, long records);

        /** Not a lambda: made on the first stream's way, where a fresh JVM would spin its class at run time. */
        ScanProgress NONE = new ScanProgress() {
            @Override
            public void blockScanned(long blockIndex, long bytes, long records) {
            }
        };
    }

    /** Single-threaded defaults for tools and tests. */
    public static StoreContext singleThreaded() {
        return singleThreaded(RecordHashSource.chosen());
    }

    /** Single-threaded defaults with the record checksums of {@code hashes}. */
    public static StoreContext singleThreaded(RecordHashSource hashes) {
        return new StoreContext(DiskGate.unbounded(), new BlockBuffers(1), BlockWork.sequential(), hashes,
                () -> System.currentTimeMillis() * 1_000_000L, ScanProgress.NONE);
    }
}
