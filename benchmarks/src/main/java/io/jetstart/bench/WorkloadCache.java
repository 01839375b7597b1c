package io.jetstart.bench;

import io.jetstart.core.write.StoreGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Generated stores kept between bench runs, one folder per workload:
 *
 * <pre>
 *  &lt;cache&gt;/&lt;workload&gt;/store/jetstream/$G/streams/...   as generated, index.db intact (fast path)
 *  &lt;cache&gt;/&lt;workload&gt;/rebuild/jetstream/...            blocks linked, every index.db 0 bytes (rebuild)
 *  &lt;cache&gt;/&lt;workload&gt;/runs/                            scratch copies for server runs, deleted after each
 *  &lt;cache&gt;/&lt;workload&gt;/ready                            the generator spec; written last
 * </pre>
 *
 * A folder whose {@code ready} file is missing or names another spec is deleted and generated
 * again, with the same code {@code jetstart generate} runs (streams written in parallel, one per
 * core). Jetstart runs read {@code store} and {@code rebuild} directly: recovery writes nothing.
 */
final class WorkloadCache {
    private final Path root;

    /** A workload on disk. */
    record Prepared(Workload workload, Path dir, Path store, Path rebuild, int blockFiles, long blockBytes) {
        Path runs() {
            return dir.resolve("runs");
        }
    }

    WorkloadCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    Prepared prepare(Workload w, PrintStream log) throws IOException, InterruptedException {
        Path dir = root.resolve(w.name());
        Path store = dir.resolve("store");
        Path rebuild = dir.resolve("rebuild");
        Path ready = dir.resolve("ready");
        String key = w.cacheKey();
        boolean fresh = Files.isRegularFile(ready) && Files.readString(ready, StandardCharsets.UTF_8).equals(key)
                && Files.isDirectory(store) && Files.isDirectory(rebuild);
        if (!fresh) {
            StoreFiles.deleteTree(dir, root);
            Files.createDirectories(dir);
            log.printf(Locale.ROOT, "bench: generating %s (%s) into %s ...%n", w.name(), w.description(), store);
            long t0 = System.nanoTime();
            generate(store, w);
            StoreFiles.linkCopy(store, rebuild, true);
            Files.writeString(ready, key, StandardCharsets.UTF_8);
            log.printf(Locale.ROOT, "bench: generated %,d messages in %.1f s (kept for later runs)%n", w.totalMessages(),
                    (System.nanoTime() - t0) / 1e9);
        } else {
            log.printf(Locale.ROOT, "bench: reusing %s from %s%n", w.name(), dir);
        }
        StoreFiles.deleteTree(dir.resolve("runs"), root);
        List<Path> blocks = RawReadFloor.blockFiles(store);
        long bytes = 0;
        for (Path b : blocks) {
            bytes += Files.size(b);
        }
        return new Prepared(w, dir, store, rebuild, blocks.size(), bytes);
    }

    /** As {@code jetstart generate}: streams are independent files, written one per core at a time. */
    static void generate(Path store, Workload w) throws IOException, InterruptedException {
        Path streamsDir = StoreGenerator.prepare(store, w.spec());
        int threads = Math.min(w.spec().streams(), Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> parts = new ArrayList<>();
            for (int i = 1; i <= w.spec().streams(); i++) {
                int stream = i;
                parts.add(pool.submit(() -> StoreGenerator.writeStream(streamsDir, stream, w.spec())));
            }
            for (Future<Long> f : parts) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("generating " + w.name() + " failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
