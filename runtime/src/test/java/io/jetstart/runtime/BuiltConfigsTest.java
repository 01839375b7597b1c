package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.ConsumerConfigBuilder;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs from {@link StreamConfig#builder} and {@link ConsumerConfig#builder} through the runtime: created, served, written, reopened. */
class BuiltConfigsTest {
    @TempDir
    Path dir;

    private static ObjectNode withoutCreated(StreamConfig c) {
        ObjectNode j = c.json();
        j.remove("Created");
        return j;
    }

    private StreamConfig written(String name) throws Exception {
        return MetaFiles.readStream(dir.resolve("jetstream/$G/streams").resolve(name), DiskGate.unbounded()).config();
    }

    @Test
    void aBuiltConfigIsServedWithItsRulesWrittenAsBuiltAndReopenedUnchanged() throws Exception {
        StreamConfig built = StreamConfig.builder("ORDERS").description("orders of the shop").subjects("orders.*")
                .maxMsgs(3).maxAge(Duration.ofHours(1)).maxMsgSize(100).discard(StreamConfig.Discard.NEW)
                .duplicateWindow(Duration.ofSeconds(30)).denyDelete(true).allowRollupHdrs(true)
                .consumerLimits(Duration.ofMinutes(5), 100).metadata(Map.of("team", "shop")).build();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream(JetStartStore.DEFAULT_ACCOUNT, built);
            for (int i = 1; i <= 3; i++) {
                s.publish("orders.new", bytes("order " + i));
            }
            assertThatThrownBy(() -> s.publish("orders.new", bytes("order 4"))).isInstanceOfSatisfying(
                    JetStreamApiException.class, e -> assertThat(e.description()).isEqualTo("maximum messages exceeded"));
            assertThatThrownBy(() -> s.publish("orders.new", new byte[101])).isInstanceOfSatisfying(
                    JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10054));
            assertThatThrownBy(() -> s.delete(1)).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.description()).isEqualTo("message delete not permitted"));
            // The same config again is the same stream (the server's idempotent create).
            assertThat(store.createStream(JetStartStore.DEFAULT_ACCOUNT, StreamConfig.builder("ORDERS")
                    .description("orders of the shop").subjects("orders.*").maxMsgs(3).maxAge(Duration.ofHours(1))
                    .maxMsgSize(100).discard(StreamConfig.Discard.NEW).duplicateWindow(Duration.ofSeconds(30))
                    .denyDelete(true).allowRollupHdrs(true).consumerLimits(Duration.ofMinutes(5), 100)
                    .metadata(Map.of("team", "shop")).build())).isSameAs(s);
        }

        assertThat(withoutCreated(written("ORDERS"))).isEqualTo(built.json());
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("ORDERS").await(Duration.ofSeconds(30));
            assertThat(withoutCreated(s.config())).isEqualTo(built.json());
            assertThat(s.info().messages()).isEqualTo(3);
            assertThatThrownBy(() -> s.publish("orders.new", bytes("order 4"))).isInstanceOf(JetStreamApiException.class);
        }
    }

    @Test
    void anUpdateFromToBuilderChangesTheFieldItSetsAndKeepsTheRest() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream(JetStartStore.DEFAULT_ACCOUNT,
                    StreamConfig.builder("S").subjects("s.*").maxMsgs(2).description("d").build());
            StreamConfig before = s.config();

            store.updateStream(JetStartStore.DEFAULT_ACCOUNT, s.config().toBuilder().maxMsgs(10).build());

            for (int i = 0; i < 5; i++) {
                s.publish("s.x", bytes("m" + i));
            }
            assertThat(s.info().messages()).isEqualTo(5);
            ObjectNode want = before.json();
            want.put("max_msgs", 10);
            assertThat(s.config().json()).isEqualTo(want);
        }
        assertThat(written("S").maxMsgs()).isEqualTo(10);
        assertThat(written("S").json().get("description").asText()).isEqualTo("d");
    }

    @Test
    void aBuiltConsumerIsWrittenAsNatsServer210WroteTheSameConsumerAfterItsCreatedTime() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream(JetStartStore.DEFAULT_ACCOUNT, StreamConfig.builder("LIM1").subjects("lim1.*").build());
            s.createConsumer(ConsumerConfig.builder().durableName("C0").ackWait(Duration.ofHours(12)).build());
        }

        String mine = Files.readString(dir.resolve("jetstream/$G/streams/LIM1/obs/C0/meta.inf"));
        String server = Files.readString(Fixtures.streamDir(Fixtures.root().resolve("nats-2.10.27-small"), "LIM1")
                .resolve("obs/C0/meta.inf"));
        assertThat(mine.substring(mine.indexOf("\"Name\""))).isEqualTo(server.substring(server.indexOf("\"Name\"")));
    }

    @Test
    void aConsumersFilterIsWrittenEscapedAsGoWritesItAndReadBackUnchanged() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream(JetStartStore.DEFAULT_ACCOUNT, StreamConfig.builder("S").subjects("s.>").build());
            s.createConsumer(ConsumerConfig.builder().durableName("ALL").filterSubject("s.>").build());
        }

        // nats-server's encoding/json writes '>' as backslash-u003e (HTML escaping, on by default).
        String written = Files.readString(dir.resolve("jetstream/$G/streams/S/obs/ALL/meta.inf"));
        assertThat(written).contains("\"filter_subject\":\"s.\\u003e\"").doesNotContain("s.>");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = store.stream("S").await(Duration.ofSeconds(30)).consumer("ALL");
            assertThat(c.config().filterSubjects()).containsExactly("s.>");
        }
    }

    @Test
    void aBuiltConsumerIsServedWithItsSettingsAndUpdatedFromToBuilder() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream(JetStartStore.DEFAULT_ACCOUNT, StreamConfig.builder("S").subjects("s.*").build());
            for (int i = 1; i <= 4; i++) {
                s.publish(i % 2 == 0 ? "s.even" : "s.odd", bytes("m" + i));
            }
            PullConsumer c = s.createConsumer(ConsumerConfig.builder().durableName("EVEN").filterSubject("s.even")
                    .deliverPolicy(ConsumerConfigBuilder.DeliverPolicy.BY_START_SEQUENCE).optStartSeq(3).maxAckPending(10).build());

            assertThat(c.fetch(10, 0, Duration.ZERO)).extracting(ConsumedMessage::streamSeq).containsExactly(4L);
            PullConsumer updated = s.updateConsumer(c.config().toBuilder().maxAckPending(20).build());
            assertThat(updated.config().json().get("max_ack_pending").asLong()).isEqualTo(20);
            assertThat(updated.config().json().get("opt_start_seq").asLong()).isEqualTo(3);
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = store.stream("S").await(Duration.ofSeconds(30)).consumer("EVEN");
            assertThat(c.config().filterSubjects()).containsExactly("s.even");
            assertThat(c.config().json().get("max_ack_pending").asLong()).isEqualTo(20);
        }
    }
}
