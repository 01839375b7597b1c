package io.jetstart.runtime;

import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.store.StreamMutator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a stream's {@code index.db} for its writer, on the writer's thread, and knows what the one
 * on disk names: its last block, whether it is held back for a block ending in damage, and why the
 * last write failed. The writer decides when (a flush, the sync interval, the close, before emptied
 * blocks go); this decides what is written and keeps the log lines about it to one per change.
 *
 * <p>Design note: a write whose bytes the file on disk already holds is skipped. Each write is a
 * temp file, two fsyncs and a rename: at a store's close every stream's writer asked for one, also
 * a stream nothing changed since the open, 10,000 streams 10,000 such writes. nats-server writes
 * its full state only when the stream is dirty ({@code _writeFullState} returns at once when {@code
 * fs.dirty == 0}, its close included; a mutation and a rebuild at the open make it dirty). Here the
 * test is the bytes themselves: the state encoded as it is against what the file holds, so no kind
 * of change (a publish, a removal of any kind, a TTL count, a purge) can be missed by a flag some
 * path forgot to set, and a file that is missing, stale or unreadable is written. The file is read
 * once, at the first write after the open; from then on a digest of what was written stands for it.
 */
final class IndexDbWriter {
    /** The logger of the recovery's lines ({@code LoggingListener}): one place to grep for a store's events. */
    private static final Logger LOG = LoggerFactory.getLogger("jetstart");
    private final String name;
    private final StreamMutator state;
    private final StreamSealing sealing;
    private final int indexVersion;
    /** The last block the {@code index.db} on disk names, -1 while not known (the one recovery found). */
    private long lastBlock = -1;
    /** The block ending in damage for which {@code index.db} is held back ({@link #holdBack}), or -1. */
    private long heldBack = -1;
    /** Why the last write failed while writes go on ({@link #tryWrite}), or null. */
    private IOException failure;
    /**
     * The SHA-256 of the plaintext {@code index.db} the file on disk holds, once known: written by
     * this writer, or read and found the same at the first write ({@link #holds}). Null while not
     * known, and when there is none. 32 bytes a stream, where the plaintext can be megabytes.
     */
    private byte[] onDisk;
    /** Whether the file on disk was looked at (or written, or removed) since the open: then {@link #onDisk} is all there is to know. */
    private boolean diskKnown;

    IndexDbWriter(String name, StreamMutator state, StreamSealing sealing, int indexVersion) {
        this.name = name;
        this.state = state;
        this.sealing = sealing;
        this.indexVersion = indexVersion;
    }

    /** The last block the {@code index.db} on disk names, -1 while not known (the one recovery found). */
    long lastBlock() {
        return lastBlock;
    }

    /** Why the last {@link #tryWrite} failed, or null once one succeeded. */
    IOException failure() {
        return failure;
    }

    /** The plaintext {@code index.db} of the state as it is, with {@code tail}'s last checksum (an export's). */
    byte[] plain(TailBlock tail) {
        return IndexDbCodec.encode(name, state.indexDb(indexVersion, tail.lastChecksum()), indexVersion);
    }

    /** {@link #tryWrite(TailBlock, Runnable)} with nothing to run after. */
    boolean tryWrite(TailBlock tail) throws IOException {
        return tryWrite(tail, null);
    }

    /**
     * {@link #write}, where a failure to write it (a full disk) does not stop the stream:
     * the blocks hold every message and removal, and {@code index.db} only spares a rebuild, which
     * jetstart and both server lines do from the blocks when it is missing or stale (a kill between
     * two sync intervals leaves it so too). nats-server's own periodic {@code writeFullState} failure
     * stops nothing either. Logged once until a write succeeds again; tried again at the next sync
     * interval, flush or close.
     *
     * @param afterWrite runs once it is written or found on disk already (a test seam; may be null)
     * @return whether the file holds the state (written, or already on disk)
     */
    boolean tryWrite(TailBlock tail, Runnable afterWrite) throws IOException {
        try {
            write(tail, afterWrite);
        } catch (java.nio.channels.ClosedByInterruptException | java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            if (failure == null) {
                LOG.warn("{} > {}: index.db not written ({}); writes go on, the blocks hold every message and removal, "
                        + "and a start without a later index.db rebuilds the stream's state from them", state.store().account(), name,
                        e.getMessage());
            }
            failure = e;
            return false;
        }
        if (failure != null) {
            LOG.info("{} > {}: index.db written again", state.store().account(), name);
            failure = null;
        }
        return true;
    }

    /** {@link #write(TailBlock, Runnable)} with nothing to run after. */
    void write(TailBlock tail) throws IOException {
        write(tail, null);
    }

    /**
     * Writes {@code index.db} of the state as it is ({@code tail} the stream's tail block) unless the
     * file on disk holds those bytes already, or removes it while a block before the last ends in
     * damage ({@link #holdBack}).
     *
     * @param afterWrite runs once it is written or found on disk already (a test seam; may be null)
     */
    void write(TailBlock tail, Runnable afterWrite) throws IOException {
        long damaged = indexVersion == 1 ? state.blockEndingInDamage() : -1;
        if (damaged > 0 && damaged != state.lastBlockIndex()) {
            holdBack(damaged);
            return;
        }
        if (heldBack > 0) {
            LOG.info("{} > {}: index.db written again: no block ends in damage any more", state.store().account(), name);
            heldBack = -1;
        }
        byte[] plain = plain(tail);
        byte[] digest = digest(plain);
        Path file = state.msgsDir().resolve("index.db");
        if (!holds(file, plain, digest)) {
            // Not known until the rename is: a failed write may or may not have replaced the file.
            onDisk = null;
            diskKnown = false;
            AtomicFiles.write(file, sealing.indexDb(name, plain));
            onDisk = digest;
            diskKnown = true;
        }
        lastBlock = state.lastBlockIndex();
        if (afterWrite != null) {
            afterWrite.run();
        }
    }

    /**
     * Whether the file on disk holds {@code plain}: by the digest of what was last written, or, the
     * first time, by reading it (what recovery found: the one it used, a stale one it rebuilt past,
     * or none).
     */
    private boolean holds(Path file, byte[] plain, byte[] digest) {
        if (!diskKnown) {
            diskKnown = true;
            onDisk = sealing.indexDbHolds(file, name, plain) ? digest : null;
        }
        return onDisk != null && MessageDigest.isEqual(onDisk, digest);
    }

    private static byte[] digest(byte[] plain) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(plain);
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform has SHA-256 (MessageDigest's javadoc).
            throw new IllegalStateException(e);
        }
    }

    /**
     * Removes the {@code index.db} on disk when it names one of {@code gone} (ascending) as its
     * last block, and syncs the directory: the hand-over's, before those blocks' files go
     * ({@code HandOverRemovals}).
     *
     * @return whether one was removed
     */
    boolean removeIfLastIn(long[] gone) throws IOException {
        Path indexDb = state.msgsDir().resolve("index.db");
        long named = lastBlock >= 0 ? lastBlock : sealing.indexDbLastBlock(indexDb, name);
        if (named >= 0 && Arrays.binarySearch(gone, named) >= 0 && Files.deleteIfExists(indexDb)) {
            onDisk = null;
            diskKnown = true;
            AtomicFiles.syncDirectory(state.msgsDir());
            lastBlock = -1;
            return true;
        }
        return false;
    }

    /**
     * No {@code index.db} for the 2.10 line while a block before the last ends in damage (a record a
     * full disk or a power loss cut short, which the writer left as it is and wrote after): nats-server
     * 2.10.27 trusting an {@code index.db} loads such a block only when it is read, meets the damage,
     * and fails that first read while it cuts the block there (2.15.1 reads it either way). Without
     * an {@code index.db} it rebuilds the stream at its start, cutting the block there before
     * anything is read, and reads every message; jetstart's recovery rebuilds too. The one on disk
     * (older than the damage, or written before the block was sealed) goes, since it names that
     * block as whole; the blocks hold every message and removal, as they do after a kill between two
     * sync intervals. Written again once that block is removed (its messages all gone).
     */
    private void holdBack(long damaged) throws IOException {
        Path index = state.msgsDir().resolve("index.db");
        onDisk = null;
        diskKnown = false;
        if (Files.deleteIfExists(index)) {
            AtomicFiles.syncDirectory(state.msgsDir());
        }
        diskKnown = true;
        if (heldBack != damaged) {
            LOG.info("{} > {}: index.db not written while {}.blk ends in damage (nats-server 2.10 trusting one fails its first "
                    + "read of that block); every start rebuilds the stream from its blocks until that block is gone",
                    state.store().account(), name, damaged);
            heldBack = damaged;
        }
        lastBlock = state.lastBlockIndex();
    }
}
