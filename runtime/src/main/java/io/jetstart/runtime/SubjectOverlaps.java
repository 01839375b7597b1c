package io.jetstart.runtime;

import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaException;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Whether a recovered stream's subjects overlap another stream's of its account such that a
 * nats-server start might leave it unloaded ({@code Error recreating stream "<name>": subjects
 * overlap with an existing stream (10065)}); the runtime then serves it read-only.
 *
 * <p>What the servers do (OverlappingStreamsIT): 2.10 restores an account's streams one after the
 * other in directory-name order ({@code os.ReadDir} sorts), each unless it overlaps one restored
 * before it, start after start the same. 2.14+ restore them in parallel and check the overlap
 * before a stream's store is opened but register the stream only after, so of two overlapping
 * streams either, or both, may be restored, and the next start on the same files may differ. A
 * stream is therefore writable only when it wins 2.10's walk by name and no other stream that
 * 2.14+ would restore overlaps it at all; for two overlapping streams both open read-only.
 *
 * <p>Design note: the answer must not depend on which stream this open happened to recover first,
 * nor wait for the other streams' recovery (per-stream readiness). It is taken from every
 * stream's {@code meta.inf} on disk, read once per account per open (one small file per stream,
 * the first hand-over of the account, or the warm-up thread before it, pays for it) rather than
 * from the recovered configs, which come in any order. A stream deleted in this open no longer
 * counts for a stream handed over after; one created cannot overlap (create refuses it), and an
 * update cannot make an overlap either, so the table read at the start stays right.
 */
final class SubjectOverlaps {
    /** One stream of an account as a server start sees its {@code meta.inf}. */
    private record Sibling(String dir, byte[] order, List<String> subjects, boolean v210, boolean v214) {
    }

    private final Path storeDir;
    private final StoreKey key;
    private final DiskGate gate;
    private final Map<String, FutureTask<List<Sibling>>> tables = new ConcurrentHashMap<>();
    /** Streams deleted in this open, by account and directory: no longer restored by anyone. */
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();

    SubjectOverlaps(Path storeDir, StoreKey key, DiskGate gate) {
        this.storeDir = storeDir;
        this.key = key;
        this.gate = gate;
    }

    /**
     * Why nats-server might not restore the stream in directory {@code dir} of {@code account},
     * whose config {@code c} it would restore on its own: the streams it overlaps, by name; null
     * when every server line restores it.
     */
    String reason(String account, String dir, StreamConfig c) throws InterruptedException {
        List<Sibling> all;
        try {
            all = table(account);
        } catch (IOException e) {
            // Safe side: without the account's view no publish is taken that a server might not load.
            return "cannot read the streams of account " + account + " to check for overlapping subjects: " + e.getMessage();
        }
        String[][] mine = tokens(RestoreRefusals.subjectsAtStart(c));
        List<String> parallel = new ArrayList<>();
        List<Sibling> byName = new ArrayList<>();
        for (Sibling s : all) {
            if (s.dir().equals(dir) || deleted.contains(account + "\u0000" + s.dir())) {
                continue;
            }
            if (s.v214() && collide(mine, tokens(s.subjects()))) {
                parallel.add(s.dir());
            }
            if (s.v210()) {
                byName.add(s);
            }
        }
        if (!parallel.isEmpty()) {
            return "subjects overlap with an existing stream (10065): stream" + (parallel.size() > 1 ? "s " : " ") + quoted(parallel)
                    + "; nats-server 2.14+ restores an account's streams in parallel, either or both of such streams";
        }
        String first = firstByName(byName, dir, mine);
        if (first != null) {
            return "subjects overlap with an existing stream (10065): stream '" + first
                    + "', which nats-server 2.10 restores before it (it restores an account's streams in name order)";
        }
        return null;
    }

    /**
     * The stream restored before {@code dir} in 2.10's walk by name ({@code others} in that order)
     * that {@code dir} overlaps, or null.
     */
    private static String firstByName(List<Sibling> others, String dir, String[][] mine) {
        byte[] at = dir.getBytes(StandardCharsets.UTF_8);
        List<String[][]> restored = new ArrayList<>();
        for (Sibling s : others) {
            if (Arrays.compareUnsigned(s.order(), at) > 0) {
                break;
            }
            String[][] theirs = tokens(s.subjects());
            boolean refused = false;
            for (String[][] r : restored) {
                if (collide(theirs, r)) {
                    refused = true;
                    break;
                }
            }
            if (!refused) {
                if (collide(mine, theirs)) {
                    return s.dir();
                }
                restored.add(theirs);
            }
        }
        return null;
    }

    /** A stream deleted in this open: it no longer keeps another one from being written after. */
    void deleted(String account, String dir) {
        deleted.add(account + "\u0000" + dir);
    }

    /** Reads every account's table now (the warm-up's thread), so that no stream's hand-over waits for it. */
    void prefetch() {
        Path js = JetStreamDir.of(storeDir);
        try (DirectoryStream<Path> accounts = Files.newDirectoryStream(js)) {
            for (Path a : accounts) {
                if (Files.isDirectory(a.resolve("streams"))) {
                    table(a.getFileName().toString());
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // Only ahead of time: each hand-over reads (or fails on) its account's table itself.
        }
    }

    private List<Sibling> table(String account) throws IOException, InterruptedException {
        while (true) {
            FutureTask<List<Sibling>> t = tables.get(account);
            if (t == null) {
                FutureTask<List<Sibling>> mine = new FutureTask<>(new Read(account));
                t = tables.putIfAbsent(account, mine);
                if (t == null) {
                    t = mine;
                }
            }
            // Whoever comes first reads it; the others wait for that read.
            t.run();
            try {
                return t.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof InterruptedIOException || cause instanceof ClosedByInterruptException
                        || cause instanceof InterruptedException) {
                    // The reader was interrupted (a close, the recovery's deadline): not an answer
                    // for this account; the next caller reads it again.
                    tables.remove(account, t);
                    if (Thread.interrupted()) {
                        throw new InterruptedException("interrupted while reading the streams of account " + account);
                    }
                    continue;
                }
                if (cause instanceof IOException io) {
                    throw io;
                }
                throw new IOException(cause.toString(), cause);
            }
        }
    }

    // Named classes, not lambdas: made on a stream's hand-over, where a fresh JVM spins a lambda's
    // class at run time (package-info).

    /** An account's table, read by whoever asks first ({@link #table}). */
    private final class Read implements java.util.concurrent.Callable<List<Sibling>> {
        private final String account;

        Read(String account) {
            this.account = account;
        }

        @Override
        public List<Sibling> call() throws IOException {
            return read(account);
        }
    }

    /** Directory names in {@code os.ReadDir}'s order: their bytes, unsigned. */
    private static final class ByName implements java.util.Comparator<Sibling> {
        static final ByName INSTANCE = new ByName();

        @Override
        public int compare(Sibling a, Sibling b) {
            return Arrays.compareUnsigned(a.order(), b.order());
        }
    }

    private List<Sibling> read(String account) throws IOException {
        Path streams = JetStreamDir.of(storeDir).resolve(account).resolve("streams");
        List<Sibling> out = new ArrayList<>();
        try (DirectoryStream<Path> list = Files.newDirectoryStream(streams)) {
            for (Path dir : list) {
                String name = dir.getFileName().toString();
                // A partly deleted stream (".<name>"): every server removes it at start.
                if (name.startsWith(".")) {
                    continue;
                }
                StreamConfig c = config(account, dir);
                if (c != null) {
                    out.add(new Sibling(name, name.getBytes(StandardCharsets.UTF_8), RestoreRefusals.subjectsAtStart(c),
                            RestoreRefusals.restoresAtStart(c, RestoreRefusals.Line.V2_10),
                            RestoreRefusals.restoresAtStart(c, RestoreRefusals.Line.V2_14)));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        // Sorted once: the walk by name (firstByName) is made at every hand-over of the account.
        out.sort(ByName.INSTANCE);
        return List.copyOf(out);
    }

    /**
     * The config a server start would read from {@code dir}, or null when no server restores it
     * (no meta files, a checksum that does not match, JSON it refuses). An encrypted stream without
     * the key is left out: its recovery fails it in the runtime too, naming the key.
     */
    private StreamConfig config(String account, Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try {
            StreamKeys keys = key == null && !Files.exists(dir.resolve(MetaFiles.META_KEY)) ? StreamKeys.NO_KEY_FILE
                    : StreamKeys.load(key, account, dir, gate);
            return MetaFiles.readStream(dir, gate, keys).config();
        } catch (MetaException | DecryptionException e) {
            return null;
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw e;
        } catch (IOException e) {
            // One stream's unreadable key file: its own recovery names it; no server reads it either.
            return null;
        }
    }

    private static String[][] tokens(List<String> subjects) {
        String[][] t = new String[subjects.size()][];
        for (int i = 0; i < t.length; i++) {
            t[i] = subjects.get(i).split("\\.", -1);
        }
        return t;
    }

    private static boolean collide(String[][] a, String[][] b) {
        for (String[] x : a) {
            for (String[] y : b) {
                if (SubjectRules.collide(x, y)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String quoted(List<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            b.append(b.isEmpty() ? "" : ", ").append('\'').append(n).append('\'');
        }
        return b.toString();
    }
}
