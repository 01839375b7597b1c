package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jetstart.core.testing.NewerConsumerConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Creates with settings of nats-server 2.11+ ({@link NewerConsumerConfigs}: priority groups,
 * {@code ack_policy: flow_control}): refused with nats-server 2.15.1's {@code err_code} and text
 * where it refuses them, and where it creates the consumer, refused naming what the runtime does
 * not serve; never a consumer that delivers without the setting, and no file written. The
 * servers' answers are measured by OddConsumerConfigIT.
 */
class NewerConsumerConfigTest {
    @TempDir
    Path dir;

    static Stream<Arguments> creates() {
        return NewerConsumerConfigs.creates().stream().map(c -> Arguments.of(c.what(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("creates")
    void aCreateWithANewerSettingIsRefusedAsTheServerRefusesItOrAsNotServed(String what, NewerConsumerConfigs.Create c) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", RuntimeTestSupport.config("{\"name\":\"P\",\"subjects\":[\"p.*\"]"
                    + (c.workQueue() ? ",\"retention\":\"workqueue\"" : "") + "}"));
            Throwable thrown = catchThrowable(() -> s.createConsumer(c.config("p")));
            if (c.errCode() != 0) {
                assertThat(thrown).as(what).isInstanceOf(JetStreamApiException.class);
                JetStreamApiException e = (JetStreamApiException) thrown;
                assertThat(e.errCode() + " " + e.description()).as(what).isEqualTo(c.errCode() + " " + c.text());
                assertThat(e.code()).as(what).isEqualTo(400);
            } else {
                assertThat(thrown).as(what).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining(c.text());
            }
            assertThat(s.consumerNames()).as(what).isEmpty();
        }
        assertThat(dir.resolve("jetstream/$G/streams/P/obs/B")).as(what + ": no consumer directory").doesNotExist();
    }

    @Test
    void anUpdateThatAddsAPriorityPolicyIsRefusedAndTheConsumerKeepsItsFile() throws Exception {
        Path meta = dir.resolve("jetstream/$G/streams/P/obs/B/meta.inf");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", RuntimeTestSupport.config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"}");
            byte[] before = Files.readAllBytes(meta);
            Throwable thrown = catchThrowable(() -> s.updateConsumer(io.jetstart.core.meta.ConsumerConfig.parse(
                    "{\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"priority_policy\":\"overflow\",\"priority_groups\":[\"g1\"]}"
                            .getBytes(StandardCharsets.UTF_8))));
            assertThat(thrown).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("priority_policy 'overflow'")
                    .hasMessageContaining("not served by the embedded runtime");
            assertThat(meta).hasBinaryContent(before);
            assertThat(s.consumerInfo("B").notDelivered()).isEmpty();
        }
    }

    @Test
    void priorityPolicyNoneWithoutGroupsIsAPlainConsumer() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", RuntimeTestSupport.config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"priority_policy\":\"none\"}");
            s.publish("p.x", "1".getBytes(StandardCharsets.UTF_8));
            assertThat(s.consumer("B").fetch(1, 0, java.time.Duration.ZERO)).hasSize(1);
        }
    }
}
