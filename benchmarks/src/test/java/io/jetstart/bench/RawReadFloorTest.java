package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawReadFloorTest {
    @Test
    void everyBlockByteIsReadAndNothingElse(@TempDir Path dir) throws IOException, InterruptedException {
        Path msgs = Files.createDirectories(dir.resolve("jetstream/$G/streams/S1/msgs"));
        Files.write(msgs.resolve("1.blk"), new byte[1000]);
        Files.write(msgs.resolve("2.blk"), new byte[3000]);
        Files.write(msgs.resolve("index.db"), new byte[500]);
        List<Path> files = RawReadFloor.blockFiles(dir);
        RawReadFloor.Result r = RawReadFloor.read(files, 3);
        assertThat(r.bytes()).isEqualTo(4000);
        assertThat(r.files()).isEqualTo(2);
        assertThat(r.threads()).isEqualTo(3);
    }

    @Test
    void blocksAreListedLargestFirst(@TempDir Path dir) throws IOException {
        Path msgs = Files.createDirectories(dir.resolve("msgs"));
        Files.write(msgs.resolve("1.blk"), new byte[10]);
        Files.write(msgs.resolve("2.blk"), new byte[30]);
        Files.write(msgs.resolve("3.blk"), new byte[20]);
        assertThat(RawReadFloor.blockFiles(dir)).extracting(p -> p.getFileName().toString())
                .containsExactly("2.blk", "3.blk", "1.blk");
    }
}
