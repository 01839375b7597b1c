package io.jetstart.core.layout;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.FileChecks;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The look behind {@link StoreLayout#findSmall}: which streams a small-first plan surely takes,
 * before discovery's stat pass. It walks the store with {@link LayoutScanner}'s own steps, so a
 * stream it describes is described as discovery describes it.
 *
 * <p>Design note: a class of its own, not more of {@link LayoutScanner}: discovery runs on every
 * open, on the first stream's way, and a fresh JVM verifies a class's every method when it links it.
 */
final class SmallStreamScan {
    /** At most this many entries in the store's {@code streams/} folders for {@link #scan} to look (the line's sample). */
    static final int MAX_ENTRIES = 32;
    /** At most this many block files stat'ed by {@link #scan} (a few more than a stream's: discovery stats them again). */
    static final int MAX_STATS = 64;

    private final DiskGate gate;
    private final LayoutScanner scanner;

    SmallStreamScan(DiskGate gate) {
        this.gate = gate;
        this.scanner = new LayoutScanner(gate);
    }

    /**
     * A stream seen by {@link #scan}'s walk: its {@code msgs/} block files by name (null when
     * the walk had to scan it as discovery does, names only: then only their count is known).
     */
    private record Seen(String account, DirListing.Entry entry, String[] blockNames, int blockFiles) {
    }

    /** Fewest block files first, then by account and name. */
    private static final class ByBlockFiles implements Comparator<Seen> {
        @Override
        public int compare(Seen a, Seen b) {
            int c = Integer.compare(a.blockFiles(), b.blockFiles());
            if (c == 0) {
                c = a.account().compareTo(b.account());
            }
            return c != 0 ? c : a.entry().name().compareTo(b.entry().name());
        }
    }

    /** Smallest first (the small-first plan's order), then by account and name. */
    private static final class BySize implements Comparator<StreamDir> {
        @Override
        public int compare(StreamDir a, StreamDir b) {
            int c = Long.compare(a.blockBytes(), b.blockBytes());
            if (c == 0) {
                c = a.account().compareTo(b.account());
            }
            return c != 0 ? c : a.name().compareTo(b.name());
        }
    }

    /**
     * {@link StoreLayout#findSmall}: a walk of every stream as {@link LayoutScanner#scan} walks it
     * but with {@code msgs/} listed by name only; then the streams with the fewest block files
     * scanned as discovery scans them, and single blocks of the others stat'ed, until every small
     * stream seen is chosen or the stats run out. Nothing when the store has more than
     * {@link #MAX_ENTRIES} entries in its {@code streams/} folders.
     */
    StoreLayout.Small scan(Path storeDir, Set<String> only, long maxBytes, int sharePercent) throws IOException {
        Path jetstreamDir = scanner.locate(storeDir);
        List<String[]> listed = new ArrayList<>();
        List<DirListing.Entry> entries = new ArrayList<>();
        for (DirListing.Entry account : DirListing.of(jetstreamDir, gate).entries()) {
            if (account.name().startsWith(".") || !account.directory()) {
                continue;
            }
            DirListing streams = scanner.listOrNull(account.path().resolve(LayoutScanner.STREAMS), LayoutScanner.STAT_NONE, false);
            if (streams == null) {
                continue;
            }
            for (DirListing.Entry e : streams.entries()) {
                listed.add(new String[] {account.name(), e.name()});
                entries.add(e);
            }
            // Every streams/ folder is listed before any stream is walked: a store of many streams
            // costs its listings here, no stream's.
            if (listed.size() > MAX_ENTRIES) {
                return StoreLayout.Small.NONE;
            }
        }
        List<Seen> seen = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            DirListing.Entry e = entries.get(i);
            if (e.name().startsWith(".") || !only.isEmpty() && !only.contains(e.name())) {
                continue;
            }
            Seen one = walk(listed.get(i)[0], e);
            if (one != null) {
                seen.add(one);
            }
        }
        seen.sort(new ByBlockFiles());
        // Whole streams, fewest block files first, while their blocks stay within the stats allowed.
        long known = 0;
        int stats = 0;
        int next = 0;
        List<StreamDir> small = new ArrayList<>();
        List<StreamDir> chosen = new ArrayList<>();
        long taken = 0;
        while (next < seen.size() && stats + seen.get(next).blockFiles() <= MAX_STATS) {
            Seen s = seen.get(next++);
            String rel = s.account() + "/" + LayoutScanner.STREAMS + "/" + s.entry().name();
            StreamDir sd = scanner.scanStream(s.account(), s.entry(), rel, LayoutScanner.MSGS_ENTRIES);
            stats += s.blockFiles();
            if (sd == null) {
                continue;
            }
            known += sd.blockBytes();
            if (sd.blockBytes() <= maxBytes) {
                small.add(sd);
            }
        }
        taken = choose(small, chosen, known, taken, sharePercent);
        // Then single blocks of the others, most block files first, until every small one is chosen.
        for (int i = seen.size() - 1; i >= next && !small.isEmpty() && stats < MAX_STATS; i--) {
            Seen s = seen.get(i);
            if (s.blockNames() == null) {
                continue;
            }
            Path msgs = s.entry().path().resolve(LayoutScanner.MSGS);
            for (String name : s.blockNames()) {
                if (stats >= MAX_STATS || small.isEmpty()) {
                    break;
                }
                stats++;
                known += blockSize(msgs.resolve(name));
                taken = choose(small, chosen, known, taken, sharePercent);
            }
        }
        List<StoreLayout.Found> out = new ArrayList<>(chosen.size());
        for (StreamDir sd : chosen) {
            out.add(new StoreLayout.Found(sd, listedBefore(listed, sd)));
        }
        return new StoreLayout.Small(out, taken, seen.size());
    }

    /**
     * One stream of {@link #scan}'s walk, or null when discovery will not find it a stream. The
     * common stream as {@code LayoutScanner.scanPlainStream} finds it (no {@code meta.key}, {@code msgs/} and
     * {@code obs/} listable or absent), with {@code msgs/} listed as raw names: no entry, no sort, as
     * only the block files' names are used (a store of large streams holds thousands); anything
     * else scanned as discovery scans it, names only.
     */
    private Seen walk(String account, DirListing.Entry stream) throws IOException {
        if (!gate.run(FileChecks.existsNoFollow(stream.path().resolve(LayoutScanner.META_KEY)))) {
            String[] names = gate.run(new RawNames(stream.path().resolve(LayoutScanner.MSGS)));
            if (names != null && scanner.listOrNull(stream.path().resolve(LayoutScanner.OBS), LayoutScanner.STAT_NONE, true) != null) {
                List<String> blocks = new ArrayList<>();
                for (String n : names) {
                    if (LayoutScanner.isDigitsThen(n, ".blk")) {
                        blocks.add(n);
                    }
                }
                return new Seen(account, stream, blocks.toArray(new String[0]), blocks.size());
            }
        }
        String rel = account + "/" + LayoutScanner.STREAMS + "/" + stream.name();
        StreamDir sd = scanner.scanStream(account, stream, rel, LayoutScanner.STAT_NONE);
        return sd == null ? null : new Seen(account, stream, null, sd.msgs() == null ? 0 : sd.msgs().blocks().size());
    }

    /** A directory's names, unsorted, or null when it cannot be listed (java.io's one native call). */
    private record RawNames(Path dir) implements DiskGate.Io<String[]> {
        @Override
        public String[] call() {
            return dir.toFile().list();
        }
    }

    /**
     * Moves from {@code small} to {@code chosen}, smallest first, every stream whose share is certain:
     * the store holds at least {@code known} block bytes, so a budget of {@code sharePercent} % of
     * them is at most the plan's. Returns the bytes chosen so far. Nothing while nothing is known
     * (a store of empty streams has no first streams).
     */
    private static long choose(List<StreamDir> small, List<StreamDir> chosen, long known, long taken, int sharePercent) {
        if (known <= 0) {
            return taken;
        }
        small.sort(new BySize());
        long budget = known / 100 * sharePercent;
        while (!small.isEmpty() && taken + small.get(0).blockBytes() <= budget) {
            StreamDir sd = small.remove(0);
            taken += sd.blockBytes();
            chosen.add(sd);
        }
        return taken;
    }

    /** A block file's size as discovery counts it: 0 for what it passes over (gone, a dangling link, a directory). */
    private long blockSize(Path block) throws IOException {
        try {
            return gate.run(new BlockSize(block));
        } catch (ClosedByInterruptException | InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return 0;
        }
    }

    /** One block's attributes through the gate, as {@link DirListing} reads them (links followed). */
    private record BlockSize(Path block) implements DiskGate.Io<Long> {
        @Override
        public Long call() throws IOException {
            BasicFileAttributes a = Files.readAttributes(block, BasicFileAttributes.class);
            return a.isDirectory() ? 0L : a.size();
        }
    }

    /** How many of {@code listed} (account, name) sort before {@code sd} by account, then name. */
    private static int listedBefore(List<String[]> listed, StreamDir sd) {
        int before = 0;
        for (String[] l : listed) {
            int c = l[0].compareTo(sd.account());
            if (c < 0 || c == 0 && l[1].compareTo(sd.name()) < 0) {
                before++;
            }
        }
        return before;
    }
}
