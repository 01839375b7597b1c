package io.jetstart.bench;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PullConsumer;
import io.jetstart.runtime.RuntimeOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a filtered consumer's first fetch costs for its {@code num_pending} (the count of the
 * matching messages after it, which the ack reply carries): a stream of small messages over many
 * subjects is written once, the store reopened (nothing of it in memory), then consumers with
 * different filters each fetch one message, no wait; for each, the wall time of that fetch and the
 * bytes this process read from files meanwhile ({@code rchar} of {@code /proc/self/io}, so page
 * cache hits count). A one-off harness run by hand (docs/BENCHMARKS.md's index, area "consume"),
 * not a timed test:
 *
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar io.jetstart.bench.FirstFetchPending DIR [messages] [subjects]
 * </pre>
 */
public final class FirstFetchPending {
    private FirstFetchPending() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: FirstFetchPending DIR [messages (1000000)] [subjects (1000)]");
            System.exit(64);
        }
        Path dir = Path.of(args[0]);
        long messages = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000;
        int subjects = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        if (!Files.exists(dir.resolve("jetstream"))) {
            write(dir, messages, subjects);
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("$G", "P").await(Duration.ofMinutes(5));
            // p.7 first (nothing of the stream in memory), then p.8 and p.* (what the first left in memory).
            for (String filter : List.of("p.7", "p.8", "p.*")) {
                PullConsumer c = s.createConsumer("{\"durable_name\":\"C" + filter.replace('.', '_').replace('*', 'W')
                        + "\",\"ack_policy\":\"explicit\",\"filter_subject\":\"" + filter + "\"}");
                long read = rchar();
                long t0 = System.nanoTime();
                List<ConsumedMessage> got = c.fetch(1, 0, Duration.ZERO);
                long ns = System.nanoTime() - t0;
                long bytes = rchar() - read;
                System.out.printf("filter %-4s first fetch %8.1f ms, read %,d bytes, pending %d%n", filter, ns / 1e6, bytes,
                        got.isEmpty() ? -1 : got.getFirst().pending());
            }
        }
    }

    private static void write(Path dir, long messages, int subjects) throws Exception {
        try (JetStartStore store = JetStart.open(Files.createDirectories(dir), RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", StreamConfig.parse(
                    "{\"name\":\"P\",\"subjects\":[\"p.*\"]}".getBytes(StandardCharsets.UTF_8)));
            byte[] payload = new byte[16];
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            for (long i = 0; i < messages; i++) {
                inFlight.add(s.publishAsync("p." + (i % subjects), io.jetstart.runtime.Headers.EMPTY, payload));
                if (inFlight.size() == 10_000) {
                    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
                    inFlight.clear();
                }
            }
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
        }
    }

    /** Bytes this process has read through read calls so far (Linux), -1 elsewhere. */
    private static long rchar() throws IOException {
        Path io = Path.of("/proc/self/io");
        if (!Files.exists(io)) {
            return -1;
        }
        for (String line : Files.readAllLines(io)) {
            if (line.startsWith("rchar:")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        return -1;
    }
}
