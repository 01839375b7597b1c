package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream rebuilt from its blocks (no {@code index.db}, or a stale one: what a kill -9 leaves)
 * whose last block the writer goes on appending to. Recovery records a rebuilt block's valid
 * prefix (its length at the scan) and readers of a sealed block read only that prefix; once the
 * writer rolled past the block, the messages it had appended there were past that prefix and
 * reported as damage ("1 live message in 51..51 not found in the block's readable records"), and a
 * consumer's ack of an earlier message failed with it (InterestCrashIT, found after a kill).
 */
class RebuiltTailTest {
    @TempDir
    Path dir;

    @Test
    void aMessageAppendedToARebuiltLastBlockIsReadAfterTheWriterRolledPastIt() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withBlockSize(16 * 1024);
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            for (int i = 1; i <= 50; i++) {
                s.publish("s.a", bytes("message " + i));
            }
        }
        Files.delete(dir.resolve("jetstream/$G/streams/S/msgs/index.db"));
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.stream("$G", "S").await(Duration.ofSeconds(30));
            long seq = s.publish("s.a", bytes("after the rebuild")).seq();
            assertThat(seq).isEqualTo(51);
            while (s.info().blocks().size() == 1) {
                s.publish("s.b", bytes("x".repeat(200)));
            }
            assertThat(s.get(seq)).as("seq 51, in the block the writer rolled past").isPresent()
                    .get().extracting(m -> new String(m.payload())).isEqualTo("after the rebuild");
            assertThat(s.get(50)).isPresent();
        }
    }
}
