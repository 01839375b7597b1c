package io.jetstart.it;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** File operations on a nats-server {@code store_dir}: copies, and removing the index files. */
final class StoreFiles {

    private StoreFiles() {
    }

    /** Copies the tree at {@code from} to {@code to} (which must not exist yet); returns {@code to}. */
    static Path copy(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            throw new IOException(to + " already exists; a copy must start empty");
        }
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
        return to;
    }

    /**
     * Takes away what lets a server skip reading the blocks: every {@code msgs/index.db} is
     * truncated to 0 bytes (2.10+: what a crash during its non-atomic write leaves, spec §4.3),
     * every 2.9 per-block {@code .idx} and {@code .fss} is deleted. Returns the files touched.
     */
    static List<Path> stripIndexes(Path store) throws IOException {
        List<Path> touched = new ArrayList<>();
        try (Stream<Path> files = Files.walk(store)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                boolean inMsgs = f.getParent().getFileName().toString().equals("msgs");
                if (!inMsgs) {
                    continue;
                }
                if (name.equals("index.db")) {
                    Files.write(f, new byte[0]);
                    touched.add(f);
                } else if (name.endsWith(".idx") || name.endsWith(".fss")) {
                    Files.delete(f);
                    touched.add(f);
                }
            }
        }
        return touched;
    }

    /** Deletes {@code dir} and everything under it; nothing when it does not exist. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * Deletes every {@code index.db} (a store the server must rebuild from its blocks, as the
     * fixtures' {@code oracle.rebuilt.json} record it; {@link #stripIndexes} truncates instead).
     */
    static void deleteIndexDbs(Path store) throws IOException {
        try (Stream<Path> files = Files.walk(store)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                Files.delete(f);
            }
        }
    }

    /** Relative paths and sizes of every file, for messages about what a test did. */
    static List<String> listing(Path store) throws IOException {
        try (Stream<Path> files = Files.walk(store)) {
            return files.filter(Files::isRegularFile).sorted().map(f -> {
                try {
                    return store.relativize(f) + " " + Files.size(f);
                } catch (IOException e) {
                    return store.relativize(f) + " ?";
                }
            }).toList();
        }
    }
}
