package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundedReadsTest {
    @TempDir
    Path tmp;

    private Path file(int size) throws IOException {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return Files.write(tmp.resolve("f" + size), data);
    }

    @Test
    void readsAWholeFileInOneGateOperation() throws Exception {
        Path f = file(100_000);
        CountingDiskGate gate = new CountingDiskGate(1);
        assertThat(BoundedReads.readAll(f, 1 << 20, gate)).isEqualTo(Files.readAllBytes(f));
        assertThat(gate.operations()).isEqualTo(1);
    }

    @Test
    void readsAnEmptyFile() throws Exception {
        assertThat(BoundedReads.readAll(file(0), 10, DiskGate.unbounded())).isEmpty();
    }

    @Test
    void readsAFileOfExactlyTheLimit() throws Exception {
        assertThat(BoundedReads.readAll(file(64), 64, DiskGate.unbounded())).hasSize(64);
    }

    @Test
    void readsFilesAroundTheFirstReadsSizeWhole() throws Exception {
        // The plain read takes a small file in one read of up to 1 KiB and asks the size only when
        // that fills: the sizes just under, at and over it, and far over it, all read whole.
        for (int size : new int[] {1, 1023, 1024, 1025, 2048, 8193, 70_000}) {
            Path f = file(size);
            assertThat(BoundedReads.readAll(f, 1 << 20, DiskGate.unbounded())).as("size %d", size)
                    .isEqualTo(Files.readAllBytes(f));
            assertThat(BoundedReads.readAll(f, size, DiskGate.unbounded())).as("size %d at its limit", size)
                    .isEqualTo(Files.readAllBytes(f));
        }
    }

    @Test
    void refusesAFileOneByteOverTheLimitWhereverTheLimitFallsAgainstTheFirstRead() throws Exception {
        for (int size : new int[] {1, 1024, 1025, 5000}) {
            Path f = file(size);
            long limit = size - 1;
            assertThatThrownBy(() -> BoundedReads.readAll(f, limit, DiskGate.unbounded())).as("size %d", size)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(f + " is " + size + " bytes, more than the " + limit + " bytes allowed");
        }
    }

    @Test
    void aZeroLimitReadsAnEmptyFileAndRefusesAnyOther() throws Exception {
        assertThat(BoundedReads.readAll(file(0), 0, DiskGate.unbounded())).isEmpty();
        Path one = file(1);
        assertThatThrownBy(() -> BoundedReads.readAll(one, 0, DiskGate.unbounded()))
                .isInstanceOf(IOException.class).hasMessageContaining("is 1 bytes, more than the 0 bytes allowed");
    }

    @Test
    void refusesAFileOverTheLimitNamingTheFileAndBothSizes() throws Exception {
        Path f = file(65);
        assertThatThrownBy(() -> BoundedReads.readAll(f, 64, DiskGate.unbounded()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("65 bytes").hasMessageContaining("64 bytes");
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        assertThatThrownBy(() -> BoundedReads.readAll(tmp.resolve("nope"), 10, DiskGate.unbounded()))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aThreadAlreadyInterruptedGetsTheChannelsCancellationOnBothReads() throws Exception {
        Path f = file(100);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> BoundedReads.readAll(f, 1 << 20, DiskGate.unbounded()))
                    .isInstanceOf(ClosedByInterruptException.class);
            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> BoundedReads.readTail(f, 8, DiskGate.unbounded()))
                    .isInstanceOf(ClosedByInterruptException.class);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aDirectoryIsRefusedWithAnIoExceptionAsBefore() {
        assertThatThrownBy(() -> BoundedReads.readAll(tmp, 1 << 20, DiskGate.unbounded()))
                .isInstanceOf(IOException.class).isNotInstanceOf(java.io.FileNotFoundException.class);
    }

    @Test
    void readsTheLastBytesOfAFile() throws Exception {
        Path f = file(1000);
        byte[] all = Files.readAllBytes(f);
        CountingDiskGate gate = new CountingDiskGate(1);
        assertThat(BoundedReads.readTail(f, 8, gate)).isEqualTo(Arrays.copyOfRange(all, 992, 1000));
        assertThat(gate.operations()).isEqualTo(1);
    }

    @Test
    void tailOfAShortFileIsTheWholeFile() throws Exception {
        Path f = file(5);
        assertThat(BoundedReads.readTail(f, 8, DiskGate.unbounded())).isEqualTo(Files.readAllBytes(f));
    }

    @Test
    void aFileThatGrowsWhileReadIsReadToItsNewEnd() throws Exception {
        // procfs reports size 0 and then yields content: the same as a file that grew after open.
        Path proc = Path.of("/proc/self/status");
        assumeTrue(Files.isReadable(proc) && Files.size(proc) == 0);
        byte[] read = BoundedReads.readAll(proc, 1 << 20, DiskGate.unbounded());
        assertThat(new String(read)).contains("Name:").endsWith("\n");
    }

    @Test
    void aFileThatGrowsPastTheLimitIsRefused() throws Exception {
        Path proc = Path.of("/proc/self/status");
        assumeTrue(Files.isReadable(proc) && Files.size(proc) == 0);
        assertThatThrownBy(() -> BoundedReads.readAll(proc, 16, DiskGate.unbounded()))
                .isInstanceOf(IOException.class).hasMessageContaining("16 bytes allowed");
    }
}
