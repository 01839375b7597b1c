package io.jetstart.bench;

import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Per-stream readiness: a store with a few big streams whose {@code index.db} is dropped (so each
 * is rebuilt from its blocks) and one small stream. Times, from {@link JetStart#open}, the small
 * stream's first publish ack and the whole recovery's completion ({@link JetStartStore#recovery()}).
 *
 * <p>The big streams are {@code S1..Sn} as {@code jetstart generate} writes them; the small one is
 * {@code SMALL}, which sorts after them, so it is not served first because of its name.
 */
final class OpenBench {
    static final String SMALL = "SMALL";

    /** One open: the small stream's first ack and the whole recovery, both from the open call. */
    record OpenSample(long smallAckNanos, long recoveryNanos, long messages, String failure) {
        boolean ok() {
            return failure == null;
        }
    }

    private final Path storeDir;
    private final GeneratorSpec spec;

    OpenBench(Path storeDir, int streams, long messagesPerStream, int size) {
        this.storeDir = storeDir;
        this.spec = GeneratorSpec.of(streams, messagesPerStream, size);
    }

    /** Writes the big streams (as {@code jetstart generate}) and the small one (with the runtime). */
    void prepare() throws IOException, InterruptedException {
        Path streamsDir = StoreGenerator.prepare(storeDir, spec);
        for (int i = 1; i <= spec.streams(); i++) {
            StoreGenerator.writeStream(streamsDir, i, spec);
        }
        try (JetStartStore store = JetStart.open(storeDir, RuntimeOptions.defaults())) {
            store.recovery().join();
            JetStartStream s = store.createStream(JetStartStore.DEFAULT_ACCOUNT, InProcessPublish.streamConfig(SMALL, "small"));
            for (int i = 0; i < 10; i++) {
                s.publish("small", Headers.EMPTY, InProcessPublish.payload(spec.payload()));
            }
        }
    }

    OpenSample runOnce(long timeoutNanos) throws IOException, InterruptedException {
        // The runtime rewrites every index.db at close: drop the big streams' again before each open.
        Path streamsDir = storeDir.resolve("jetstream").resolve(spec.account()).resolve("streams");
        for (int i = 1; i <= spec.streams(); i++) {
            Files.deleteIfExists(streamsDir.resolve(StoreGenerator.streamName(i)).resolve("msgs").resolve("index.db"));
        }
        byte[] payload = InProcessPublish.payload(spec.payload());
        long t0 = System.nanoTime();
        try (JetStartStore store = JetStart.open(storeDir, RuntimeOptions.defaults())) {
            JetStartStream small = store.stream(SMALL).ready().get(timeoutNanos, TimeUnit.NANOSECONDS);
            small.publish("small", Headers.EMPTY, payload);
            long smallAck = System.nanoTime() - t0;
            RecoveryReport report = store.recovery().get(timeoutNanos, TimeUnit.NANOSECONDS);
            long recovered = System.nanoTime() - t0;
            long messages = store.served().stream().mapToLong(s -> s.info().messages()).sum();
            long expected = spec.streams() * spec.messages();
            long bigMessages = messages - small.info().messages();
            String failure = bigMessages == expected ? null
                    : "the big streams hold " + bigMessages + " messages, expected " + expected + " (" + report.streams().size() + " streams)";
            return new OpenSample(smallAck, recovered, messages, failure);
        } catch (ExecutionException e) {
            return new OpenSample(-1, -1, 0, "open failed: " + e.getCause());
        } catch (TimeoutException e) {
            return new OpenSample(-1, -1, 0, "not ready within " + timeoutNanos / 1_000_000_000L + " s");
        }
    }

    GeneratorSpec spec() {
        return spec;
    }
}
