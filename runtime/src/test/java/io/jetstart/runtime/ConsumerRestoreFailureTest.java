package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream whose consumers cannot be taken over at hand-over (its writer ready, its thread not yet
 * started: the stop starts and ends it) fails
 * alone: its writer is stopped, its future fails naming it, the other streams are served. No real
 * consumer file was found that recovery restores and the runtime's restore then refuses (recovery
 * checks the fields the restore parses), so a seam throws where the restore would.
 */
class ConsumerRestoreFailureTest {
    @TempDir
    Path dir;

    @Test
    void aConsumerRestoreThatThrowsFailsOnlyItsStreamAndStopsItsWriter() throws Exception {
        storeWithConsumerOn("BAD");

        try (JetStartStore store = new JetStartStore(dir, RuntimeOptions.defaults())) {
            store.beforeConsumerRestore(s -> {
                if (s.name().equals("BAD")) {
                    throw new IllegalArgumentException("bad consumer file");
                }
            });
            store.start();

            assertThatThrownBy(() -> RuntimeTestSupport.open(store, "BAD"))
                    .isInstanceOf(StreamUnavailableException.class)
                    .hasMessageContaining("$G > BAD")
                    .hasMessageContaining("its consumers could not be restored")
                    .hasMessageContaining("bad consumer file");
            assertWriterGoneAndOthersServed(store, "BAD");
        }
    }

    @Test
    void anInterruptDuringTheHandOverFailsTheStreamSayingSoInsteadOfServingItWithAConsumerLost() throws Exception {
        storeWithConsumerOn("CUT");

        try (JetStartStore store = new JetStartStore(dir, RuntimeOptions.defaults())) {
            // What a deadline's or a close's interrupt does when it reaches the stream's task
            // between its recovery and its consumers' restore.
            store.beforeConsumerRestore(s -> {
                if (s.name().equals("CUT")) {
                    Thread.currentThread().interrupt();
                }
            });
            store.start();

            assertThatThrownBy(() -> RuntimeTestSupport.open(store, "CUT"))
                    .isInstanceOf(StreamUnavailableException.class)
                    .hasMessageContaining("$G > CUT")
                    .hasMessageContaining("interrupted during its hand-over")
                    .hasMessageNotContaining("null");
            assertWriterGoneAndOthersServed(store, "CUT");
        }
    }

    /** A store with {@code name} (one consumer, so its hand-over restores one) and GOOD (one message). */
    private void storeWithConsumerOn(String name) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"" + name + "\",\"subjects\":[\"" + name.toLowerCase() + "\"]}"))
                    .createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            store.createStream("$G", config("{\"name\":\"GOOD\",\"subjects\":[\"g\"]}")).publish("g", Headers.EMPTY, new byte[4]);
        }
    }

    /** The failed stream's future failed after its writer was stopped (joined): no wait needed. */
    private static void assertWriterGoneAndOthersServed(JetStartStore store, String failed) throws Exception {
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.isAlive() && t.getName().equals("jetstart-writer $G > " + failed));
        assertThat(RuntimeTestSupport.open(store, "GOOD").info().messages()).isEqualTo(1);
    }
}
