package io.jetstart.core.io;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The one-call file checks that run through a {@link DiskGate} ({@code Files.isDirectory},
 * {@code Files.exists}, {@code Files.size}), as named classes rather than a lambda at each call.
 *
 * <p>Design note: discovery and a stream's open run these on the first stream's way, once per
 * open; in a fresh JVM whose AOT cache links no call site ahead of time (docs/embedding.md), each
 * lambda's class is spun at run time there, ~0.4 ms apiece (docs/benchmarks-passes.md, "Per-stream
 * readiness", sixth pass).
 */
public final class FileChecks {
    private FileChecks() {
    }

    /** {@code Files.isDirectory(path)}. */
    public static DiskGate.Io<Boolean> isDirectory(Path path) {
        return new IsDirectory(path);
    }

    /** {@code Files.exists(path)}. */
    public static DiskGate.Io<Boolean> exists(Path path) {
        return new Exists(path, false);
    }

    /** {@code Files.exists(path, NOFOLLOW_LINKS)}. */
    public static DiskGate.Io<Boolean> existsNoFollow(Path path) {
        return new Exists(path, true);
    }

    /** {@code Files.size(path)}. */
    public static DiskGate.Io<Long> size(Path path) {
        return new Size(path);
    }

    private record IsDirectory(Path path) implements DiskGate.Io<Boolean> {
        @Override
        public Boolean call() {
            return Files.isDirectory(path);
        }
    }

    private record Exists(Path path, boolean noFollow) implements DiskGate.Io<Boolean> {
        @Override
        public Boolean call() {
            return noFollow ? Files.exists(path, LinkOption.NOFOLLOW_LINKS) : Files.exists(path);
        }
    }

    private record Size(Path path) implements DiskGate.Io<Long> {
        @Override
        public Long call() throws java.io.IOException {
            return Files.size(path);
        }
    }
}
