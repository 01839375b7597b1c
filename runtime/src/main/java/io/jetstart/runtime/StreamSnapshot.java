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
 * verify every record's checksum. Nothing is written. A block file that a runtime removes after
 * the snapshot opened (nothing in it was live any more) sends the read to the stream as it is then
 * ({@link Reopened}), so the answer is the one of a state the stream was in, never a damage report
 * about a file removed on purpose.
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
        StreamStore store = openStore(dir, account, name, key, ctx);
        StreamView view = store.handOver(ctx).view(i -> -1);
        BlockCache cache = new BlockCache(JetStartStore.BLOCK_CACHE_BYTES, DiskGate.unbounded(), new BlockBuffers(1));
        return new StreamSnapshot(view, new StreamReads(new MessageReader(name, hashes, cache.source(store)),
                new SubjectIndexCache(SubjectIndexCache.BUDGET_BYTES), new Reopened(dir, account, name, key, hashes, view)));
    }

    private static StreamStore openStore(Path dir, String account, String name, StoreKey key, StoreContext ctx)
            throws IOException, InterruptedException {
        try {
            StreamKeys keys = StreamKeys.load(key, account, dir, DiskGate.unbounded());
            return StreamOpener.open(account, name, dir, MetaFiles.readStream(dir, DiskGate.unbounded(), keys).config(), ctx);
        } catch (MetaException | StoreException | DecryptionException e) {
            throw new IOException(account + " > " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * The stream as its files are now, for a read that met a block file gone since the snapshot
     * was opened ({@link StreamReads}: a runtime beside us removed a block once nothing in it was
     * live, so the read is done again on this newer state). The reads go on through the first
     * store's block source: it reads any block by its file and its own key file. A stream that does
     * not open again, or opens reporting damage or lost messages (a block file deleted under live
 * messages), gives the last view it had, and the read reports the damage it met.
     */
    private static final class Reopened implements java.util.function.Supplier<StreamView> {
        private final Path dir;
        private final String account;
        private final String name;
        private final StoreKey key;
        private final RecordHashSource hashes;
        private StreamView last;

        Reopened(Path dir, String account, String name, StoreKey key, RecordHashSource hashes, StreamView first) {
            this.dir = dir;
            this.account = account;
            this.name = name;
            this.key = key;
            this.hashes = hashes;
            this.last = first;
        }

        @Override
        public StreamView get() {
            try {
                StreamView now = openWhole(dir, account, name, key, hashes);
                if (now != null) {
                    last = now;
                }
            } catch (IOException e) {
                // The damage the read met stands (the last view is the one it was read on or older).
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return last;
        }
    }

    /**
     * The stream's view as its files are now, or null when recovery reports damage or lost messages
     * in it: a block file removed on purpose leaves a stream recovery finds whole; one deleted under
     * the stream's live messages does not.
     */
    private static StreamView openWhole(Path dir, String account, String name, StoreKey key, RecordHashSource hashes)
            throws IOException, InterruptedException {
        StoreContext ctx = StoreContext.singleThreaded(hashes).withKey(key);
        StreamStore again = openStore(dir, account, name, key, ctx);
        if (again.state().lost().msgs().length > 0
                || again.problems().stream().anyMatch(p -> p.severity() != io.jetstart.core.store.Problem.Severity.WARNING)) {
            return null;
        }
        return again.handOver(ctx).view(i -> -1);
    }

    /**
     * Whether block file {@code file} of {@code account > name} (its directory {@code streamDir}), read a moment ago and gone now, was
     * removed on purpose: the stream opened again now is whole and holds no live message in it (a
     * runtime holding the store removed the block once nothing in it was live). What {@code jetstart
     * dump} asks before it reports a block it cannot read.
     */
    public static boolean removedSince(Path streamDir, String account, String name, StoreKey key, Path file)
            throws IOException, InterruptedException {
        if (Files.exists(file)) {
            return false;
        }
        StreamView now = openWhole(streamDir, account, name, key, RecordHashSource.chosen());
        if (now == null) {
            return false;
        }
        for (StreamView.Block b : now.blocks()) {
            if (b.messages() > 0 && file.equals(b.file())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether damage {@code d}, met reading {@code account > name} (its directory {@code streamDir})
     * as it was opened a moment ago, comes from a block a runtime holding the store rewrote since
     * without the records of messages it removed meanwhile (its compaction), not from damage: the
     * stream opened again now is whole, and either the message a missing record was for is not live
     * in it, or the block whose layout disagreed with the old state (its first record went with its
     * message) reads without damage now. What {@code jetstart dump} asks before it reports a missing
     * record or a block's layout.
     */
    public static boolean rewrittenSince(Path streamDir, String account, String name, StoreKey key,
                                         io.jetstart.core.store.RecordDamage d) throws IOException, InterruptedException {
        if (d.kind() != io.jetstart.core.store.RecordDamage.Kind.MISSING
                && d.kind() != io.jetstart.core.store.RecordDamage.Kind.BLOCK_LAYOUT) {
            return false;
        }
        RecordHashSource hashes = RecordHashSource.chosen();
        StoreContext ctx = StoreContext.singleThreaded(hashes).withKey(key);
        StreamStore again = openStore(streamDir, account, name, key, ctx);
        if (again.state().lost().msgs().length > 0
                || again.problems().stream().anyMatch(p -> p.severity() != io.jetstart.core.store.Problem.Severity.WARNING)) {
            return false;
        }
        StreamView now = again.handOver(ctx).view(i -> -1);
        if (d.kind() == io.jetstart.core.store.RecordDamage.Kind.MISSING) {
            StreamView.Block b = now.blockFor(d.seq());
            return b == null || !b.isLive(d.seq());
        }
        for (StreamView.Block b : now.blocks()) {
            if (d.file().equals(b.file())) {
                boolean[] bad = {false};
                new MessageReader(name, hashes, io.jetstart.core.store.BlockSource.files(again)).forEachIn(b, 0,
                        new MessageReader.Visitor() {
                            @Override
                            public boolean message(io.jetstart.core.store.MessageView m) {
                                return true;
                            }

                            @Override
                            public void damaged(io.jetstart.core.store.RecordDamage x) {
                                bad[0] = true;
                            }
                        });
                return !bad[0];
            }
        }
        return true;
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
