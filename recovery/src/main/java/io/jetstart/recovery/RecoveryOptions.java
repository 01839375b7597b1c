package io.jetstart.recovery;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.options.InvalidOptionException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How a recovery runs.
 *
 * @param dios        permits of the disk gate: blocking disk operations in flight at once (1..8192)
 * @param workers     block buffers: blocks being read or parsed at once, across all streams (1..4096).
 *                    This is the CPU parallelism knob; stream and consumer tasks themselves are
 *                    virtual threads and cost nothing while they wait
 * @param mode        {@link Mode#PARALLEL} (a virtual thread per stream, per consumer, per block
 *                    scan) or {@link Mode#SEQUENTIAL} (one thing at a time on the caller's thread:
 *                    the benchmark baseline, and what {@code inspect} uses)
 * @param deadline    optional: streams not finished by then are cancelled and reported
 * @param preview     whether to use {@code StructuredTaskScope} when the JVM allows it; false forces
 *                    the fallback on final APIs
 * @param listener    receives events on a single reporter thread
 * @param onlyStreams when non-empty, only streams with these names are recovered
 * @param key         the operator's key ({@code jetstream.key}) for encrypted streams; null: none, and
 *                    encrypted streams fail with a clear refusal
 * @param verifyBlocks {@code jetstart verify}: a stream that comes back from {@code index.db} is
 *                    also rebuilt from every block and the two states compared (the reported state
 *                    stays the index's, the one nats-server starts with)
 * @param serverLine  whose view to report ({@code --as}); null: the line detected from the files
 * @param firstStreams streams (by name, in any account) to recover first: their tasks are started
 *                    before the others, the others' tasks start once every first stream's has
 *                    ended, and their disk operations pass every other waiter at the gate
 *                    ({@link CountingDiskGate#ahead()}); empty: largest first, one class
 * @param smallFirst  whether the store's smallest streams are first streams too (each at most 32 MiB
 *                    of blocks, together at most 1 % of the store's): what an embedding runtime
 *                    wants, so that small streams are served at once while big ones are rebuilt.
 *                    Off for a recovery that only reports (it would wait for the whole store anyway)
 */
public record RecoveryOptions(int dios, int workers, Mode mode, Duration deadline, boolean preview,
                              RecoveryListener listener, Set<String> onlyStreams, StoreKey key,
                              boolean verifyBlocks, ServerLine serverLine, Set<String> firstStreams,
                              boolean smallFirst) {

    public enum Mode { PARALLEL, SEQUENTIAL }

    public RecoveryOptions {
        if (dios < CountingDiskGate.MIN_PERMITS || dios > CountingDiskGate.MAX_PERMITS) {
            throw new InvalidOptionException("dios", "RecoveryOptions.withDios", "must be between 1 and 8192", String.valueOf(dios));
        }
        if (workers < 1 || workers > 4096) {
            throw new InvalidOptionException("workers", "RecoveryOptions.withWorkers", "must be between 1 and 4096", String.valueOf(workers));
        }
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(listener, "listener");
        onlyStreams = onlyStreams == null ? Set.of() : Set.copyOf(onlyStreams);
        firstStreams = firstStreams == null ? Set.of() : Set.copyOf(firstStreams);
        if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
            // In Go's notation (as operators write it), not Duration's PT0S.
            throw new InvalidOptionException("deadline", "RecoveryOptions.withDeadline", "must be positive", GoFormat.duration(deadline.toNanos()));
        }
    }

    /**
     * Options of a recovery without a key that does not verify the blocks behind a trusted
     * index.db, in the view of the line detected from the files.
     */
    public RecoveryOptions(int dios, int workers, Mode mode, Duration deadline, boolean preview,
                           RecoveryListener listener, Set<String> onlyStreams) {
        this(dios, workers, mode, deadline, preview, listener, onlyStreams, null, false, null, Set.of(), false);
    }

    /** Defaults: dios max(4, 2 × cores); workers 2 × cores, fewer when the heap is small. */
    public static RecoveryOptions defaults() {
        return new RecoveryOptions(CountingDiskGate.defaultPermits(), defaultWorkers(), Mode.PARALLEL, null, true,
                RecoveryListener.NONE, Set.of(), null, false, null, Set.of(), false);
    }

    /**
     * Twice the cores, so one block's read overlaps another's parse; but never more buffers than a
     * quarter of the heap holds at 8 MiB each (the largest block nats-server writes), so a small
     * heap (-Xmx64m) still rebuilds, just with less parallelism.
     */
    public static int defaultWorkers() {
        int byCores = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
        long byHeap = Math.max(1, Runtime.getRuntime().maxMemory() / 4 / (8L << 20));
        return (int) Math.max(1, Math.min(byCores, byHeap));
    }

    public RecoveryOptions withDios(int n) {
        return new RecoveryOptions(n, workers, mode, deadline, preview, listener, onlyStreams, key, verifyBlocks, serverLine, firstStreams, smallFirst);
    }

    public RecoveryOptions withWorkers(int n) {
        return new RecoveryOptions(dios, n, mode, deadline, preview, listener, onlyStreams, key, verifyBlocks, serverLine, firstStreams, smallFirst);
    }

    public RecoveryOptions withMode(Mode m) {
        return new RecoveryOptions(dios, workers, m, deadline, preview, listener, onlyStreams, key, verifyBlocks, serverLine, firstStreams, smallFirst);
    }

    public RecoveryOptions withDeadline(Duration d) {
        return new RecoveryOptions(dios, workers, mode, d, preview, listener, onlyStreams, key, verifyBlocks, serverLine, firstStreams, smallFirst);
    }

    public RecoveryOptions withPreview(boolean p) {
        return new RecoveryOptions(dios, workers, mode, deadline, p, listener, onlyStreams, key, verifyBlocks, serverLine, firstStreams, smallFirst);
    }

    public RecoveryOptions withListener(RecoveryListener l) {
        return new RecoveryOptions(dios, workers, mode, deadline, preview, l, onlyStreams, key, verifyBlocks, serverLine, firstStreams, smallFirst);
    }

    public RecoveryOptions withKey(StoreKey k) {
        return new RecoveryOptions(dios, workers, mode, deadline, preview, listener, onlyStreams, k, verifyBlocks, serverLine, firstStreams, smallFirst);
    }

    public RecoveryOptions withOnlyStreams(Set<String> names) {
        return new RecoveryOptions(dios, workers, mode, deadline, preview, listener, names, key, verifyBlocks, serverLine, firstStreams, smallFirst);
    }

    public RecoveryOptions withVerifyBlocks(boolean verify) {
        return new RecoveryOptions(dios, workers, mode, deadline, preview, listener, onlyStreams, key, verify, serverLine, firstStreams, smallFirst);
    }

    /** Streams (by name) to recover first: started first, the others once they have ended, and ahead of the others at the disk gate. */
    public RecoveryOptions withFirstStreams(Set<String> names) {
        return new RecoveryOptions(dios, workers, mode, deadline, preview, listener, onlyStreams, key, verifyBlocks, serverLine, names, smallFirst);
    }

    /** Whether the smallest streams are recovered first too (see {@link #smallFirst()}). */
    public RecoveryOptions withSmallFirst(boolean small) {
        return new RecoveryOptions(dios, workers, mode, deadline, preview, listener, onlyStreams, key, verifyBlocks, serverLine,
                firstStreams, small);
    }

    /** Report {@code line}'s view instead of the detected line's; null returns to detection. */
    public RecoveryOptions withServerLine(ServerLine line) {
        return new RecoveryOptions(dios, workers, mode, deadline, preview, listener, onlyStreams, key, verifyBlocks, line, firstStreams, smallFirst);
    }
}
