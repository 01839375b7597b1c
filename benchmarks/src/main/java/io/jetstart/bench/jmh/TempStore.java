package io.jetstart.bench.jmh;

import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** A one-stream store generated into a temp folder for a benchmark's setup, deleted at tear-down. */
final class TempStore implements AutoCloseable {
    private final Path dir;
    private final Path msgs;

    private TempStore(Path dir, Path msgs) {
        this.dir = dir;
        this.msgs = msgs;
    }

    /** Stream {@code S1} with the given spec (streams must be 1). */
    static TempStore generate(GeneratorSpec spec) throws IOException {
        if (spec.streams() != 1) {
            throw new IllegalArgumentException("one stream, got " + spec.streams());
        }
        Path dir = Files.createTempDirectory("jetstart-jmh-");
        StoreGenerator.generate(dir, spec, (d, w) -> { });
        Path msgs = dir.resolve("jetstream").resolve(spec.account()).resolve("streams")
                .resolve(StoreGenerator.streamName(1)).resolve("msgs");
        return new TempStore(dir, msgs);
    }

    byte[] read(String fileInMsgs) throws IOException {
        return Files.readAllBytes(msgs.resolve(fileInMsgs));
    }

    @Override
    public void close() throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
