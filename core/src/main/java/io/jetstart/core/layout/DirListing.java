package io.jetstart.core.layout;

import io.jetstart.core.io.DiskGate;
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

/**
 * One directory listing with each entry's attributes, taken as a single {@link DiskGate} operation
 * and sorted as Go's {@code os.ReadDir} sorts (by the bytes of the UTF-8 name, which differs from
 * {@link String#compareTo} for characters outside the Basic Multilingual Plane).
 */
record DirListing(Path dir, List<Entry> entries) {

    /** A directory entry; attributes follow symbolic links, as nats-server's {@code os.Stat} does. */
    record Entry(String name, Path path, long size, boolean directory) {
    }

    static final Comparator<String> GO_ORDER = DirListing::compareUtf8;

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
        List<Entry> entries = gate.run(() -> {
            List<Entry> out = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    try {
                        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                        out.add(new Entry(name, p, a.size(), a.isDirectory()));
                    } catch (NoSuchFileException gone) {
                        // Removed between list and stat, or a dangling link: not there for us either.
                        out.add(new Entry(name, p, -1, false));
                    }
                }
            }
            return out;
        });
        entries.sort(Comparator.comparing(Entry::name, GO_ORDER));
        return new DirListing(dir, List.copyOf(entries));
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
