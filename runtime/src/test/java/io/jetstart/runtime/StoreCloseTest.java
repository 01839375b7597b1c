package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a closed store still lets through: nothing that writes to its directory or starts a thread.
 * Its lock is released by then, so another process may already hold the store.
 */
class StoreCloseTest {
    @TempDir
    Path dir;

    @Test
    void creatingAStreamAfterCloseIsRefusedAndStartsNoWriter() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        store.close();

        assertThatThrownBy(() -> store.createStream("$G", config("{\"name\":\"LATE\",\"subjects\":[\"l\"]}")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThat(dir.resolve("jetstream").resolve("$G").resolve("streams").resolve("LATE")).doesNotExist();
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.isAlive() && t.getName().equals("jetstart-writer $G > LATE"));
    }

    @Test
    void deletingAStreamAfterCloseIsRefusedAndLeavesItsFiles() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        store.createStream("$G", config("{\"name\":\"KEPT\",\"subjects\":[\"k\"]}")).publish("k", Headers.EMPTY, new byte[3]);
        store.close();

        assertThatThrownBy(() -> store.deleteStream("$G", "KEPT"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        Path kept = dir.resolve("jetstream").resolve("$G").resolve("streams").resolve("KEPT");
        assertThat(kept.resolve("meta.inf")).exists();
        try (JetStartStore again = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(RuntimeTestSupport.open(again, "KEPT").info().messages()).isEqualTo(1);
        }
    }

    @Test
    void creatingOrDeletingAConsumerAfterCloseIsRefusedAndTouchesNoFile() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        JetStartStream s = store.createStream("$G", config("{\"name\":\"C\",\"subjects\":[\"c\"]}"));
        s.createConsumer("{\"durable_name\":\"KEPT\",\"ack_policy\":\"explicit\"}");
        store.close();

        assertThatThrownBy(() -> s.createConsumer("{\"durable_name\":\"LATE\",\"ack_policy\":\"explicit\"}"))
                .isInstanceOf(IllegalStateException.class).hasMessage("stream 'C' is closed");
        assertThatThrownBy(() -> s.deleteConsumer("KEPT"))
                .isInstanceOf(IllegalStateException.class).hasMessage("stream 'C' is closed");
        Path obs = dir.resolve("jetstream").resolve("$G").resolve("streams").resolve("C").resolve("obs");
        assertThat(obs.resolve("LATE")).doesNotExist();
        assertThat(obs.resolve("KEPT").resolve("o.dat")).exists();
    }
}
