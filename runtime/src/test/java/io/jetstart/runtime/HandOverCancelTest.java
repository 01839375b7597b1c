package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hand-over that makes the open's removals last (tombstones, emptied blocks' files, {@code
 * index.db}) interrupted half-way, as a close right after an open or the recovery's deadline
 * interrupts it: the stream is not served (its handle says the hand-over was interrupted), no write
 * error is made of the interrupt, and the next open takes the removals up where they stopped.
 * Until 2026-12 the interrupted channel write (ClosedByInterruptException) stopped the stream's
 * writes as a failing disk does: the handle completed READ_ONLY with "writes stopped after a write
 * error" and the log said so at ERROR, for files that were fine.
 */
class HandOverCancelTest {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final byte[] PAYLOAD = new byte[100];

    @TempDir
    Path tmp;

    @Test
    void anInterruptedHandOverServesNoStreamStopsNoWritesAndTheNextOpenFinishesIt() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            // The first block all p.b, then p.a and p.b, blocks of p.b only, the last p.b and p.c:
            // with one message a subject the hand-over removes files, then syncs the tail and
            // writes index.db, which an interrupt stops.
            for (int i = 0; i < 7; i++) {
                s.publish("p.b", PAYLOAD);
            }
            s.publish("p.a", PAYLOAD);
            for (int i = 0; i < 30; i++) {
                s.publish("p.b", PAYLOAD);
            }
            s.publish("p.c", PAYLOAD);
        }
        StartUpLimitsRemovalsTest.editConfig(store, "P", "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":1");

        AtomicInteger steps = new AtomicInteger();
        try (JetStartStore rt = new JetStartStore(store, BlockReclaimTest.small())) {
            rt.afterHandOverStep(() -> {
                if (steps.getAndIncrement() == 0) {
                    Thread.currentThread().interrupt();
                }
            });
            rt.start();
            assertThatThrownBy(() -> rt.stream("P").await(AWAIT))
                    .isInstanceOf(StreamUnavailableException.class)
                    .hasMessageContaining("$G > P recovered but cannot be served: interrupted during its hand-over");
            assertThat(rt.stream("P").state()).isEqualTo(StreamHandle.State.FAILED);
        }
        assertThat(steps.get()).as("the hand-over's steps before the interrupt stopped it").isPositive();

        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            JetStartStream s = rt.stream("P").await(AWAIT);
            assertThat(s.readOnlyReason()).isEmpty();
            assertThat(s.info().messages()).as("p.a, the last p.b, p.c").isEqualTo(3);
            assertThat(s.publish("p.d", PAYLOAD).seq()).isEqualTo(40);
        }
        Files.deleteIfExists(store.resolve("jetstream/$G/streams/P/msgs/index.db"));
        assertThat(RuntimeTestSupport.recovered(store, "P").messages()).as("rebuilt without index.db").isEqualTo(4);
    }
}
