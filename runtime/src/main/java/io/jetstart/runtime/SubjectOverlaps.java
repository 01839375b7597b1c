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
    /**
     * One stream of an account as a server start sees its {@code meta.inf}: its subjects split into
     * tokens. A class, not a record: compared by identity in the table's lists and sets, where a
     * record's equals and hashCode are bootstrapped at their first call, on a stream's hand-over
     * (package-info).
     */
    private static final class Sibling {
        private final String dir;
        private final byte[] order;
        private final String[][] subjects;
        private final boolean v210;
        private final boolean v214;

        Sibling(String dir, byte[] order, String[][] subjects, boolean v210, boolean v214) {
            this.dir = dir;
            this.order = order;
            this.subjects = subjects;
            this.v210 = v210;
            this.v214 = v214;
        }

        String dir() {
            return dir;
        }

        byte[] order() {
            return order;
        }

        String[][] subjects() {
            return subjects;
        }

        /** Restored by 2.10 on its own (before it looks at other streams). */
        boolean v210() {
            return v210;
        }

        /** Restored by 2.14+ on its own. */
        boolean v214() {
            return v214;
        }
    }

    /**
     * An account's streams: in 2.10's order, indexed by their subjects' first token (two subjects
     * whose first tokens are different literals never collide, so a hand-over looks at few of a
     * thousand streams), and 2.10's walk made once: the stream restored before each that keeps it out.
     */
    private static final class Table {
        final List<Sibling> byName;
        final Map<String, List<Sibling>> byFirstToken = new java.util.HashMap<>();
        /** Streams with a subject whose first token is a wildcard: candidates for every subject. */
        final List<Sibling> wildFirst = new ArrayList<>();
        /** 2.10's walk over all of them, by directory: the stream that keeps it out; absent when restored. */
        final Map<String, String> refusedBy210;

        Table(List<Sibling> byName) {
            this.byName = byName;
            for (Sibling s : byName) {
                for (String[] t : s.subjects()) {
                    if (isWildcard(t[0])) {
                        if (!wildFirst.contains(s)) {
                            wildFirst.add(s);
                        }
                    } else {
                        List<Sibling> l = byFirstToken.get(t[0]);
                        if (l == null) {
                            l = new ArrayList<>();
                            byFirstToken.put(t[0], l);
                        }
                        if (!l.contains(s)) {
                            l.add(s);
                        }
                    }
                }
            }
            this.refusedBy210 = walk210(null);
        }

        /** The streams any of {@code subjects} could collide with (a superset), without repeats. */
        List<Sibling> candidates(String[][] subjects) {
            for (String[] t : subjects) {
                if (isWildcard(t[0])) {
                    return byName;
                }
            }
            List<Sibling> out = new ArrayList<>(wildFirst);
            for (String[] t : subjects) {
                List<Sibling> l = byFirstToken.get(t[0]);
                if (l != null) {
                    for (Sibling s : l) {
                        if (!out.contains(s)) {
                            out.add(s);
                        }
                    }
                }
            }
            return out;
        }

        /**
         * 2.10's walk by directory name: each stream it restores on its own is restored unless one
         * restored before it overlaps it. Streams in {@code gone} (deleted in this open) are left out.
         */
        Map<String, String> walk210(Set<String> gone) {
            Map<String, String> refused = new java.util.HashMap<>();
            Set<Sibling> restored = new java.util.HashSet<>();
            for (Sibling s : byName) {
                if (!s.v210() || (gone != null && gone.contains(s.dir()))) {
                    continue;
                }
                String by = null;
                for (Sibling o : candidates(s.subjects())) {
                    // Only streams restored so far: all of them come before s by name.
                    if (restored.contains(o) && collide(s.subjects(), o.subjects())) {
                        by = o.dir();
                        break;
                    }
                }
                if (by == null) {
                    restored.add(s);
                } else {
                    refused.put(s.dir(), by);
                }
            }
            return refused;
        }
    }

    private final Path storeDir;
    private final StoreKey key;
    private final DiskGate gate;
    private final Map<String, FutureTask<Table>> tables = new ConcurrentHashMap<>();
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
        Table table;
        try {
            table = table(account);
        } catch (IOException e) {
            // Safe side: without the account's view no publish is taken that a server might not load.
            return "the runtime cannot read the other streams of account " + account + " to check for overlapping subjects ("
                    + e.getMessage() + ")";
        }
        String[][] mine = tokens(RestoreRefusals.subjectsAtStart(c));
        Set<String> gone = deletedOf(account);
        List<String> parallel = new ArrayList<>();
        for (Sibling s : table.candidates(mine)) {
            if (!s.dir().equals(dir) && s.v214() && (gone == null || !gone.contains(s.dir())) && collide(mine, s.subjects())) {
                parallel.add(s.dir());
            }
        }
        if (!parallel.isEmpty()) {
            parallel.sort(null);
            return "subjects overlap with an existing stream (10065): stream" + (parallel.size() > 1 ? "s " : " ") + quoted(parallel)
                    + "; nats-server 2.14+ restores an account's streams in parallel, either or both of such streams";
        }
        // The file on disk is the recovered config (both are its meta.inf), so the walk made with
        // the table tells this stream's fate; again without the streams deleted since.
        String first = (gone == null ? table.refusedBy210 : table.walk210(gone)).get(dir);
        if (first != null) {
            return "subjects overlap with an existing stream (10065): stream '" + first
                    + "', which nats-server 2.10 restores before it (it restores an account's streams in name order)";
        }
        return null;
    }

    /** The directories of {@code account} deleted in this open, or null for none (the usual case). */
    private Set<String> deletedOf(String account) {
        if (deleted.isEmpty()) {
            return null;
        }
        Set<String> out = new java.util.HashSet<>();
        String prefix = account + "\u0000";
        for (String k : deleted) {
            if (k.startsWith(prefix)) {
                out.add(k.substring(prefix.length()));
            }
        }
        return out.isEmpty() ? null : out;
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
        } catch (InterruptedException e) {
            // A close: kept for the thread, which ends.
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            // Only ahead of time: each hand-over reads (or fails on) its account's table itself.
        }
    }

    private Table table(String account) throws IOException, InterruptedException {
        while (true) {
            FutureTask<Table> t = tables.get(account);
            if (t == null) {
                FutureTask<Table> mine = new FutureTask<>(new Read(account));
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
    private final class Read implements java.util.concurrent.Callable<Table> {
        private final String account;

        Read(String account) {
            this.account = account;
        }

        @Override
        public Table call() throws IOException {
            return new Table(read(account));
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
                    out.add(new Sibling(name, name.getBytes(StandardCharsets.UTF_8), tokens(RestoreRefusals.subjectsAtStart(c)),
                            RestoreRefusals.restoresAtStart(c, RestoreRefusals.Line.V2_10),
                            RestoreRefusals.restoresAtStart(c, RestoreRefusals.Line.V2_14)));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        // In 2.10's order, for its walk (Table).
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

    private static boolean isWildcard(String token) {
        return token.equals("*") || token.equals(">");
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
