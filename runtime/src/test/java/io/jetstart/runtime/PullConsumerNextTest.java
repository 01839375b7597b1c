package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer's next message: read directly for the sequences right after the last delivered
 * one, by a block scan past them; both give the same deliveries over deletions, gaps wider than
 * the direct reads, filters and several blocks.
 */
class PullConsumerNextTest {
    @TempDir
    Path dir;

    private static List<Long> drain(PullConsumer c) throws Exception {
        List<Long> seqs = new ArrayList<>();
        while (true) {
            List<ConsumedMessage> batch = c.fetch(7, 0, Duration.ZERO);
            if (batch.isEmpty()) {
                return seqs;
            }
            for (ConsumedMessage m : batch) {
                seqs.add(m.streamSeq());
                m.ack();
            }
        }
    }

    @Test
    void deliveriesSkipDeletedRunsAndNonMatchingRunsWiderThanTheDirectReads() throws Exception {
        // Small blocks, so the stream spans many of them.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(4096))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            List<Long> rare = new ArrayList<>();
            List<Long> live = new ArrayList<>();
            for (long seq = 1; seq <= 600; seq++) {
                boolean isRare = seq % 97 == 0;
                s.publish(isRare ? "s.rare" : "s.common", bytes("m" + seq));
            }
            // A run of 100 deleted sequences in the middle, and every tenth elsewhere.
            for (long seq = 1; seq <= 600; seq++) {
                if (seq >= 200 && seq < 300 || seq % 10 == 0) {
                    s.delete(seq);
                } else {
                    live.add(seq);
                    if (seq % 97 == 0) {
                        rare.add(seq);
                    }
                }
            }
            PullConsumer all = s.createConsumer("{\"durable_name\":\"ALL\",\"ack_policy\":\"explicit\"}");
            PullConsumer few = s.createConsumer("{\"durable_name\":\"RARE\",\"ack_policy\":\"explicit\",\"filter_subject\":\"s.rare\"}");
            assertThat(drain(all)).isEqualTo(live);
            assertThat(drain(few)).isEqualTo(rare).isNotEmpty();
            assertThat(all.status().numAckPending()).isZero();
            assertThat(few.status().numPending()).isZero();
        }
    }
}
