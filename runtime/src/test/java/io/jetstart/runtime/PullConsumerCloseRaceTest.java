package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jetstart.core.meta.StreamConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link PullConsumer#consume} loop and a close that falls between the loop's making and its
 * registration (the {@code beforeConsumeRegistered} seam holds the caller exactly there; no timing).
 */
class PullConsumerCloseRaceTest {
    @TempDir
    Path dir;

    @Test
    void aConsumeThatACloseOvertakesIsRefusedAndNoHandlerRunsAfterCloseReturned() throws Exception {
        AtomicReference<Thread> loop = new AtomicReference<>();
        AtomicBoolean inside = new AtomicBoolean();
        AtomicBoolean insideWhenCloseReturned = new AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Throwable refused;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", StreamConfig.builder("S").subjects("s.*").build());
            for (int i = 0; i < 3; i++) {
                s.publish("s.x", bytes("m" + i));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            c.beforeConsumeRegistered(t -> {
                loop.set(t);
                try {
                    if (t.getState() != Thread.State.NEW) {
                        // The loop already runs: let it get into the handler before the close.
                        entered.await();
                    }
                    store.close();
                    insideWhenCloseReturned.set(inside.get());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            try {
                refused = catchThrowable(() -> c.consume(m -> {
                    calls.incrementAndGet();
                    inside.set(true);
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        inside.set(false);
                    }
                }));
            } finally {
                release.countDown();
            }
        }
        Thread t = loop.get();
        if (t.getState() != Thread.State.NEW) {
            t.join();
        }

        assertThat(insideWhenCloseReturned).as("a consume handler was still running when close() returned").isFalse();
        assertThat(calls).as("handler calls").hasValue(0);
        assertThat(t.getState()).as("the loop's thread never started").isEqualTo(Thread.State.NEW);
        assertThat(refused).isInstanceOfSatisfying(JetStreamApiException.class,
                e -> assertThat(e.description()).isEqualTo("consumer not found"));
    }
}
