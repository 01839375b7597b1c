package io.jetstart.core.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.compress.S2OutputStream;
import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaException;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.meta.StreamMeta;
import io.jetstart.core.store.ConsumerLoader;
import io.jetstart.core.store.ConsumerSettlement;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.RestoredConsumer;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes one stream of a closed store as a {@code nats stream backup} folder:
 * {@value BackupLayout#METADATA} ({@code {"config": StreamConfig, "state": StreamState}}, what the
 * restore request carries) and {@value BackupLayout#DATA} (an S2 stream of a tar with the files
 * of the server's own snapshot, in its order: {@code meta.inf}, {@code meta.sum},
 * {@code msgs/<n>.blk} ascending, {@code msgs/index.db}, then per consumer
 * {@code obs/<name>/meta.inf}, {@code meta.sum}, {@code o.dat}).
 *
 * <p>Design note: files are copied as they are on disk (a block the server S2-compressed stays
 * compressed; the restoring server reads it the same way it reads its own). Legacy 2.9 index
 * files ({@code *.idx}, {@code *.fss}) are left out: a 2.10+ server rebuilds from the blocks. A
 * removal that only such a file said (2.9 writes no tombstones) goes into the tar as a tombstone,
 * in a block added after the last ({@link RemovalTombstones}), whenever the tar has no
 * {@code index.db}: a backup restores to the state {@code backup.json} says, and serves no removed
 * message.
 * A store written by a live process would give an inconsistent copy, so every file's size and
 * modification time are compared before and after and a change fails the export.
 */
public final class StreamExport {
    private static final Pattern BLOCK = Pattern.compile("(\\d+)\\.blk");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What was written.
     *
     * @param problems what opening the stream found wrong in its files (damage, a stale
     *                 {@code index.db}...): the files are exported as they are and {@code state} is what
     *                 could be read, so a caller must say these; empty when exported from a writer's state
     */
    public record Result(Path metadata, Path data, int files, long tarBytes, StreamState state, List<Problem> problems) {
        public Result {
            problems = List.copyOf(problems);
        }

        /** Written from a writer's own state: nothing was opened, so nothing was found wrong. */
        public Result(Path metadata, Path data, int files, long tarBytes, StreamState state) {
            this(metadata, data, files, tarBytes, state, List.of());
        }
    }

    private StreamExport() {
    }

    /** Exports {@code sd} into {@code outDir} (created if missing; existing backup files are replaced). */
    public static Result export(StreamDir sd, Path outDir) throws IOException, InterruptedException {
        return export(sd, outDir, null);
    }

    /**
     * As {@link #export(StreamDir, Path)}; an encrypted stream is read with the server's {@code key}
     * and exported as plaintext, as nats-server's snapshot of an encrypted stream is (see
     * {@link DecryptedFiles}). Without a key an encrypted stream is refused.
     */
    public static Result export(StreamDir sd, Path outDir, StoreKey key) throws IOException, InterruptedException {
        if (sd.encryption().isEncrypted() && key == null) {
            throw new IOException(sd.dir() + ": the stream is encrypted; export it with the server's key (--key, --key-file)");
        }
        StreamMeta meta;
        StreamStore store;
        DecryptedFiles decrypted = null;
        try {
            StreamKeys keys = StreamKeys.load(key, sd.account(), sd.dir(), DiskGate.unbounded());
            if (keys.encrypted()) {
                decrypted = new DecryptedFiles(sd.dir(), sd.name(), keys);
            }
            meta = MetaFiles.readStream(sd.dir(), DiskGate.unbounded(), keys);
            store = StreamOpener.open(sd.account(), sd.name(), sd.dir(), meta.config(), StoreContext.singleThreaded().withKey(key));
        } catch (MetaException | StoreException | DecryptionException e) {
            throw new IOException(sd.dir() + ": " + e.getMessage(), e);
        }
        StreamState state = settled(store, sd).withConsumerCount(sd.consumers().size());
        List<Path> files = files(sd);
        List<FileMark> before = marks(files);
        List<Entry> entries = new ArrayList<>(before.size() + 1);
        for (int i = 0; i < before.size(); i++) {
            FileMark f = before.get(i);
            String name = sd.dir().relativize(f.path()).toString().replace('\\', '/');
            if (decrypted != null) {
                byte[] plain = decrypted.content(f.path());
                entries.add(new Entry(name, plain.length, () -> new java.io.ByteArrayInputStream(plain)));
            } else {
                entries.add(new Entry(name, f.size(), () -> Files.newInputStream(f.path())));
            }
            // Blocks come ascending and together (files()): the added ones go right after the last.
            if (isBlock(f) && (i == before.size() - 1 || !isBlock(before.get(i + 1)))) {
                entries.addAll(removalBlocks(sd, store, state, files, blockIndex(f.path())));
            }
        }
        Result written = write(outDir, meta.metaInf(), state, entries, () -> {
            if (!before.equals(marks(files))) {
                throw new IOException(sd.dir() + ": files changed while they were exported; export a closed store "
                        + "(stop nats-server, or export from the runtime that holds it: JetStartStream.export)");
            }
        });
        return new Result(written.metadata(), written.data(), written.files(), written.tarBytes(), written.state(), store.problems());
    }

    /**
     * The blocks that carry the removals the stream's blocks do not say ({@link RemovalTombstones}),
     * after its last block {@code lastBlock}: only when the tar has no {@code index.db}, so the
     * restoring server rebuilds from the blocks (a 2.9 stream, whose removals lived in its
     * {@code .idx} files, which the tar leaves out; the 2.9.10 fixture's INT1 came back with 14
     * acknowledged messages and 301 below its first sequence). With an {@code index.db} the server
     * takes the removals from it, and the files stay exactly the server's. Reads the stream's blocks
     * again (their tombstones, then their records to count the removals, then once more as the tar
     * reaches each added block), so only in that case.
     */
    private static List<Entry> removalBlocks(StreamDir sd, StreamStore store, StreamState state, List<Path> files, long lastBlock)
            throws IOException, InterruptedException {
        if (files.contains(sd.dir().resolve("msgs").resolve("index.db"))) {
            return List.of();
        }
        try {
            return RemovalTombstones.of(store).entries(sd.name(), lastBlock + 1, state, store.isLive(state.lastSeq()));
        } catch (StoreException e) {
            throw new IOException(sd.dir() + ": " + e.getMessage(), e);
        }
    }

    private static boolean isBlock(FileMark f) {
        return f.path().getParent().getFileName().toString().equals("msgs") && BLOCK.matcher(f.path().getFileName().toString()).matches();
    }

    /**
     * The state a server restoring the backup starts with: the consumers in the tar settle the
     * stream as at any start (an interest stream drops what every consumer acknowledged), so
     * {@code backup.json} says that, as {@code recover} reports it; the tar itself stays the files as
     * they are. A consumer that cannot be loaded is left out of the settling, as the server leaves
     * it out of its restore (it holds nothing).
     */
    private static StreamState settled(StreamStore store, StreamDir sd) throws IOException, InterruptedException {
        if (store.config().retention() != StreamConfig.Retention.INTEREST || sd.consumers().isEmpty()) {
            return store.state();
        }
        List<RestoredConsumer> loaded = new ArrayList<>(sd.consumers().size());
        for (String consumer : sd.consumers()) {
            try {
                loaded.add(ConsumerLoader.load(store, consumer));
            } catch (StoreException e) {
                // Reported by inspect and recover; the restoring server skips it the same way.
            }
        }
        try {
            ConsumerLoader.checkTogether(store, loaded);
            ConsumerSettlement.settle(store, loaded, ServerLine.NEWEST, true);
        } catch (StoreException e) {
            throw new IOException(sd.dir() + ": " + e.getMessage(), e);
        }
        return store.state();
    }

    /** One file of the snapshot tar: its path inside the stream directory, its size, and its bytes (exactly {@code size}). */
    public record Entry(String name, long size, Source source) {
    }

    /** Opens an entry's bytes. */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    /** A last check before the data file is put in place (a failure leaves no backup behind). */
    @FunctionalInterface
    public interface Check {
        void run() throws IOException;
    }

    /**
     * Writes a backup folder from files given as entries, in the order given (the server's: meta,
     * blocks ascending, index.db, consumers): what a writer that holds the stream uses to export a
     * point it chose ({@code meta.inf} content for the config, the state at that point).
     */
    public static Result write(Path outDir, byte[] metaInf, StreamState state, List<Entry> entries, Check beforeCommit)
            throws IOException {
        Files.createDirectories(outDir);
        Path data = outDir.resolve(BackupLayout.DATA);
        Path tmp = outDir.resolve(BackupLayout.DATA + ".tmp");
        long tarBytes;
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
             S2OutputStream s2 = new S2OutputStream(file);
             CountingStream counted = new CountingStream(s2)) {
            TarWriter tar = new TarWriter(counted, System.currentTimeMillis() / 1000);
            for (Entry e : entries) {
                try (InputStream in = e.source().open()) {
                    tar.add(e.name(), e.size(), in);
                }
            }
            tar.finish();
            tarBytes = counted.count;
        } catch (IOException | RuntimeException e) {
            // A file that failed mid-tar left the cut stream.tar.s2.tmp in the backup folder.
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            beforeCommit.run();
            // Synced before the rename: a crash after it must not leave a cut snapshot where a
            // whole backup was (the folder may hold the previous backup, which this replaces).
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, data, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        ObjectNode config = (ObjectNode) JSON.readTree(metaInf);
        // meta.inf is the server's FileStreamInfo: the config plus "Created" (untagged Go field),
        // which the restore request's strict StreamConfig decoding refuses.
        config.remove("Created");
        config.remove("created");
        ObjectNode root = JSON.createObjectNode();
        root.set("config", config);
        root.set("state", stateJson(state));
        Path metadata = outDir.resolve(BackupLayout.METADATA);
        // Atomically too: a backup.json cut by a crash would leave no readable backup for
        // `nats stream restore`, not even the previous one this replaces.
        AtomicFiles.write(metadata, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        return new Result(metadata, data, entries.size(), tarBytes, state);
    }

    /** The state as nats-server's {@code StreamState} JSON (times in Go's RFC 3339 with nanoseconds). */
    static ObjectNode stateJson(StreamState s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("messages", s.messages());
        n.put("bytes", s.bytes());
        n.put("first_seq", s.firstSeq());
        n.put("first_ts", GoTime.format(s.firstTs()));
        n.put("last_seq", s.lastSeq());
        n.put("last_ts", GoTime.format(s.lastTs()));
        if (s.numSubjects() > 0) {
            n.put("num_subjects", s.numSubjects());
        }
        if (s.numDeleted() > 0) {
            n.put("num_deleted", s.numDeleted());
        }
        n.put("consumer_count", s.consumerCount());
        return n;
    }

    /** The files of the snapshot, in the server's order. */
    static List<Path> files(StreamDir sd) throws IOException {
        Path dir = sd.dir();
        List<Path> out = new ArrayList<>();
        out.add(dir.resolve(MetaFiles.META_INF));
        out.add(dir.resolve(MetaFiles.META_SUM));
        Path msgs = dir.resolve("msgs");
        if (Files.isDirectory(msgs)) {
            try (Stream<Path> s = Files.list(msgs)) {
                s.filter(p -> BLOCK.matcher(p.getFileName().toString()).matches())
                        .sorted(Comparator.comparingLong(StreamExport::blockIndex))
                        .forEach(out::add);
            }
            Path index = msgs.resolve("index.db");
            if (present(index)) {
                out.add(index);
            }
        }
        for (String c : sd.consumers()) {
            Path od = dir.resolve("obs").resolve(c);
            for (String f : List.of(MetaFiles.META_INF, MetaFiles.META_SUM, "o.dat")) {
                if (present(od.resolve(f))) {
                    out.add(od.resolve(f));
                }
            }
        }
        for (Path p : out) {
            present(p);
        }
        return out;
    }

    /**
     * Whether {@code p} is a file to export; false when absent. Anything else where a file belongs
     * (a directory) fails the export naming it: a block there failed mid-tar with the JDK's bare
     * "Is a directory", and a consumer's file there was left out silently, so the backup restored
     * to another state than backup.json said.
     */
    private static boolean present(Path p) throws IOException {
        if (Files.isRegularFile(p)) {
            return true;
        }
        if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(p + ": not a regular file (" + (Files.isDirectory(p) ? "a directory" : "another kind of file")
                    + "), where the stream keeps a file: export cannot copy it");
        }
        return false;
    }

    private static long blockIndex(Path p) {
        Matcher m = BLOCK.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
    }

    private record FileMark(Path path, long size, FileTime modified) {
    }

    private static List<FileMark> marks(List<Path> files) throws IOException {
        List<FileMark> out = new ArrayList<>(files.size());
        for (Path p : files) {
            out.add(new FileMark(p, Files.size(p), Files.getLastModifiedTime(p)));
        }
        return out;
    }

    /** Counts the tar's bytes (before compression) for the report; closing it closes nothing below. */
    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
