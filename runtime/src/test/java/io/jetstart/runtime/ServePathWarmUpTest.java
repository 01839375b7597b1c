package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up runs the hand-over's path of a stream the runtime writes (a read-only one stops
 * early and would leave the writer's classes to the first stream), and leaves no thread behind.
 */
class ServePathWarmUpTest {
    @TempDir
    Path dir;

    @Test
    void theSampleConfigIsOneTheRuntimeWrites() throws Exception {
        assertThat(StreamDefinitions.readOnlyReason(ServePathWarmUp.sampleConfig())).isEmpty();
        assertThat(ServePathWarmUp.sampleConfig().storage()).isEqualTo("file");
    }

    @Test
    void noWarmUpOrChecksumThreadOutlivesClose() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.recovery().get();
        }
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .doesNotContain("jetstart-warm-up", "jetstart-hash-choice", "jetstart-recovery");
    }
}
