package io.jetstart.bench;

import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.ConsumerStatus;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PublishAck;
import io.jetstart.runtime.PullConsumer;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The embedded runtime in this JVM: a store in {@code dir} with stream {@code BENCH}, filled once
 * with publishAsync; each run fetches and acks through {@link PullConsumer} on one thread, as an
 * application would.
 */
final class RuntimeConsumeSide implements ConsumeSide {
    private final JetStartStore store;
    private final JetStartStream stream;
    private final ConsumeBench.Settings settings;
    private final long lastSeq;

    RuntimeConsumeSide(Path dir, ConsumeBench.Settings settings) throws Exception {
        this.settings = settings;
        this.store = JetStart.open(dir, RuntimeOptions.defaults());
        try {
            this.stream = store.createStream(JetStartStore.DEFAULT_ACCOUNT, StreamConfig.builder("BENCH").subjects("bench.>").build());
            byte[] payload = ConsumeBench.payload(settings.size());
            CompletableFuture<PublishAck> last = null;
            for (long i = 0; i < settings.messages(); i++) {
                last = stream.publishAsync("bench." + (i & 7), null, payload);
            }
            this.lastSeq = last == null ? 0 : last.get().seq();
            stream.flush();
        } catch (Exception | Error e) {
            store.close();
            throw e;
        }
    }

    @Override
    public String label() {
        return "jetstart runtime (in process)";
    }

    @Override
    public long consumeAll(int run) throws Exception {
        String name = "BENCH" + run;
        PullConsumer c = stream.createConsumer(ConsumerConfig.builder().durableName(name).build());
        long n = 0;
        long t0 = System.nanoTime();
        while (n < settings.messages()) {
            List<ConsumedMessage> batch = c.fetch(settings.batch(), 0, Duration.ofSeconds(5));
            if (batch.isEmpty()) {
                throw new IllegalStateException("runtime: fetch returned nothing after " + n + " of " + settings.messages());
            }
            for (ConsumedMessage m : batch) {
                m.ack();
            }
            n += batch.size();
        }
        ConsumerStatus st = c.status();
        long took = System.nanoTime() - t0;
        if (st.ackFloor().streamSeq() != lastSeq || st.numAckPending() != 0) {
            throw new IllegalStateException("runtime: after " + n + " acks the ack floor is " + st.ackFloor() + " with "
                    + st.numAckPending() + " pending, expected stream seq " + lastSeq);
        }
        stream.deleteConsumer(name);
        return took;
    }

    @Override
    public void close() throws Exception {
        store.close();
    }
}
