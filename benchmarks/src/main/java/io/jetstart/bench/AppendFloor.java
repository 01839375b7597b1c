package io.jetstart.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The raw append floor of a publish row: the same bytes appended to one file with a FileChannel,
 * in the same batches the runtime's writer committed (one write per batch), with one fsync per
 * batch for sync always ({@code force(false)}, as the writer syncs). No record layout, no checksum,
 * no queue, no acks: what the disk and the kernel cost alone.
 */
final class AppendFloor {
    private AppendFloor() {
    }

    static PublishSample run(Path file, long messages, long[] batchBytes, boolean fsync) throws IOException {
        long max = 0;
        for (long b : batchBytes) {
            max = Math.max(max, b);
        }
        if (max > 64L << 20) {
            throw new IllegalArgumentException("a batch of " + max + " bytes is larger than the floor's 64 MiB buffer");
        }
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.max(1, max));
        while (buf.hasRemaining()) {
            buf.put((byte) 'x');
        }
        long t0;
        long elapsed;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            t0 = System.nanoTime();
            for (long b : batchBytes) {
                buf.clear().limit((int) b);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (fsync) {
                    ch.force(false);
                }
            }
            elapsed = System.nanoTime() - t0;
        }
        return new PublishSample(messages, elapsed, -1, -1, new long[0], null);
    }
}
