package io.jetstart.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JetStartRuntimeMetricsTest {
    @TempDir
    Path dir;

    @Test
    void committedPublishesStreamStatesAndLiveStoreTotalsAreMetered() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            JetStartRuntimeMetrics metrics = new JetStartRuntimeMetrics(store, Tags.of("app", "t"));
            metrics.bindTo(registry);
            store.addCommitListener(metrics);
            JetStartRecoveryMetrics recovery = new JetStartRecoveryMetrics(Tags.of("app", "t"));
            recovery.bindTo(registry);
            metrics.keepCurrent(recovery);
            JetStartStream s = store.createStream("$G", StreamConfig.parse(
                    "{\"name\":\"M\",\"subjects\":[\"m\"]}".getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < 10; i++) {
                s.publish("m", new byte[10]);
            }
            assertThat(registry.get(JetStartRuntimeMetrics.PUBLISHES).counter().count()).isEqualTo(10);
            // 22 + 1 + 10 + 8 bytes per record.
            assertThat(registry.get(JetStartRuntimeMetrics.PUBLISHED).counter().count()).isEqualTo(410);
            assertThat(registry.get(JetStartRuntimeMetrics.PUBLISH_LATENCY).timer().count()).isEqualTo(10);
            assertThat(registry.get(JetStartRuntimeMetrics.SYNC).timer().count()).isPositive();
            // One publisher waiting for each ack: ten batches of one message each.
            assertThat(registry.get(JetStartRuntimeMetrics.BATCH_SIZE).summary().count()).isEqualTo(10);
            assertThat(registry.get(JetStartRuntimeMetrics.BATCH_SIZE).summary().totalAmount()).isEqualTo(10);
            assertThat(registry.get(JetStartRuntimeMetrics.STREAMS).tag("state", "ready").gauge().value()).isEqualTo(1);
            assertThat(registry.get(JetStartRuntimeMetrics.QUEUED).gauge().value()).isZero();
            assertThat(registry.get("jetstart.store.messages").gauge().value()).isEqualTo(10);
        }
    }

    @Test
    void eachStreamHasMessagesBytesAndStateGaugesUntilItIsDeleted() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.recovery().get();
            new JetStartRuntimeMetrics(store, Tags.of("app", "t")).bindTo(registry);
            JetStartStream a = store.createStream("$G", StreamConfig.parse(
                    "{\"name\":\"A\",\"subjects\":[\"a\"]}".getBytes(StandardCharsets.UTF_8)));
            store.createStream("$G", StreamConfig.parse("{\"name\":\"B\",\"subjects\":[\"b\"]}".getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < 3; i++) {
                a.publish("a", new byte[10]);
            }

            assertThat(registry.get(JetStartRuntimeMetrics.STREAM_MESSAGES).tags("account", "$G", "stream", "A").gauge().value()).isEqualTo(3);
            assertThat(registry.get(JetStartRuntimeMetrics.STREAM_BYTES).tags("stream", "A").gauge().value()).isEqualTo(3 * 41);
            assertThat(registry.get(JetStartRuntimeMetrics.STREAM_MESSAGES).tags("stream", "B").gauge().value()).isZero();
            assertThat(registry.get(JetStartRuntimeMetrics.STREAM_STATE).tags("stream", "A").gauge().value())
                    .as("1 = ready").isEqualTo(1);

            store.deleteStream("$G", "B");
            assertThat(registry.find(JetStartRuntimeMetrics.STREAM_MESSAGES).tags("stream", "B").gauge()).isNull();
            assertThat(registry.find(JetStartRuntimeMetrics.STREAM_STATE).gauges()).hasSize(1);
        }
    }

    @Test
    void aResumedStreamsGaugesFollowTheNewStream() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            store.recovery().get();
            new JetStartRuntimeMetrics(store, Tags.of("app", "t")).bindTo(registry);
            JetStartStream a = store.createStream("$G", StreamConfig.parse(
                    "{\"name\":\"A\",\"subjects\":[\"a\"]}".getBytes(StandardCharsets.UTF_8)));
            // Its next block cannot be made while msgs/ is away: the write error that stops the writer.
            Path msgs = dir.resolve("jetstream/$G/streams/A/msgs");
            Path away = msgs.resolveSibling("msgs.away");
            java.nio.file.Files.move(msgs, away);
            long acknowledged = 0;
            try {
                while (acknowledged < 1000) {
                    a.publish("a", new byte[10]);
                    acknowledged++;
                }
            } catch (RuntimeException e) {
                // The roll to a new block failed.
            }
            java.nio.file.Files.move(away, msgs);
            assertThat(registry.get(JetStartRuntimeMetrics.STREAM_STATE).tags("stream", "A").gauge().value())
                    .as("2 = read-only").isEqualTo(2);

            JetStartStream resumed = store.resumeStream("A");
            resumed.publish("a", new byte[10]);

            assertThat(registry.get(JetStartRuntimeMetrics.STREAM_STATE).tags("stream", "A").gauge().value())
                    .as("1 = ready").isEqualTo(1);
            assertThat(registry.get(JetStartRuntimeMetrics.STREAM_MESSAGES).tags("stream", "A").gauge().value())
                    .as("the new stream's count").isEqualTo(acknowledged + 1);
            assertThat(registry.find(JetStartRuntimeMetrics.STREAM_STATE).gauges()).hasSize(1);
        }
    }

    @Test
    void streamsBeyondTheLimitGetNoTagsAndAreCounted() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.recovery().get();
            for (String n : new String[] {"A", "B", "C"}) {
                store.createStream("$G", StreamConfig.parse(("{\"name\":\"" + n + "\",\"subjects\":[\"" + n.toLowerCase() + "\"]}")
                        .getBytes(StandardCharsets.UTF_8)));
            }
            new JetStartRuntimeMetrics(store, Tags.empty(), 2).bindTo(registry);

            assertThat(registry.find(JetStartRuntimeMetrics.STREAM_MESSAGES).gauges()).hasSize(2);
            assertThat(registry.get(JetStartRuntimeMetrics.STREAMS_UNTRACKED).gauge().value()).isEqualTo(1);
        }
    }
}
