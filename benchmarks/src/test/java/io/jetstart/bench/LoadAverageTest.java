package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadAverageTest {
    @Test
    void theFirstFieldIsTheOneMinuteAverage(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("loadavg");
        Files.writeString(f, "9.58 5.58 3.30 4/612 5818\n");
        assertThat(LoadAverage.read(f)).isEqualTo(9.58);
    }

    @Test
    void anUnreadableFileIsMinusOne(@TempDir Path dir) {
        assertThat(LoadAverage.read(dir.resolve("none"))).isEqualTo(-1);
    }
}
