package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs from {@link StreamConfig#builder} through the runtime: created, served, written, reopened. */
class BuiltStreamConfigTest {
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
}
