package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recovered stream's writer is ready at hand-over and holds no thread until something is offered
 * (WriterLoop.prepare / handedOver): a publish before the handle completes starts the writer's run
 * itself and is acked.
 */
class WriterThreadStartTest {
    @TempDir
    Path dir;

    @Test
    void aPublishBeforeTheHandOverStartsTheWriterThreadIsAckedAndTheStreamStaysWritable() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}")).publish("s", Headers.EMPTY, new byte[3]);
        }
        AtomicReference<Thread> atHandOver = new AtomicReference<>(Thread.currentThread());
        AtomicLong ackedAtHandOver = new AtomicLong();
        Thread writer;
        try (JetStartStore store = new JetStartStore(dir, RuntimeOptions.defaults())) {
            // Runs on the stream's task after its writer is ready, before the handle completes and
            // before the hand-over starts the writer's thread.
            store.beforeConsumerRestore(s -> {
                atHandOver.set(s.writer().thread());
                try {
                    ackedAtHandOver.set(s.publish("s", Headers.EMPTY, new byte[4]).seq());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            store.start();
            JetStartStream s = RuntimeTestSupport.open(store, "S");
            writer = s.writer().thread();

            // Until 2026-12 a platform thread was made (NEW) for every writable stream at its hand-over.
            assertThat(atHandOver.get()).as("the writer's thread at the hand-over").isNull();
            assertThat(ackedAtHandOver.get()).isEqualTo(2);
            assertThat(s.publish("s", Headers.EMPTY, new byte[5]).seq()).isEqualTo(3);
            assertThat(writer.isAlive()).isTrue();
        }
        assertThat(writer.isAlive()).isFalse();
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(3);
    }
}
