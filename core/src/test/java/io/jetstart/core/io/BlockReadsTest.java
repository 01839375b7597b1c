package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockReadsTest {
    @TempDir
    Path tmp;

    private Path file(int size, long seed) throws Exception {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        Path f = tmp.resolve(seed + ".blk");
        Files.write(f, bytes);
        return f;
    }

    @Test
    void onThisJdkBlocksAreCopiedThroughAMapping() {
        // The build and its tests run on JDK 25: the mapped copy must be found, or every rebuild
        // silently pays the channel read's second copy.
        assertThat(Runtime.version().feature()).isGreaterThanOrEqualTo(22);
        assertThat(BlockReads.mapped()).isTrue();
    }

    @Test
    void theMappedCopyAndTheChannelReadReadTheSameBytes() throws Exception {
        for (int size : new int[] {1, 4095, 4096, 4097, 1 << 20, (3 << 20) + 17}) {
            Path f = file(size, size);
            byte[] expected = Files.readAllBytes(f);
            byte[] mapped = new byte[size + 10];
            byte[] read = new byte[size + 10];
            assertThat(BlockReads.mappedCopy(f, mapped, size)).as("mapped, %d bytes", size).isEqualTo(size);
            assertThat(BlockReads.channelRead(f, read, size)).as("channel, %d bytes", size).isEqualTo(size);
            assertThat(Arrays.copyOf(mapped, size)).as("mapped, %d bytes", size).isEqualTo(expected);
            assertThat(Arrays.copyOf(read, size)).as("channel, %d bytes", size).isEqualTo(expected);
        }
    }

    @Test
    void aFileShorterThanItsStatSizeIsReadToItsEnd() throws Exception {
        // The size given is what was stat'ed; the file shrank since: both ways read what is there.
        Path f = file(5000, 5);
        assertThat(BlockReads.mappedCopy(f, new byte[8000], 8000)).isEqualTo(5000);
        assertThat(BlockReads.channelRead(f, new byte[8000], 8000)).isEqualTo(5000);
        assertThat(BlockReads.read(f, new byte[8000], 8000)).isEqualTo(5000);
    }

    @Test
    void growthPastTheGivenSizeIsNotRead() throws Exception {
        Path f = file(5000, 6);
        byte[] buf = new byte[5000];
        assertThat(BlockReads.read(f, buf, 3000)).isEqualTo(3000);
        assertThat(Arrays.copyOfRange(buf, 3000, 5000)).containsOnly(0);
    }

    @Test
    void anEmptyFileReadsAsNothing() throws Exception {
        Path f = tmp.resolve("empty.blk");
        Files.write(f, new byte[0]);
        assertThat(BlockReads.read(f, new byte[16], 16)).isZero();
        assertThat(BlockReads.read(f, new byte[0], 0)).isZero();
    }

    @Test
    void anInterruptedReaderGetsTheChannelsCancellationExceptionOnBothPaths() throws Exception {
        for (int size : new int[] {10_000, BlockReads.MAPPED_MIN_BYTES}) {
            Path f = file(size, 7 + size);
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> BlockReads.read(f, new byte[size], size)).as("%d bytes", size)
                        .isInstanceOf(ClosedByInterruptException.class);
            } finally {
                Thread.interrupted();
            }
        }
    }

    @Test
    void aBigFileIsReadWholeWhicheverPathTakesIt() throws Exception {
        int size = BlockReads.MAPPED_MIN_BYTES + 4099;
        Path f = file(size, 8);
        byte[] buf = new byte[size];
        assertThat(BlockReads.read(f, buf, size)).isEqualTo(size);
        assertThat(buf).isEqualTo(Files.readAllBytes(f));
    }
}
