package io.jetstart.runtime;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLineDetector;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which {@code index.db} version to write: the one the stream's own file has (the server line
 * that wrote the store reads it), else the one any other stream of the store has, else 1, which
 * every server from 2.10 on reads (2.10 reads nothing else; 2.12 rejects 4).
 *
 * <p>Design note: an encrypted stream's {@code index.db} is {@code nonce || seal(magic, version,
 * body) || hh64} (nats-server {@code _writeFullState}): its first two bytes are the nonce's, and 4
 * nonces in 65,536 look like a version 1..4 header. Its version is read only from the opened seal.
 * A recovered stream's comes from its open, which opened the seal anyway
 * ({@link io.jetstart.core.store.StreamStore#indexDbVersion}); the readers here open it only for
 * what the open did not see: the store-wide answer and a create or update of a TTL stream.
 */
final class IndexVersions {
    static final int FALLBACK = 1;
    /** As the open's bound (StreamOpener): index.db holds summary, subjects and blocks. */
    private static final long MAX_INDEX_DB_BYTES = 1L << 30;

    private IndexVersions() {
    }

    /**
     * The version of {@code msgs/index.db} under a plain {@code streamDir}, from its first two bytes,
     * or 0 when there is none or it is not one.
     */
    static int of(Path streamDir) {
        Path f = streamDir.resolve("msgs").resolve("index.db");
        // Both bytes in one read, through RandomAccessFile: an InputStream from Files.newInputStream
        // (a channel under it) read them one system call each.
        // A short read of a regular file is its end: a file of 0 or 1 bytes is no index.db.
        try (RandomAccessFile in = new RandomAccessFile(f.toFile(), "r")) {
            byte[] head = new byte[2];
            int n = in.read(head, 0, 2);
            return IndexDbCodec.headerVersion(head, Math.max(n, 0));
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * The version of {@code msgs/index.db} under {@code streamDir} of {@code account}: from its first
     * two bytes when the stream has no {@code meta.key}, else from its opened seal (0 when it does not
     * open with {@code key}, or there is no key: the bytes as stored say nothing).
     */
    static int of(Path streamDir, String account, StoreKey key) {
        if (!Files.exists(streamDir.resolve("meta.key"))) {
            return of(streamDir);
        }
        if (key == null) {
            return 0;
        }
        try {
            // Core's reader, the one the line detection uses: trailer first, as the server's.
            return ServerLineDetector.readSealed(streamDir, account, key, MAX_INDEX_DB_BYTES, DiskGate.unbounded())
                    instanceof ServerLineDetector.SealedRead.Version v ? v.version() : 0;
        } catch (InterruptedException e) {
            // Asked at a create or update, or for the store's version: the caller's interrupt stays set
            // for its next wait, and no version is taken from a file not read.
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** An encrypted stream's sealed {@code index.db}, to be opened in size order. */
    private record Sealed(Path dir, String account, long size) {
        /** A named class, not {@code Comparator.comparingLong}: a fresh JVM spins a class for a method reference at run time (package-info). */
        static final Comparator<Sealed> BY_SIZE = new BySize();

        private static final class BySize implements Comparator<Sealed> {
            @Override
            public int compare(Sealed a, Sealed b) {
                return Long.compare(a.size, b.size);
            }
        }
    }

    /** The size of a regular file, or -1 when there is none (a stream without index.db, or one just deleted). */
    private static long sizeOf(Path f) {
        try {
            return Files.isRegularFile(f) ? Files.size(f) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The first version found in any stream of the store, else {@link #FALLBACK}: plain streams'
     * headers first (two bytes each), then encrypted streams' opened seals, smallest file first
     * (opening one authenticates it whole, so the cheapest one answers).
     */
    static int ofStore(Path storeDir, StoreKey key) {
        Path js = JetStreamDir.of(storeDir);
        if (!Files.isDirectory(js)) {
            return FALLBACK;
        }
        List<Sealed> sealed = new ArrayList<>();
        try (DirectoryStream<Path> accounts = Files.newDirectoryStream(js)) {
            for (Path acc : accounts) {
                Path streams = acc.resolve("streams");
                if (!Files.isDirectory(streams)) {
                    continue;
                }
                try (DirectoryStream<Path> ss = Files.newDirectoryStream(streams)) {
                    for (Path s : ss) {
                        if (Files.exists(s.resolve("meta.key"))) {
                            Path f = s.resolve("msgs").resolve("index.db");
                            long size = sizeOf(f);
                            if (size >= 0) {
                                sealed.add(new Sealed(s, acc.getFileName().toString(), size));
                            }
                            continue;
                        }
                        int v = of(s);
                        if (v > 0) {
                            return v;
                        }
                    }
                }
            }
        } catch (IOException e) {
            return FALLBACK;
        }
        sealed.sort(Sealed.BY_SIZE);
        for (Sealed s : sealed) {
            int v = of(s.dir(), s.account(), key);
            if (v > 0) {
                return v;
            }
        }
        return FALLBACK;
    }
}
