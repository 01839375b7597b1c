package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.runtime.ConsumerStatus;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Paused consumers ({@code pause_until}) both ways between the runtime and nats-server, by raw
 * API requests ({@code $JS.API.CONSUMER.CREATE} with {@code pause_until},
 * {@code $JS.API.CONSUMER.PAUSE}): a pause the runtime made (at create, by {@code pause}, in the
 * past, resumed) is the pause 2.14+ restores from the files, with {@code paused} in
 * {@code CONSUMER.INFO} and nothing delivered; 2.10.x ignores the key and delivers; a pause 2.14+
 * made is one the runtime restores paused. Each consumer of stream {@code P} (three messages):
 * F paused at create to 2200, G paused by the pause API to 2200, Q paused at create to 2001 (the
 * past), R paused and then resumed.
 */
class PausedConsumerIT {
    private static final String FAR = "2200-01-01T00:00:00Z";
    private static final String PAST = "2001-01-01T00:00:00Z";
    private static final List<String> CONSUMERS = List.of("F", "G", "Q", "R");
    /** Paused as each side should see it after the scenario. */
    private static final Map<String, Boolean> PAUSED = Map.of("F", true, "G", true, "Q", false, "R", false);
    private final Path tmp = Repo.work("PausedConsumerIT");
    private final ObjectMapper json = new ObjectMapper();

    /** What one side says of one consumer: paused, its pause_until, and how many messages a no-wait fetch got. */
    private record Seen(boolean paused, String pauseUntil, int fetched) {
    }

    @TestFactory
    Stream<DynamicNode> aPauseTheRuntimeWroteIsThePauseTheServerRestores() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            Path made = Files.createDirectories(tmp.resolve("made"));
            try (JetStartStore js = JetStart.open(made, RuntimeOptions.defaults())) {
                JetStartStream s = js.createStream("$G", io.jetstart.core.meta.StreamConfig.parse(
                        "{\"name\":\"P\",\"subjects\":[\"p.*\"]}".getBytes(StandardCharsets.UTF_8)));
                for (int i = 0; i < 3; i++) {
                    s.publish("p.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
                }
                s.createConsumer("{\"durable_name\":\"F\",\"ack_policy\":\"explicit\",\"pause_until\":\"" + FAR + "\"}");
                s.createConsumer("{\"durable_name\":\"G\",\"ack_policy\":\"explicit\"}").pause(Instant.parse(FAR));
                s.createConsumer("{\"durable_name\":\"Q\",\"ack_policy\":\"explicit\",\"pause_until\":\"" + PAST + "\"}");
                s.createConsumer("{\"durable_name\":\"R\",\"ack_policy\":\"explicit\"}").pause(Instant.parse(FAR));
                s.consumer("R").resume();
            }
            return NatsServers.discover().requireV210AndV214Plus().stream().map(b -> dynamicTest(b + ": the runtime's pauses", () -> {
                Path store = StoreFiles.copy(made, tmp.resolve("to-" + b.version()).resolve("store"));
                Map<String, Seen> server = new LinkedHashMap<>();
                try (NatsServerProcess nats = NatsServerProcess.start(b, store, tmp.resolve("to-" + b.version()).resolve("server"),
                        ServerAccounts.GLOBAL); NatsClient client = nats.connect(Account.GLOBAL)) {
                    for (String c : CONSUMERS) {
                        JsonNode info = rawRequest(client, "$JS.API.CONSUMER.INFO.P." + c, "");
                        assertThat(info.has("error")).as(b + " " + c + ": " + info).isFalse();
                        int fetched = new ServerPull(client.connection(), "P", c).fetchNoWait(3).size();
                        server.put(c, new Seen(info.path("paused").asBoolean(false), info.path("config").path("pause_until").asText(""), fetched));
                    }
                }
                System.out.println("PAUSE runtime -> " + b + ": " + server);
                for (String c : CONSUMERS) {
                    Seen seen = server.get(c);
                    if (b.version().atLeast(2, 14)) {
                        assertThat(seen.paused()).as(b + " " + c + " paused").isEqualTo(PAUSED.get(c));
                        assertThat(seen.fetched()).as(b + " " + c + " delivered").isEqualTo(PAUSED.get(c) ? 0 : 3);
                        assertThat(seen.pauseUntil()).as(b + " " + c + " pause_until")
                                .isEqualTo(switch (c) {
                                    case "F", "G" -> FAR;
                                    case "Q" -> PAST;
                                    default -> "";
                                });
                    } else {
                        // 2.10.x knows no pause: the key is ignored and every consumer delivers.
                        assertThat(seen.paused()).as(b + " " + c).isFalse();
                        assertThat(seen.fetched()).as(b + " " + c + " delivered").isEqualTo(3);
                    }
                }
            }));
        });
    }

    @TestFactory
    Stream<DynamicNode> aPauseTheServerWroteIsOneTheRuntimeRestoresPaused() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            NatsServerBinary b = NatsServers.discover().requireV214Plus();
            return Stream.of(dynamicTest(b + ": the server's pauses", () -> {
                Path store = Files.createDirectories(tmp.resolve("from-" + b.version()).resolve("store"));
                Map<String, Seen> server = new LinkedHashMap<>();
                try (NatsServerProcess nats = NatsServerProcess.start(b, store, tmp.resolve("from-" + b.version()).resolve("server"),
                        ServerAccounts.GLOBAL); NatsClient client = nats.connect(Account.GLOBAL)) {
                    rawRequest(client, "$JS.API.STREAM.CREATE.P", "{\"name\":\"P\",\"subjects\":[\"p.*\"]}");
                    for (int i = 0; i < 3; i++) {
                        client.connection().jetStream().publish("p.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
                    }
                    create(client, "F", FAR);
                    create(client, "G", null);
                    JsonNode paused = rawRequest(client, "$JS.API.CONSUMER.PAUSE.P.G", "{\"pause_until\":\"" + FAR + "\"}");
                    assertThat(paused.path("paused").asBoolean()).as(paused.toString()).isTrue();
                    create(client, "Q", PAST);
                    create(client, "R", null);
                    rawRequest(client, "$JS.API.CONSUMER.PAUSE.P.R", "{\"pause_until\":\"" + FAR + "\"}");
                    JsonNode resumed = rawRequest(client, "$JS.API.CONSUMER.PAUSE.P.R", "");
                    assertThat(resumed.path("paused").asBoolean()).as(resumed.toString()).isFalse();
                    for (String c : CONSUMERS) {
                        JsonNode info = rawRequest(client, "$JS.API.CONSUMER.INFO.P." + c, "");
                        server.put(c, new Seen(info.path("paused").asBoolean(false), info.path("config").path("pause_until").asText(""), -1));
                    }
                }
                Map<String, Seen> runtime = new LinkedHashMap<>();
                try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
                    JetStartStream s = js.stream("P").await(Duration.ofSeconds(30));
                    for (String c : CONSUMERS) {
                        ConsumerStatus st = s.consumerInfo(c);
                        assertThat(st.notDelivered()).as(c).isEmpty();
                        int fetched = s.consumer(c).fetch(3, 0, Duration.ZERO).size();
                        runtime.put(c, new Seen(st.paused(), st.config().text("pause_until"), fetched));
                    }
                }
                System.out.println("PAUSE " + b + " -> runtime: server " + server + "\n    runtime " + runtime);
                for (String c : CONSUMERS) {
                    assertThat(server.get(c).paused()).as(b + " " + c + " paused").isEqualTo(PAUSED.get(c));
                    assertThat(runtime.get(c).paused()).as("runtime " + c + " paused").isEqualTo(PAUSED.get(c));
                    assertThat(runtime.get(c).pauseUntil()).as("runtime " + c + " pause_until").isEqualTo(server.get(c).pauseUntil());
                    assertThat(runtime.get(c).fetched()).as("runtime " + c + " delivered").isEqualTo(PAUSED.get(c) ? 0 : 3);
                }
            }));
        });
    }

    private void create(NatsClient client, String name, String pauseUntil) throws Exception {
        JsonNode a = rawRequest(client, "$JS.API.CONSUMER.CREATE.P." + name, "{\"stream_name\":\"P\",\"config\":{\"durable_name\":\""
                + name + "\",\"ack_policy\":\"explicit\"" + (pauseUntil == null ? "" : ",\"pause_until\":\"" + pauseUntil + "\"") + "}}");
        assertThat(a.has("error")).as(name + ": " + a).isFalse();
    }

    private JsonNode rawRequest(NatsClient client, String subject, String body) throws Exception {
        io.nats.client.Message reply = client.connection().request(subject, body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
        assertThat(reply).as("an answer to " + subject).isNotNull();
        return json.readTree(reply.getData());
    }
}
