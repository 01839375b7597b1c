package io.jetstart.recovery;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StoreException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The server line one stream's recovery follows. Usually the store's, detected before the stream's
 * task starts ({@link #known}). A stream named first starts before the store is discovered
 * ({@link NamedFirstStart}): it follows the line its own files imply wherever every line the store
 * can turn out to have does the same, and waits for the store's line only where they may differ
 * ({@link #early}).
 *
 * <p>Design note: what a stream's recovery asks of the line ({@link ServerLine}) is which
 * {@code index.db} versions are read (fast path or rebuild), where a rebuilt block holding only
 * tombstones starts (asked by the rebuild alone), and every consumer rule. The store's line is the
 * newest clue of the detector's sample, so a stream surely in the sample bounds it from below by
 * its own clue c ({@code ServerLineDetector.lowestFor}). Every line from c up reads the stream's own
 * {@code index.db} (its version gave c), so the fast path is tried, and fails or not, alike, but
 * for a block it names that is gone (2.10 alone adopts it); from 2.11 up every line follows the same
 * rules of where a tombstone-only block starts and whether a failed {@code index.db}'s last stands
 * without lost data, 2.10 others, and from 2.12 up every line writes that last's tombstone, 2.11
 * not without lost data: the open is the same under every possible line for c ≥ 2.12, for c = 2.11
 * when the fast path holds, and for c = 2.10 when it holds with every block it names present (else
 * it is opened again with the store's line when that follows another rule). Consumer rules differ between 2.11 and
 * 2.15, so consumers wait for the store's line unless c is the newest. Nothing here decides what is
 * written: the runtime chooses the {@code index.db} version it writes by itself.
 */
final class StreamLine {
    /** Reads the stream's own clue (a few bytes of its {@code index.db}, or its {@code meta.inf}). */
    interface Bound {
        /** The oldest line the store can turn out to have, or null when the stream's files cannot say. */
        ServerLine lowest() throws InterruptedException;
    }

    private final ServerLine known;
    private final Bound bound;
    private final CompletableFuture<ServerLine> store;
    private final Runnable wanted;
    private final Path dir;
    /** Read once, on the stream's own task (one thread). */
    private ServerLine lowest;
    private boolean lowestRead;

    private StreamLine(ServerLine known, Bound bound, CompletableFuture<ServerLine> store, Runnable wanted, Path dir) {
        this.known = known;
        this.bound = bound;
        this.store = store;
        this.wanted = wanted;
        this.dir = dir;
    }

    /** The line is known: the store's, or one asked for. */
    static StreamLine known(ServerLine line) {
        return new StreamLine(line, null, null, null, null);
    }

    /**
     * A stream started before the store's line is detected.
     *
     * @param store completed with the store's line once detected; completed exceptionally (an
     *              {@link InterruptedException} as the cause when the recovery was cancelled) when it
     *              never will be
     * @param wanted called before the stream waits for {@code store} (the detection may wait for
     *               the early streams until one of them needs it)
     */
    static StreamLine early(Bound bound, CompletableFuture<ServerLine> store, Runnable wanted, Path streamDir) {
        return new StreamLine(null, bound, store, wanted, streamDir);
    }

    /**
     * The line to open the stream with.
     *
     * @param fastPathPossible the stream has an {@code index.db} and is not opened by verifying every block
     */
    ServerLine forOpen(boolean fastPathPossible) throws InterruptedException, StoreException {
        if (known != null) {
            return known;
        }
        ServerLine c = lowest();
        if (c != null && (c.compareTo(ServerLine.V2_11) >= 0 || c == ServerLine.V2_10 && fastPathPossible)) {
            return c;
        }
        return store();
    }

    /**
     * After an open with {@code used}: null when its result is what the store's line gives, else the
     * store's line, to open the stream with again. Only an open under a lower bound whose rules can
     * differ from a newer line's: under 2.10 a rebuild, or {@code trustedMissingBlocks} (a fast path
     * that held only because 2.10 checks the write block alone, where 2.11+ rebuild); under 2.11 a
     * rebuild (2.11 keeps a failed index.db's last without a tombstone where 2.12.5+ write one).
     */
    ServerLine reopenWith(ServerLine used, boolean rebuilt, boolean trustedMissingBlocks) throws InterruptedException, StoreException {
        boolean mayDiffer = used.compareTo(ServerLine.V2_11) < 0 ? rebuilt || trustedMissingBlocks : used == ServerLine.V2_11 && rebuilt;
        if (known != null || !mayDiffer) {
            return null;
        }
        ServerLine line = store();
        // Every rule an open asks of the line: where a tombstone-only block starts, whether a failed
        // index.db's last past the blocks' stands without lost data and with a tombstone, and whether
        // every block index.db names must be there.
        boolean same = line.emptyBlockFollowsHighestTombstone() == used.emptyBlockFollowsHighestTombstone()
                && line.keepsIndexLastSeqWithoutLostData() == used.keepsIndexLastSeqWithoutLostData()
                && line.writesTombstoneWithoutLostData() == used.writesTombstoneWithoutLostData()
                && line.checksEveryIndexedBlock() == used.checksEveryIndexedBlock();
        return same ? null : line;
    }

    /** The line the stream's consumers are restored and settled with. */
    ServerLine forConsumers() throws InterruptedException, StoreException {
        if (known != null) {
            return known;
        }
        return lowest() == ServerLine.NEWEST ? ServerLine.NEWEST : store();
    }

    private ServerLine lowest() throws InterruptedException {
        if (!lowestRead) {
            lowest = bound.lowest();
            lowestRead = true;
        }
        return lowest;
    }

    private ServerLine store() throws InterruptedException, StoreException {
        wanted.run();
        try {
            return store.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InterruptedException) {
                throw new InterruptedException("recovery cancelled before the store's server line was detected");
            }
            throw new StoreException(Problem.fatal(dir, -1, "the store's server line could not be detected: " + e.getCause()), e);
        }
    }
}
