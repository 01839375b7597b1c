package io.jetstart.bench;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes N messages of one size to a new stream of a new store with the embedded runtime, in
 * this JVM, and times it from the first publish to the last ack. Latency is per message, from the
 * call that hands it to the writer to the ack. Opening the store, creating the stream and the
 * closing sync are outside the clock (nats-server's rows do not time its start either).
 */
final class InProcessPublish {
    static final String STREAM = "BENCH";
    static final String SUBJECT = "bench";

    private InProcessPublish() {
    }

    static PublishSample run(Path storeDir, PublishVariant.InProcess v, long messages, int size, int window)
            throws IOException, InterruptedException {
        int n = Math.toIntExact(messages);
        byte[] payload = payload(size);
        long[] latencies = new long[n];
        BatchLog batches = new BatchLog();
        long elapsed;
        java.nio.file.Files.createDirectories(storeDir);
        try (JetStartStore store = JetStart.open(storeDir, RuntimeOptions.defaults().withSync(v.sync()))) {
            store.recovery().join();
            store.addCommitListener(b -> batches.add(b.bytes()));
            JetStartStream s = store.createStream(JetStartStore.DEFAULT_ACCOUNT, streamConfig(STREAM, SUBJECT));
            long t0 = System.nanoTime();
            if (v.async()) {
                publishAsync(s, payload, latencies, window);
            } else {
                publishSync(s, payload, latencies, v.publishers());
            }
            elapsed = System.nanoTime() - t0;
            long stored = s.info().messages();
            if (stored != n) {
                return PublishSample.failed("the stream holds " + stored + " messages, expected " + n);
            }
        }
        return PublishSample.of(latencies, elapsed, batches.toArray());
    }

    /** A limits stream of one subject, every other field nats-server's default. */
    static StreamConfig streamConfig(String name, String subject) {
        return StreamConfig.builder(name).subjects(subject).build();
    }

    static byte[] payload(int size) {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) ('a' + i % 26);
        }
        return p;
    }

    /** Each virtual thread publishes every P-th message and waits for its ack before the next. */
    private static void publishSync(JetStartStream s, byte[] payload, long[] latencies, int publishers) throws InterruptedException {
        List<Future<?>> parts = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int j = 0; j < publishers; j++) {
                int first = j;
                parts.add(ex.submit(() -> {
                    for (int i = first; i < latencies.length; i += publishers) {
                        long t = System.nanoTime();
                        s.publish(SUBJECT, Headers.EMPTY, payload);
                        latencies[i] = System.nanoTime() - t;
                    }
                    return null;
                }));
            }
        }
        for (Future<?> f : parts) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a publisher failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /** One thread keeps up to {@code window} publishes in flight, as a jnats async publisher is driven. */
    private static void publishAsync(JetStartStream s, byte[] payload, long[] latencies, int window) throws InterruptedException {
        Semaphore inFlight = new Semaphore(window);
        AtomicReference<Throwable> error = new AtomicReference<>();
        for (int i = 0; i < latencies.length && error.get() == null; i++) {
            inFlight.acquire();
            int slot = i;
            long t = System.nanoTime();
            s.publishAsync(SUBJECT, Headers.EMPTY, payload).whenComplete((ack, e) -> {
                latencies[slot] = System.nanoTime() - t;
                if (e != null) {
                    error.compareAndSet(null, e);
                }
                inFlight.release();
            });
        }
        if (!inFlight.tryAcquire(window, 10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("acks still missing after 10 minutes");
        }
        if (error.get() != null) {
            throw new IllegalStateException("a publish failed: " + error.get(), error.get());
        }
    }

    /**
     * The committed batches' bytes. Appended on the stream's one writer thread only; read after
     * the store is closed (the writer thread has been joined, which orders its writes before).
     */
    private static final class BatchLog {
        private long[] bytes = new long[1024];
        private int size;

        void add(long b) {
            if (size == bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, size * 2);
            }
            bytes[size++] = b;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(bytes, size);
        }
    }
}
