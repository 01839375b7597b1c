package io.jetstart.runtime;

import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.meta.MetaFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes the temp files a kill left in a stream's directories: every file the writer replaces
 * ({@code meta.inf}, {@code meta.sum}, {@code meta.key}; {@code index.db}, {@code <n>.blk},
 * {@code <n>.key}) goes through a temp file {@code .<name>.<random>.tmp} ({@link AtomicFiles}), and
 * a kill between its creation and its rename leaves it there for good: up to a block's size each,
 * one more per crash (RemovalCrashIT found them in about one kill in five on encrypted streams).
 * Nobody reads them (nats-server 2.10's block listing skips a leading dot), so only space is lost.
 *
 * <p>Run when the stream's writer starts, on its thread, before its first operation: the store's
 * lock keeps other processes out and the writer is the only one to write those files, so no temp
 * file it removes is one being written. Only exact temp names of those files are removed; anything
 * else (a consumer's files under {@code obs/}, an operator's own files, nats-server's) stays.
 */
final class LeftoverTempFiles {
    private LeftoverTempFiles() {
    }

    /** Removes the leftover temp files of {@code streamDir} and its {@code msgs} directory; returns them. */
    static List<Path> remove(Path streamDir, Path msgsDir) throws IOException {
        List<Path> removed = new ArrayList<>(AtomicFiles.removeLeftoverTemps(streamDir, Ours.STREAM_DIR));
        removed.addAll(AtomicFiles.removeLeftoverTemps(msgsDir, Ours.MSGS_DIR));
        return removed;
    }

    /**
     * Which files of a directory are the writer's, as named predicates: a method reference here spun
     * a {@code $$Lambda} class on each fresh JVM's writer start, which under load fell before the
     * first stream was served (NoBootstrapsOnServePathTest).
     */
    private enum Ours implements java.util.function.Predicate<String> {
        STREAM_DIR, MSGS_DIR;

        @Override
        public boolean test(String name) {
            return this == STREAM_DIR ? streamFile(name) : msgsFile(name);
        }
    }

    static boolean streamFile(String name) {
        return name.equals(MetaFiles.META_INF) || name.equals(MetaFiles.META_SUM) || name.equals(MetaFiles.META_KEY);
    }

    static boolean msgsFile(String name) {
        if (name.equals("index.db")) {
            return true;
        }
        int dot = name.indexOf('.');
        if (dot < 1 || !(name.endsWith(".blk") || name.endsWith(".key")) || dot != name.length() - 4) {
            return false;
        }
        for (int i = 0; i < dot; i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
