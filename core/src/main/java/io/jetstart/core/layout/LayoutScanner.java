package io.jetstart.core.layout;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.FileChecks;
import io.jetstart.core.io.MsgsListing;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The walk behind {@link StoreLayout#discover}: jetstream dir, accounts, {@code streams/}, then for
 * each stream its own directory, {@code msgs/} and {@code obs/}. One listing per directory, nothing
 * opened or parsed, and a stat only of the entries whose size or kind is used (blocks, key files,
 * {@code index.db}, {@code msgs/}, {@code obs/} and the consumers in it): on a store of 1,000 small
 * streams discovery is a serial part of a fresh JVM's recovery, before the first stream starts.
 *
 * <p>What is passed over, and why (spec §1.1): names starting with '.' (a stream being deleted, or
 * {@code .snap-staging}, both removed by the server at startup), {@code templates/} (deprecated
 * stream templates, no longer restored since 2.14), {@code __snapshots__/} (snapshot scratch space)
 * and {@code _js_/} (clustered-mode Raft state, out of scope). A stream or account directory that
 * cannot be listed is passed over with the error as its reason, so one bad directory does not hide
 * the others; an interrupted scan is not a skip, it ends the scan.
 */
final class LayoutScanner {
    static final String JETSTREAM = "jetstream";
    static final String STREAMS = "streams";
    static final String MSGS = "msgs";
    static final String OBS = "obs";
    static final String INDEX_DB = "index.db";
    static final String META_KEY = "meta.key";

    /** Every entry's attributes. */
    private static final Predicate<String> EVERY_NAME = new Names(Names.EVERY);
    /** No entry's attributes: the names are all that is used. */
    static final Predicate<String> STAT_NONE = new Names(Names.NONE);
    /** The entries of a stream directory that discovery looks at. */
    private static final Predicate<String> STREAM_ENTRIES = new Names(Names.STREAM);

    /** The entries of {@code msgs/} whose size or kind discovery uses (not 2.9's .idx and .fss). */
    static final Predicate<String> MSGS_ENTRIES = new Names(Names.MSGS);

    /**
     * The name filters above, one named class rather than four lambdas: discovery runs on the first
     * stream's way, where a fresh JVM would spin each lambda's class at run time (package-info).
     */
    private static final class Names implements Predicate<String> {
        static final int EVERY = 0;
        static final int NONE = 1;
        static final int STREAM = 2;
        static final int MSGS = 3;
        private final int which;

        Names(int which) {
            this.which = which;
        }

        @Override
        public boolean test(String name) {
            if (which == EVERY) {
                return true;
            }
            if (which == NONE) {
                return false;
            }
            if (which == STREAM) {
                return name.equals(LayoutScanner.MSGS) || name.equals(OBS) || name.equals(META_KEY);
            }
            return isDigitsThen(name, ".blk") || name.equals(INDEX_DB) || isDigitsThen(name, ".key");
        }
    }

    private final DiskGate gate;
    private final List<String> skipped = new ArrayList<>();
    /** Told of the listings and of each stream as found ({@link StoreLayout#discover(Path, DiskGate, StoreLayout.Sink)}). */
    private final StoreLayout.Sink sink;

    LayoutScanner(DiskGate gate) {
        this(gate, StoreLayout.Sink.NONE);
    }

    LayoutScanner(DiskGate gate, StoreLayout.Sink sink) {
        this.gate = gate;
        this.sink = sink;
    }

    StoreLayout scan(Path storeDir) throws IOException {
        Path jetstreamDir = locate(storeDir);
        List<StreamDir> streams = new ArrayList<>();
        DirListing accounts = DirListing.of(jetstreamDir, gate);
        sink.listed(names(accounts));
        for (DirListing.Entry e : accounts.entries()) {
            if (e.name().startsWith(".")) {
                skip(e.name(), e.name().equals(".snap-staging")
                        ? "snapshot staging area, removed by nats-server at startup" : "hidden entry, not an account");
            } else if (!e.directory()) {
                skip(e.name(), "not a directory, not an account");
            } else {
                scanAccount(e, streams);
            }
        }
        return new StoreLayout(jetstreamDir, streams, skipped);
    }

    /**
     * The named streams only ({@link StoreLayout#findNamed}): the account and {@code streams/}
     * folders are listed as {@link #scan} lists them (names only), and only a stream directory whose
     * name is asked for is looked into. Skips are not kept: the full scan that follows records them.
     */
    List<StoreLayout.Found> scanNamed(Path storeDir, java.util.Set<String> names) throws IOException {
        Path jetstreamDir = locate(storeDir);
        // Every entry of every streams/ folder, as the line detector's sample orders streams.
        List<String[]> listed = new ArrayList<>();
        List<StreamDir> found = new ArrayList<>();
        for (DirListing.Entry account : DirListing.of(jetstreamDir, gate).entries()) {
            if (account.name().startsWith(".") || !account.directory()) {
                continue;
            }
            DirListing streams = listOrSkip(account.path().resolve(STREAMS), account.name() + "/" + STREAMS, STAT_NONE,
                    "not a directory");
            if (streams == null) {
                continue;
            }
            for (DirListing.Entry e : streams.entries()) {
                listed.add(new String[] {account.name(), e.name()});
                // Only names the listing holds are looked into: nothing in a name can lead elsewhere.
                if (!e.name().startsWith(".") && names.contains(e.name())) {
                    StreamDir sd = scanStream(account.name(), e, account.name() + "/" + STREAMS + "/" + e.name());
                    if (sd != null) {
                        found.add(sd);
                    }
                }
            }
        }
        List<StoreLayout.Found> out = new ArrayList<>(found.size());
        for (StreamDir sd : found) {
            int before = 0;
            for (String[] l : listed) {
                int c = l[0].compareTo(sd.account());
                if (c < 0 || c == 0 && l[1].compareTo(sd.name()) < 0) {
                    before++;
                }
            }
            out.add(new StoreLayout.Found(sd, before));
        }
        return out;
    }

    private static List<String> names(DirListing listing) {
        List<String> out = new ArrayList<>(listing.entries().size());
        for (DirListing.Entry e : listing.entries()) {
            out.add(e.name());
        }
        return out;
    }

    /** {@code <storeDir>/jetstream} when it exists, else {@code storeDir} itself if it holds accounts. */
    Path locate(Path storeDir) throws IOException {
        Path nested = storeDir.resolve(JETSTREAM);
        if (gate.run(FileChecks.isDirectory(nested))) {
            return nested;
        }
        if (!gate.run(FileChecks.isDirectory(storeDir))) {
            throw new NoSuchFileException(storeDir.toString(), null,
                    "no JetStream store here: tried " + nested + " and " + storeDir + " (neither is a directory)");
        }
        DirListing top = DirListing.of(storeDir, gate);
        boolean hasAccounts = false;
        for (DirListing.Entry e : top.entries()) {
            if (e.directory() && !e.name().startsWith(".") && gate.run(FileChecks.isDirectory(e.path().resolve(STREAMS)))) {
                hasAccounts = true;
                break;
            }
        }
        if (hasAccounts) {
            return storeDir;
        }
        String hint = top.find(STREAMS) != null
                ? " (it holds streams/ itself, so it looks like an account directory: pass the directory two levels up)" : "";
        throw new IOException("no JetStream accounts found: tried " + nested + " (does not exist) and " + storeDir
                + " (no <account>/streams/ inside)" + hint);
    }

    private void scanAccount(DirListing.Entry account, List<StreamDir> streams) throws IOException {
        DirListing listing = listOrSkip(account.path(), account.name());
        if (listing == null) {
            return;
        }
        for (DirListing.Entry e : listing.entries()) {
            String rel = account.name() + "/" + e.name();
            switch (e.name()) {
                case STREAMS -> {
                    if (e.directory()) {
                        scanStreams(account.name(), e, streams);
                    } else {
                        skip(rel, "not a directory");
                    }
                }
                case "templates" -> skip(rel, "deprecated stream templates, not streams (not restored since nats-server 2.14)");
                case "__snapshots__" -> skip(rel, "snapshot scratch space, removed by nats-server at startup");
                case "_js_" -> skip(rel, "clustered-mode Raft state, out of scope");
                default -> skip(rel, "unknown entry in an account directory");
            }
        }
    }

    private void scanStreams(String account, DirListing.Entry streamsDir, List<StreamDir> streams) throws IOException {
        // Names only: listing each stream directory is what tells whether it is one, so a stat of
        // each first (1,000 for 1,000 streams) bought nothing.
        DirListing listing = listOrSkip(streamsDir.path(), account + "/" + STREAMS, STAT_NONE);
        if (listing == null) {
            return;
        }
        sink.listed(names(listing));
        for (DirListing.Entry e : listing.entries()) {
            String rel = account + "/" + STREAMS + "/" + e.name();
            if (e.name().startsWith(".")) {
                skip(rel, "stream being deleted (nats-server removes '.'-prefixed entries at startup)");
            } else {
                StreamDir s = scanStream(account, e, rel);
                if (s != null) {
                    streams.add(s);
                    sink.found(s);
                }
            }
        }
    }

    private StreamDir scanStream(String account, DirListing.Entry stream, String rel) throws IOException {
        return scanStream(account, stream, rel, MSGS_ENTRIES);
    }

    /**
     * As discovery scans a stream; {@code msgsStat} the entries of {@code msgs/} whose attributes
     * are read ({@link #STAT_NONE} for names only: then no size is known, whatever the stream is).
     */
    StreamDir scanStream(String account, DirListing.Entry stream, String rel, Predicate<String> msgsStat) throws IOException {
        StreamDir plain = scanPlainStream(account, stream, msgsStat);
        return plain != null ? plain : scanListedStream(account, stream, rel, msgsStat);
    }

    /**
     * The common stream, found without listing its own directory: no {@code meta.key} (not even a
     * dangling link), a listable {@code msgs/}, and an {@code obs/} that is listable or not there.
     * Null for anything else (a file or dangling link among the streams, a missing or unreadable
     * {@code msgs/}, an unreadable {@code obs/}, a key file), which {@link #scanListedStream} then scans, so
     * every skip and its reason are that path's. Three gate operations (a look for {@code meta.key},
     * then the two listings), as many as the listed scan's when the stream has {@code obs/} and one
     * more when it has none (the listed scan saw that in its listing), and a third fewer system calls per stream than
     * listing the stream directory and stating its entries: discovery runs alone, before the first
     * stream task starts (docs/benchmarks-passes.md, fourth pass on {@code many}).
     */
    private StreamDir scanPlainStream(String account, DirListing.Entry stream, Predicate<String> msgsStat) throws IOException {
        Path keyFile = stream.path().resolve(META_KEY);
        if (gate.run(FileChecks.existsNoFollow(keyFile))) {
            return null;
        }
        DirListing m = listOrNull(stream.path().resolve(MSGS), msgsStat, false);
        if (m == null) {
            return null;
        }
        // msgs/ was listed, so the stream is a directory: an obs/ that is missing or no directory
        // (a dangling link, a file) is a stream without consumers, as the listed scan finds it.
        DirListing o = listOrNull(stream.path().resolve(OBS), EVERY_NAME, true);
        if (o == null) {
            return null;
        }
        return streamDir(account, stream, null, m, o == NOT_THERE ? null : o);
    }

    /** {@link #listOrNull}'s answer for a directory that is not there (only when asked to tell). */
    private static final DirListing NOT_THERE = new DirListing(Path.of(""), List.of());

    /**
     * A listing, or null when the directory cannot be listed for any reason but a cancellation; with
     * {@code tellAbsent}, {@link #NOT_THERE} when it does not exist or is not a directory.
     */
    DirListing listOrNull(Path dir, Predicate<String> statThese, boolean tellAbsent) throws IOException {
        try {
            return DirListing.of(dir, gate, statThese);
        } catch (ClosedByInterruptException | InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return tellAbsent && (e instanceof NoSuchFileException || e instanceof NotDirectoryException) ? NOT_THERE : null;
        }
    }

    /** A stream scanned from a listing of its own directory: every case, with its skips. */
    private StreamDir scanListedStream(String account, DirListing.Entry stream, String rel, Predicate<String> msgsStat)
            throws IOException {
        // Only what is read below needs its attributes, not meta.inf or meta.sum. Not a directory: a
        // file, a dangling link, or an entry removed since streams/ was listed.
        DirListing top = listOrSkip(stream.path(), rel, STREAM_ENTRIES, "not a directory, not a stream");
        if (top == null) {
            return null;
        }
        DirListing m = null;
        DirListing.Entry msgs = top.find(MSGS);
        if (msgs != null && msgs.directory()) {
            m = listOrSkip(msgs.path(), rel + "/" + MSGS, msgsStat);
            if (m == null) {
                return null;
            }
        }
        DirListing o = null;
        DirListing.Entry obs = top.find(OBS);
        if (obs != null && obs.directory()) {
            o = listOrSkip(obs.path(), rel + "/" + OBS);
            if (o == null) {
                return null;
            }
        }
        return streamDir(account, stream, top.find(META_KEY), m, o);
    }

    /**
     * The stream of {@code msgs} and {@code obs} (each null when the stream has no such directory),
     * with {@code metaKey} its key file's entry, null when it has none. A non-directory in
     * {@code obs/} is recorded as skipped.
     */
    private StreamDir streamDir(String account, DirListing.Entry stream, DirListing.Entry metaKey, DirListing m, DirListing o) {
        String rel = account + "/" + STREAMS + "/" + stream.name();
        List<String> evidence = new ArrayList<>();
        if (metaKey != null) {
            evidence.add("meta.key present (" + describeKey(metaKey.size()) + ")");
        }

        long blockBytes = 0;
        int blockCount = 0;
        boolean hasIndexDb = false;
        long indexDbBytes = -1;
        MsgsListing msgsListing = null;
        if (m != null) {
            List<String> names = new ArrayList<>(m.entries().size());
            for (DirListing.Entry f : m.entries()) {
                names.add(f.name());
            }
            msgsListing = MsgsListing.of(names);
            DirListing.Entry firstKey = null;
            long firstKeyIndex = Long.MAX_VALUE;
            int keyFiles = 0;
            for (DirListing.Entry f : m.entries()) {
                if (f.directory() || f.size() < 0) {
                    continue;
                }
                if (isDigitsThen(f.name(), ".blk")) {
                    blockBytes += f.size();
                    blockCount++;
                } else if (f.name().equals(INDEX_DB)) {
                    hasIndexDb = true;
                    indexDbBytes = f.size();
                } else if (isDigitsThen(f.name(), ".key")) {
                    keyFiles++;
                    long index = parseIndex(f.name().substring(0, f.name().length() - ".key".length()));
                    if (index < firstKeyIndex) {
                        firstKeyIndex = index;
                        firstKey = f;
                    }
                }
            }
            if (firstKey != null) {
                evidence.add(MSGS + "/" + firstKey.name() + " (" + describeKey(firstKey.size()) + ")"
                        + (keyFiles > 1 ? " and " + (keyFiles - 1) + " more block key files" : ""));
            }
        }

        List<String> consumers = new ArrayList<>();
        if (o != null) {
            for (DirListing.Entry c : o.entries()) {
                if (c.directory()) {
                    consumers.add(c.name());
                } else {
                    skip(rel + "/" + OBS + "/" + c.name(), "not a directory, not a consumer");
                }
            }
        }
        Encryption encryption = evidence.isEmpty() ? Encryption.NONE : new Encryption.Encrypted(evidence);
        return new StreamDir(account, stream.name(), stream.path(), blockBytes, blockCount, hasIndexDb, consumers, encryption, msgsListing,
                indexDbBytes);
    }

    /** {@code name} is one or more ASCII digits followed by {@code suffix} (the regex {@code [0-9]+\.blk} for {@code .blk}). */
    static boolean isDigitsThen(String name, String suffix) {
        int digits = name.length() - suffix.length();
        if (digits < 1 || !name.endsWith(suffix)) {
            return false;
        }
        for (int i = 0; i < digits; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String describeKey(long size) {
        return size + " bytes: " + Encryption.cipherForKeyLength(size);
    }

    /** Block indexes are uint32 in the server; anything longer still sorts last rather than failing. */
    private static long parseIndex(String digits) {
        return digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
    }

    /** Lists a directory below the jetstream dir; on failure records a skip and returns null. */
    private DirListing listOrSkip(Path dir, String rel) throws IOException {
        return listOrSkip(dir, rel, EVERY_NAME);
    }

    private DirListing listOrSkip(Path dir, String rel, Predicate<String> statThese) throws IOException {
        return listOrSkip(dir, rel, statThese, null);
    }

    /** As above; {@code notADirectory}, when not null, is the skip's reason for a path that is no directory (or gone). */
    private DirListing listOrSkip(Path dir, String rel, Predicate<String> statThese, String notADirectory) throws IOException {
        try {
            return DirListing.of(dir, gate, statThese);
        } catch (ClosedByInterruptException | InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            if (notADirectory != null && (e instanceof NotDirectoryException || e instanceof NoSuchFileException)) {
                skip(rel, notADirectory);
                return null;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            skip(rel, "cannot be listed: " + e);
            return null;
        }
    }

    private void skip(String rel, String reason) {
        skipped.add(rel + ": " + reason);
    }
}
