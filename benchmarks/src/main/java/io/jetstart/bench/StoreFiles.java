package io.jetstart.bench;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Copies of a cached store for one run, and the check that a run left the cache as it was.
 *
 * <p>Design note: a server run needs a store it may rewrite ({@code index.db}, {@code meta.inf})
 * and delete from, but copying a gigabyte of blocks before each run would flood the page cache
 * with dirty pages that are written back during the next timed run. So block files are hard
 * links (a clean start appends nothing to them), every other file is a real copy, and after each
 * run {@link Snapshot} compares size and modification time of every cached block; a change stops
 * the bench and names the file. Deleting a link (a server removing a block) leaves the cache
 * alone.
 */
final class StoreFiles {
    private StoreFiles() {
    }

    /**
     * Copies {@code src} to {@code dst} (which must not exist): blocks linked, other files copied;
     * with {@code emptyIndex}, every {@code index.db} becomes a new 0-byte file (the truncated
     * state of the rebuild runs), never the cached one truncated through a link.
     */
    static void linkCopy(Path src, Path dst, boolean emptyIndex) throws IOException {
        if (Files.exists(dst)) {
            throw new IOException(dst + " already exists");
        }
        Files.walkFileTree(src, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(dst.resolve(src.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = dst.resolve(src.relativize(file).toString());
                String name = file.getFileName().toString();
                if (emptyIndex && name.equals("index.db")) {
                    Files.createFile(target);
                } else if (name.endsWith(".blk")) {
                    try {
                        Files.createLink(target, file);
                    } catch (UnsupportedOperationException | FileSystemException e) {
                        Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } else {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes {@code dir} and everything in it, refusing anything that is not inside {@code root}. */
    static void deleteTree(Path dir, Path root) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        Path r = root.toAbsolutePath().normalize();
        if (!d.startsWith(r) || d.equals(r)) {
            throw new IOException("refusing to delete " + d + ": not inside " + r);
        }
        if (!Files.exists(d)) {
            return;
        }
        Files.walkFileTree(d, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path p, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(p);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Size and modification time of every block file under a store, to prove a run changed none. */
    record Snapshot(Map<Path, Stamp> blocks) {
        record Stamp(long size, long modifiedMillis) {
        }

        static Snapshot take(Path storeDir) throws IOException {
            Map<Path, Stamp> m = new LinkedHashMap<>();
            try (Stream<Path> s = Files.walk(storeDir)) {
                for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".blk")).sorted().toList()) {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    m.put(p, new Stamp(a.size(), a.lastModifiedTime().toMillis()));
                }
            }
            return new Snapshot(Map.copyOf(m));
        }

        /** The first difference from {@code before}, or null when every block is as it was. */
        String changedSince(Snapshot before) {
            for (Map.Entry<Path, Stamp> e : before.blocks().entrySet()) {
                Stamp now = blocks.get(e.getKey());
                if (now == null) {
                    return e.getKey() + " is gone";
                }
                if (!Objects.equals(now, e.getValue())) {
                    return e.getKey() + " changed: " + e.getValue() + " -> " + now;
                }
            }
            for (Path p : blocks.keySet()) {
                if (!before.blocks().containsKey(p)) {
                    return p + " appeared";
                }
            }
            return null;
        }
    }
}
