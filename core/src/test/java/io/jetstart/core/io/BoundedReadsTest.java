package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
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
    private Path file(String name, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return Files.write(tmp.resolve(name), data);
    }

    @Test
    void aReusedFirstBufferGivesEachFileExactlyItsOwnBytes() throws Exception {
        // Larger files first, then smaller ones: a read that copied more than it read, or kept
        // the buffer, would hand a small file the tail of the larger one before it.
        ReadBuffer first = new ReadBuffer();
        int[] sizes = {1000, 10, 0, 1024, 1, 1025, 3, 5000, 700, 1023, 16};
        byte[] previous = null;
        for (int i = 0; i < sizes.length; i++) {
            Path f = file("r" + i, sizes[i], 1000 + i);
            byte[] read = BoundedReads.readAll(f, 1 << 20, DiskGate.unbounded(), first);
            assertThat(read).as("file %d of %d bytes", i, sizes[i]).isEqualTo(Files.readAllBytes(f));
            if (previous != null) {
                assertThat(read).as("file %d", i).isNotSameAs(previous);
            }
            previous = read;
        }
    }

    @Test
    void aCallerChangingWhatItGotChangesNothingTheNextReadGets() throws Exception {
        ReadBuffer first = new ReadBuffer();
        Path a = file("a", 500, 1);
        Path b = file("b", 400, 2);
        byte[] got = BoundedReads.readAll(a, 1 << 20, DiskGate.unbounded(), first);
        Arrays.fill(got, (byte) 0x5a);
        assertThat(BoundedReads.readAll(b, 1 << 20, DiskGate.unbounded(), first)).isEqualTo(Files.readAllBytes(b));
        assertThat(BoundedReads.readAll(a, 1 << 20, DiskGate.unbounded(), first)).isEqualTo(Files.readAllBytes(a));
    }

    @Test
    void aFileTruncatedSinceItsLastReadGivesOnlyWhatIsLeft() throws Exception {
        ReadBuffer first = new ReadBuffer();
        Path f = file("t", 900, 3);
        byte[] whole = Files.readAllBytes(f);
        assertThat(BoundedReads.readAll(f, 1 << 20, DiskGate.unbounded(), first)).isEqualTo(whole);
        try (var ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(5);
        }
        assertThat(BoundedReads.readAll(f, 1 << 20, DiskGate.unbounded(), first)).isEqualTo(Arrays.copyOf(whole, 5));
        try (var ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        assertThat(BoundedReads.readAll(f, 1 << 20, DiskGate.unbounded(), first)).isEmpty();
    }

    @Test
    void aFileLargerThanTheReusedBufferIsStillCheckedAgainstItsLimitFirst() throws Exception {
        ReadBuffer first = new ReadBuffer();
        Path big = file("big", 70_000, 4);
        Path small = file("small", 20, 5);
        assertThatThrownBy(() -> BoundedReads.readAll(big, 69_999, DiskGate.unbounded(), first))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(big + " is 70000 bytes, more than the 69999 bytes allowed");
        assertThatThrownBy(() -> BoundedReads.readAll(big, 1000, DiskGate.unbounded(), first))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(big + " is 70000 bytes, more than the 1000 bytes allowed");
        assertThat(BoundedReads.readAll(big, 70_000, DiskGate.unbounded(), first)).isEqualTo(Files.readAllBytes(big));
        assertThat(BoundedReads.readAll(small, 1 << 20, DiskGate.unbounded(), first)).isEqualTo(Files.readAllBytes(small));
    }

    @Test
    void threadsSharingOneBufferEachGetTheirOwnFilesBytes() throws Exception {
        // A stream's consumers may load on threads of their own with the stream's buffer: a read
        // never gets an array another read is filling. Seeded files; each thread reads its own.
        ReadBuffer first = new ReadBuffer();
        int threads = 4;
        Path[] files = new Path[threads];
        byte[][] expected = new byte[threads][];
        for (int t = 0; t < threads; t++) {
            files[t] = file("c" + t, 200 + 250 * t, 77 + t);
            expected[t] = Files.readAllBytes(files[t]);
        }
        AtomicReference<String> wrong = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int me = t;
            workers[t] = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 2_000 && wrong.get() == null; i++) {
                        byte[] got = BoundedReads.readAll(files[me], 1 << 20, DiskGate.unbounded(), first);
                        if (!Arrays.equals(got, expected[me])) {
                            wrong.compareAndSet(null, "thread " + me + " read " + got.length + " bytes, not its file's, at read " + i);
                        }
                    }
                } catch (Exception e) {
                    wrong.compareAndSet(null, "thread " + me + ": " + e);
                }
            });
            workers[t].start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertThat(wrong.get()).isNull();
    }
}
