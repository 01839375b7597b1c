package io.jetstart.bench;

import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The raw-read floor: the time to read every block file's bytes into memory with a given number of
 * threads, and nothing else (no parsing, no checksum, no gate). A rebuild cannot beat it on the
 * same machine, so {@code jetstart / floor} says how much of a rebuild is work beyond I/O.
 *
 * <p>Design note: platform threads pull files from one shared list, largest first (the order the
 * recovery plan uses), each into its own reused array, as a recovery worker does with its leased
 * block buffer; each file is read by the recovery's own {@link BlockFiles#readRaw} (through a
 * short-lived memory mapping on Java 22+), with a gate that never waits.
 */
final class RawReadFloor {
    /** Bytes and files read, and how long it took. */
    record Result(long bytes, int files, int threads, long nanos) {
    }

    private RawReadFloor() {
    }

    /** Every {@code *.blk} under {@code storeDir}, largest first. */
    static List<Path> blockFiles(Path storeDir) throws IOException {
        try (Stream<Path> s = Files.walk(storeDir)) {
            List<Path> files = new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(".blk"))
                    .filter(Files::isRegularFile).toList());
            List<long[]> sizes = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                sizes.add(new long[] {Files.size(files.get(i)), i});
            }
            sizes.sort(Comparator.comparingLong((long[] a) -> a[0]).reversed().thenComparingLong(a -> a[1]));
            List<Path> out = new ArrayList<>(files.size());
            for (long[] a : sizes) {
                out.add(files.get((int) a[1]));
            }
            return out;
        }
    }

    static Result read(List<Path> files, int threads) throws IOException, InterruptedException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        long total = 0;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> parts = new ArrayList<>(threads);
            for (int t = 0; t < threads; t++) {
                parts.add(pool.submit(() -> readSome(files, next)));
            }
            for (Future<Long> f : parts) {
                total += f.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException("raw read failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return new Result(total, files.size(), threads, System.nanoTime() - start);
    }

    private static long readSome(List<Path> files, AtomicInteger next) {
        // One buffer per thread, reused, as a worker's leased block buffer is.
        BlockBuffers buffers = new BlockBuffers(1);
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        long bytes = 0;
        for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
            try {
                bytes += BlockFiles.readRaw(files.get(i), buffers, lease, DiskGate.unbounded());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("raw read interrupted", e);
            } finally {
                if (lease[0] != null) {
                    lease[0].close();
                    lease[0] = null;
                }
            }
        }
        return bytes;
    }
}
