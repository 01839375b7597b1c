package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.ConsumerConfigBuilder;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Configs from {@link StreamConfig#builder} and {@link ConsumerConfig#builder}, every field the
 * runtime serves set away from its default, created by the runtime; nats-server 2.10.x and 2.14+
 * start on the store and report, in {@code STREAM.INFO} and {@code CONSUMER.INFO}, every key the
 * builders wrote with the value they wrote (the server's own metadata keys aside).
 */
class BuiltConfigsServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path tmp = Repo.work("BuiltConfigsServerIT");

    private static StreamConfig stream() {
        return StreamConfig.builder("BUILT").description("built by the builder").subjects("built.*", "other.>")
                .maxConsumers(10).maxMsgs(1000).maxBytes(1 << 20).maxAge(Duration.ofHours(1)).maxMsgsPerSubject(50)
                .maxMsgSize(4096).discard(StreamConfig.Discard.NEW).discardNewPerSubject(true)
                .duplicateWindow(Duration.ofSeconds(30)).compression(io.jetstart.core.meta.StreamConfigBuilder.Compression.S2)
                .allowDirect(true).denyDelete(true).allowRollupHdrs(true).consumerLimits(Duration.ofMinutes(10), 500)
                .metadata(Map.of("team", "shop")).build();
    }

    private static ConsumerConfig consumer() {
        return ConsumerConfig.builder().durableName("C").description("a built consumer").filterSubject("built.a")
                .deliverPolicy(ConsumerConfigBuilder.DeliverPolicy.BY_START_SEQUENCE).optStartSeq(2)
                .ackWait(Duration.ofSeconds(20)).maxDeliver(5).backoff(Duration.ofSeconds(20), Duration.ofSeconds(40))
                .replayPolicy(ConsumerConfigBuilder.ReplayPolicy.INSTANT).maxWaiting(64).maxAckPending(100)
                .headersOnly(true).maxBatch(50).maxExpires(Duration.ofSeconds(10)).maxBytes(1 << 16)
                .metadata(Map.of("owner", "billing")).build();
    }

    @TestFactory
    Stream<DynamicNode> serversReportTheConfigsTheBuildersWrote() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            Path store = tmp.resolve("store");
            Files.createDirectories(store);
            try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
                JetStartStream s = js.createStream("$G", stream());
                for (int i = 1; i <= 5; i++) {
                    s.publish("built.a", ("m" + i).getBytes(StandardCharsets.UTF_8));
                }
                s.createConsumer(consumer());
            }
            NatsServers servers = NatsServers.discover();
            return servers.requireV210AndV214Plus().stream().map(b -> dynamicTest(b + " reports every built key", () -> {
                Path dir = tmp.resolve(b.version().toString());
                try (NatsServerProcess nats = NatsServerProcess.start(b, StoreFiles.copy(store, dir.resolve("store")),
                        dir.resolve("server"), ServerAccounts.GLOBAL);
                     NatsClient client = nats.connect(Account.GLOBAL)) {
                    JsApi api = new JsApi(client.connection(), JSON);
                    JsonNode info = api.request("$JS.API.STREAM.INFO.BUILT", JSON.createObjectNode());
                    assertReports(stream().json(), info.path("config"), "stream");
                    assertThat(info.path("state").path("messages").asLong()).isEqualTo(5);
                    JsonNode ci = api.request("$JS.API.CONSUMER.INFO.BUILT.C", JSON.createObjectNode());
                    assertReports(consumer().json(), ci.path("config"), "consumer");
                }
            }));
        });
    }

    private static void assertReports(ObjectNode built, JsonNode server, String what) {
        for (Iterator<Map.Entry<String, JsonNode>> it = built.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode reported = server.path(e.getKey());
            if (e.getKey().equals("metadata")) {
                // 2.11+ adds its own _nats.* keys.
                e.getValue().fields().forEachRemaining(m ->
                        assertThat(reported.path(m.getKey())).as(what + " metadata " + m.getKey()).isEqualTo(m.getValue()));
            } else if (e.getValue().isNumber()) {
                assertThat(reported.asLong()).as(what + " " + e.getKey() + " in " + server).isEqualTo(e.getValue().asLong());
            } else {
                assertThat(reported).as(what + " " + e.getKey() + " in " + server).isEqualTo(e.getValue());
            }
        }
    }
}
