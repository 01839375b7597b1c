package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessMemoryTest {
    @Test
    void aStatusFieldInKilobytesIsReturnedInBytes(@TempDir Path dir) throws IOException {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nVmPeak:\t 4000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t 80000 kB\n");
        assertThat(ProcessMemory.statusField(status, "VmHWM:")).isEqualTo(81_234L * 1024);
    }

    @Test
    void anAbsentFieldOrFileIsMinusOne(@TempDir Path dir) throws IOException {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\n");
        assertThat(ProcessMemory.statusField(status, "VmHWM:")).isEqualTo(-1);
        assertThat(ProcessMemory.statusField(dir.resolve("missing"), "VmHWM:")).isEqualTo(-1);
    }

    @Test
    void theHeapPeakOfThisJvmIsPositive() {
        assertThat(ProcessMemory.peakHeapBytes()).isPositive();
    }
}
