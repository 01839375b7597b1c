package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code RuntimeOptions.withFirstStreams} reaches recovery: with one recovery task at a time
 * (sequential mode, so the order is the plan's and no timing is involved), the named stream is
 * recovered and handed over first although it is the smallest and last by name. The gate's share
 * of the option is proved by recovery's FirstStreamsTest.
 */
class FirstStreamsServedTest {
    @TempDir
    Path dir;

    @Test
    void theNamedStreamIsRecoveredAndServedFirst() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            for (String name : List.of("A", "B", "C")) {
                JetStartStream s = store.createStream("$G", config("{\"name\":\"" + name + "\",\"subjects\":[\"" + name.toLowerCase() + "\"]}"));
                for (int i = 0; i < (name.equals("C") ? 1 : 50); i++) {
                    s.publish(name.toLowerCase(), bytes("message " + i));
                }
            }
        }
        List<String> finished = new CopyOnWriteArrayList<>();
        RecoveryOptions recovery = RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL).withListener(e -> {
            if (e instanceof RecoveryEvent.StreamFinished f) {
                finished.add(f.report().name());
            }
        });
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withRecovery(recovery).withFirstStreams(Set.of("C")))) {
            store.recovery().get();
            assertThat(store.stream("C").await(java.time.Duration.ofSeconds(30)).publish("c", bytes("next")).seq()).isEqualTo(2);
        }
        assertThat(finished).containsExactly("C", "A", "B");
    }
}
