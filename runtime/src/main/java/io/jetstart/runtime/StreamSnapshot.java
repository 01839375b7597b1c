package io.jetstart.runtime;

import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaException;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.BlockCache;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamStore;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A read-only look at one stream as its files are now, without the store lock and without a
 * writer: what {@code jetstart get} uses, beside a runtime that may be writing the store. Reads
 * verify every record's checksum. Nothing is written.
 */
public final class StreamSnapshot {
    private final StreamView view;
    private final StreamReads reader;

    private StreamSnapshot(StreamView view, StreamReads reader) {
        this.view = view;
        this.reader = reader;
    }

    /**
     * Opens {@code account > name} of the store (read-only recovery of that one stream).
     *
     * @throws IOException when the stream is missing or cannot be opened (the message says why)
     */
    public static StreamSnapshot open(Path storeDir, String account, String name) throws IOException, InterruptedException {
        return open(storeDir, account, name, null);
    }

    /**
     * As {@link #open(Path, String, String)}, reading an encrypted stream with the server's key
     * ({@code null}: none; an encrypted stream then fails naming its {@code meta.key}).
     *
     * @throws IOException also when the key does not open the stream's key files (a wrong key)
     */
    public static StreamSnapshot open(Path storeDir, String account, String name, StoreKey key)
            throws IOException, InterruptedException {
        StreamNames.checkAccount(account);
        StreamNames.check(name);
        Path dir = JetStreamDir.stream(storeDir, account, name);
        if (!Files.isDirectory(dir)) {
            throw new IOException("stream not found: " + dir + " does not exist");
        }
        RecordHashSource hashes = RecordHashSource.chosen();
        StoreContext ctx = StoreContext.singleThreaded(hashes).withKey(key);
        StreamStore store;
        try {
            StreamKeys keys = StreamKeys.load(key, account, dir, DiskGate.unbounded());
            store = StreamOpener.open(account, name, dir, MetaFiles.readStream(dir, DiskGate.unbounded(), keys).config(), ctx);
        } catch (MetaException | StoreException | DecryptionException e) {
            throw new IOException(account + " > " + name + ": " + e.getMessage(), e);
        }
        StreamView view = store.handOver(ctx).view(i -> -1);
        return new StreamSnapshot(view, new StreamReads(new MessageReader(name, hashes,
                new BlockCache(JetStartStore.BLOCK_CACHE_BYTES, DiskGate.unbounded(), new BlockBuffers(1)).source(store))));
    }

    public StreamView info() {
        return view;
    }

    public Optional<StoredMessage> get(long seq) throws InterruptedException {
        return reader.get(view, seq);
    }

    public Optional<StoredMessage> lastBySubject(String subject) throws InterruptedException {
        return reader.last(view, new SubjectFilter(List.of(subject)));
    }

    public Optional<StoredMessage> next(long fromSeq, String filter) throws InterruptedException {
        return reader.next(view, fromSeq, new SubjectFilter(filter == null || filter.isEmpty() ? List.of() : List.of(filter)));
    }
}
