package io.jetstart.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/** The repository's fixtures folder, copies of its stores, and the damage the tests do to those copies. */
final class Fixtures {
    private Fixtures() {
    }

    /** The repository's {@code testdata/fixtures} (or {@code jetstart.fixtures}), through core's one locator. */
    static Path root() {
        return io.jetstart.core.testing.Fixtures.root();
    }

    /** The repository root: the folder holding the parent pom and docs/. */
    static Path repository() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("metrics"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath());
    }

    static Path copyStore(String fixture, Path into) {
        return io.jetstart.core.testing.Fixtures.copyStore(fixture, into);
    }

    static Path stream(Path store, String name) {
        return store.resolve("jetstream").resolve("$G").resolve("streams").resolve(name);
    }

    /** index.db to 0 bytes (as after a crash mid-write): the stream must be rebuilt from its blocks. */
    static void truncateIndex(Path streamDir) throws IOException {
        try (FileChannel ch = FileChannel.open(streamDir.resolve("msgs").resolve("index.db"), StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
    }

    /**
     * Flips the last hashed byte of the block's last record (the byte before its 8-byte checksum)
     * and returns that record's length: the bytes a reader can no longer trust. Records are found
     * by their length words alone (spec 3.2: u32 little-endian, top bit = has headers).
     */
    static long corruptLastRecord(Path block) throws IOException {
        byte[] bytes = Files.readAllBytes(block);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int start = 0;
        int last = -1;
        while (start + 4 <= bytes.length) {
            int len = b.getInt(start) & 0x7FFF_FFFF;
            if (len <= 0 || start + len > bytes.length) {
                throw new IllegalStateException("unexpected record length " + len + " at " + start + " in " + block);
            }
            last = start;
            start += len;
        }
        int victim = bytes.length - 9;
        bytes[victim] ^= 0x5A;
        Files.write(block, bytes);
        return bytes.length - last;
    }
}
