package io.jetstart.core.layout;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.PlainFileNames;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * One directory listing with each entry's attributes, taken as a single {@link DiskGate} operation
 * and sorted as Go's {@code os.ReadDir} sorts (by the bytes of the UTF-8 name, which differs from
 * {@link String#compareTo} for characters outside the Basic Multilingual Plane).
 */
record DirListing(Path dir, List<Entry> entries) {

    /**
     * A directory entry; attributes follow symbolic links, as nats-server's {@code os.Stat} does. An
     * entry that was not asked about (see {@link #of(Path, DiskGate, Predicate)}), removed between
     * list and stat, or a dangling link has size -1 and is not a directory.
     */
    record Entry(String name, Path path, long size, boolean directory) {
    }

    /** Every entry's attributes are read. */
    private static final Predicate<String> EVERY_NAME = new EveryName();

    static final Comparator<String> GO_ORDER = new GoOrder();

    // Named classes, not lambdas: a listing is made on the first stream's way (discovery, a named
    // stream's look), where a fresh JVM would spin a lambda's class at run time (package-info).

    private static final class EveryName implements Predicate<String> {
        @Override
        public boolean test(String name) {
            return true;
        }
    }

    /** Go's order of names: {@link #compareUtf8}. */
    private static final class GoOrder implements Comparator<String> {
        @Override
        public int compare(String a, String b) {
            return compareUtf8(a, b);
        }
    }

    /** Entries by name in Go's order. */
    private static final class ByName implements Comparator<Entry> {
        static final ByName INSTANCE = new ByName();

        @Override
        public int compare(Entry a, Entry b) {
            return compareUtf8(a.name(), b.name());
        }
    }

    /** Lists {@code dir} through the gate (see {@link #of(Path, DiskGate, Predicate)}). */
    private static final class Listing implements DiskGate.Io<List<Entry>> {
        private final Path dir;
        private final Predicate<String> statThese;

        Listing(Path dir, Predicate<String> statThese) {
            this.dir = dir;
            this.statThese = statThese;
        }

        @Override
        public List<Entry> call() throws IOException {
            List<Entry> out = new ArrayList<>();
            String[] names = plainNames(dir);
            if (names != null) {
                for (String name : names) {
                    out.add(entry(dir.resolve(name), name, statThese));
                }
                return out;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    out.add(entry(p, p.getFileName().toString(), statThese));
                }
            }
            return out;
        }
    }

    /**
     * UTF-8 byte order. Over ASCII characters it is char order, so names are compared in place
     * until a non-ASCII character appears, and only then encoded (a sort of 1,000 stream names
     * encoded both names at each of its ~10,000 comparisons).
     */
    static int compareUtf8(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x >= 0x80 || y >= 0x80) {
                return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
            }
            if (x != y) {
                return x - y;
            }
        }
        return a.length() - b.length();
    }

    static DirListing of(Path dir, DiskGate gate) throws IOException {
        return of(dir, gate, EVERY_NAME);
    }

    /**
     * A listing that reads the attributes of the entries {@code statThese} accepts only: the rest
     * are listed by name (size -1, not a directory). A stat per entry was most of discovery's
     * system calls (a stream directory's {@code meta.inf} and {@code meta.sum} were stat'ed for
     * nothing), and discovery runs alone before the first stream starts.
     */
    static DirListing of(Path dir, DiskGate gate, Predicate<String> statThese) throws IOException {
        List<Entry> entries = gate.run(new Listing(dir, statThese));
        entries.sort(ByName.INSTANCE);
        return new DirListing(dir, List.copyOf(entries));
    }

    /**
     * The directory's names in one native call ({@link File#list()}), or null where the directory
     * stream must list it: names {@code java.io} may not give back exactly ({@link PlainFileNames}),
     * or a directory that cannot be listed, whose stream
     * then throws the precise exception ({@link java.nio.file.NotDirectoryException},
     * {@link NoSuchFileException}, an access error) as it always has. A directory stream makes a
     * native call and a path per entry, and discovery lists three directories per stream before the
     * first stream starts (docs/benchmarks-passes.md, fourth pass on {@code many}).
     */
    private static String[] plainNames(Path dir) {
        if (!PlainFileNames.sameThroughJavaIo(dir)) {
            return null;
        }
        String[] names = dir.toFile().list();
        if (names != null) {
            for (String name : names) {
                if (!PlainFileNames.exact(name)) {
                    return null;
                }
            }
        }
        return names;
    }

    private static Entry entry(Path p, String name, Predicate<String> statThese) throws IOException {
        if (!statThese.test(name)) {
            return new Entry(name, p, -1, false);
        }
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return new Entry(name, p, a.size(), a.isDirectory());
        } catch (NoSuchFileException gone) {
            // Removed between list and stat, or a dangling link: not there for us either.
            return new Entry(name, p, -1, false);
        }
    }

    Entry find(String name) {
        for (Entry e : entries) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }
}
