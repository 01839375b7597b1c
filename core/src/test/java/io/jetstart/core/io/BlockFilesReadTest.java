package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.compress.BlockCompression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BlockFiles#read}: every block read gives the plaintext, whether the file is compressed or not. */
class BlockFilesReadTest {
    private static byte[] plain(int n) {
        byte[] b = new byte[n];
        Random r = new Random(5);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 97 < 60 ? 'a' + i % 13 : r.nextInt());
        }
        return b;
    }

    @Test
    void aCompressedBlockIsReadAsItsPlaintextInALeaseThatGrewToHoldIt(@TempDir Path tmp) throws Exception {
        byte[] plain = plain(3 << 20);
        byte[] stored = BlockCompression.compress(plain, 0, plain.length);
        Path file = tmp.resolve("1.blk");
        Files.write(file, stored);
        BlockBuffers buffers = new BlockBuffers(1);
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        BlockFiles.BlockRead r = BlockFiles.read(file, buffers, lease, DiskGate.unbounded());
        try {
            assertThat(r).isEqualTo(new BlockFiles.BlockRead(plain.length, stored.length, true));
            assertThat(Arrays.copyOf(lease[0].array(), r.length())).isEqualTo(plain);
        } finally {
            lease[0].close();
        }
    }

    @Test
    void aPlainBlockIsReadAsItIs(@TempDir Path tmp) throws Exception {
        byte[] plain = plain(100_000);
        Path file = tmp.resolve("1.blk");
        Files.write(file, plain);
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        BlockFiles.BlockRead r = BlockFiles.read(file, new BlockBuffers(1), lease, DiskGate.unbounded());
        try {
            assertThat(r).isEqualTo(new BlockFiles.BlockRead(plain.length, plain.length, false));
            assertThat(Arrays.copyOf(lease[0].array(), r.length())).isEqualTo(plain);
        } finally {
            lease[0].close();
        }
    }

    @Test
    void aBlockThatDoesNotDecodeNamesFileOffsetAndLengthAndLeavesTheBufferSmall(@TempDir Path tmp) throws Exception {
        // 40 bytes declaring 60 MiB of plaintext, whose S2 stream is cut: refused before the lease grows.
        byte[] stored = Arrays.copyOf(BlockCompression.compress(plain(1000), 0, 1000), 40);
        stored[4] = (byte) 0x80;
        stored[5] = (byte) 0x80;
        stored[6] = (byte) 0x80;
        stored[7] = (byte) 0x1e; // uvarint 60 MiB: the header grows to 8 bytes, the rest is garbage
        Path file = tmp.resolve("7.blk");
        Files.write(file, stored);
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        try {
            assertThatThrownBy(() -> BlockFiles.read(file, new BlockBuffers(1), lease, DiskGate.unbounded()))
                    .isInstanceOfSatisfying(CompressedBlockException.class, e -> {
                        assertThat(e.file()).isEqualTo(file);
                        assertThat(e.offset()).isBetween(4L, 40L);
                        assertThat(e.fileLength()).isEqualTo(40);
                        assertThat(e.getMessage()).startsWith(file + ": at offset ");
                    });
            assertThat(lease[0].array().length).as("nothing allocated for the declared plaintext").isLessThanOrEqualTo(1 << 20);
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
    }
}
