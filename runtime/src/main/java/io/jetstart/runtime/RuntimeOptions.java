package io.jetstart.runtime;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.options.InvalidOptionException;
import io.jetstart.recovery.GoFormat;
import io.jetstart.recovery.RecoveryOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How a store is served.
 *
 * @param recovery     how the store is recovered at open (its listener sees every event; its
 *                     {@code firstStreams} are recovered and served first, see {@link #withFirstStreams};
 *                     {@link #defaults()} turns {@code smallFirst} on: the store's smallest streams are
 *                     served before the others start recovering)
 * @param sync         when appends are forced to disk
 * @param syncInterval with {@link SyncPolicy#INTERVAL}: how often blocks are synced and
 *                     {@code index.db} rewritten (nats-server's {@code sync_interval}, default 2 min)
 * @param indexVersion the {@code index.db} version written: 1 (nats-server 2.10 reads only v1),
 *                     4 (2.14+); 0 = the version the stream's own {@code index.db} has, else 1
 * @param blockSize    block size in bytes (1 KiB..8 MiB); 0 = nats-server's rule for the stream's config
 * @param maxPayload   largest message accepted, headers and payload together (nats-server's
 *                     {@code max_payload}, which counts both; default 1 MiB)
 * @param lockFile     whether to hold the store's exclusive lock (only tests turn it off)
 * @param cipher       the cipher of streams created while a key is set ({@link #withKey}): nats-server's
 *                     {@code jetstream.cipher}, {@code chachapoly} by default. Existing encrypted streams
 *                     keep their own cipher (their key files say which).
 */
public record RuntimeOptions(RecoveryOptions recovery, SyncPolicy sync, Duration syncInterval, int indexVersion,
                             int blockSize, int maxPayload, boolean lockFile, StoreCipher cipher) {
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMinutes(2);
    public static final int DEFAULT_MAX_PAYLOAD = 1 << 20;

    public RuntimeOptions {
        Objects.requireNonNull(recovery, "recovery");
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(syncInterval, "syncInterval");
        Objects.requireNonNull(cipher, "cipher");
        if (syncInterval.isNegative() || syncInterval.isZero()) {
            throw new InvalidOptionException("syncInterval", "RuntimeOptions.withSyncInterval", "must be positive",
                    GoFormat.duration(syncInterval.toNanos()));
        }
        if (indexVersion != 0 && indexVersion != 1 && indexVersion != 4) {
            throw new InvalidOptionException("indexVersion", "RuntimeOptions.withIndexVersion",
                    "must be 1 (nats-server 2.10) or 4 (2.14+), or 0 for the store's own", String.valueOf(indexVersion));
        }
        if (blockSize != 0 && (blockSize < 1024 || blockSize > 8 << 20)) {
            throw new InvalidOptionException("blockSize", "RuntimeOptions.withBlockSize",
                    "must be 0 (the server's rule) or 1024..8388608 bytes", String.valueOf(blockSize));
        }
        if (maxPayload < 1) {
            throw new InvalidOptionException("maxPayload", "RuntimeOptions.maxPayload", "must be positive", String.valueOf(maxPayload));
        }
    }

    public static RuntimeOptions defaults() {
        return new RuntimeOptions(RecoveryOptions.defaults().withSmallFirst(true), SyncPolicy.INTERVAL, DEFAULT_SYNC_INTERVAL, 0, 0,
                DEFAULT_MAX_PAYLOAD, true, StoreCipher.CHACHA);
    }

    public RuntimeOptions withSync(SyncPolicy p) {
        return new RuntimeOptions(recovery, p, syncInterval, indexVersion, blockSize, maxPayload, lockFile, cipher);
    }

    public RuntimeOptions withSyncInterval(Duration d) {
        return new RuntimeOptions(recovery, sync, d, indexVersion, blockSize, maxPayload, lockFile, cipher);
    }

    public RuntimeOptions withIndexVersion(int v) {
        return new RuntimeOptions(recovery, sync, syncInterval, v, blockSize, maxPayload, lockFile, cipher);
    }

    public RuntimeOptions withBlockSize(int b) {
        return new RuntimeOptions(recovery, sync, syncInterval, indexVersion, b, maxPayload, lockFile, cipher);
    }

    /**
     * Streams (by name, in any account) to recover and serve first: the other streams' recovery
     * starts once each of them is served (or has failed), and their disk operations pass every other
     * waiter at the disk gate.
     */
    public RuntimeOptions withFirstStreams(java.util.Set<String> names) {
        return withRecovery(recovery.withFirstStreams(names));
    }

    public RuntimeOptions withRecovery(RecoveryOptions r) {
        return new RuntimeOptions(r, sync, syncInterval, indexVersion, blockSize, maxPayload, lockFile, cipher);
    }

    /**
     * The server's {@code jetstream.key} ({@link StoreKey#ofText}, {@link StoreKey#fromFile}): encrypted
     * streams are recovered, read and written with it, and streams created are encrypted with
     * {@link #cipher()}. Null: none (encrypted streams fail to recover, naming their {@code meta.key}).
     */
    public RuntimeOptions withKey(StoreKey key) {
        return withRecovery(recovery.withKey(key));
    }

    /** {@link #withKey(StoreKey)}, new streams encrypted with {@code c} (nats-server's {@code cipher: aes} or {@code chachapoly}). */
    public RuntimeOptions withKey(StoreKey key, StoreCipher c) {
        return new RuntimeOptions(recovery.withKey(key), sync, syncInterval, indexVersion, blockSize, maxPayload, lockFile, c);
    }

    /** The operator's key, or null. */
    public StoreKey key() {
        return recovery.key();
    }
}
