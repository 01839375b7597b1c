package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Moving streams between a store and a live server. {@code jetstart push} restores every stream of a
 * real store into an empty nats-server (2.10.x and the newest build) through the JetStream restore
 * API, which unpacks the tar jetstart wrote with the server's own restore path; the server then
 * reports the state {@code jetstart inspect} reports of the store (stream and consumer state, so
 * consumers continue where they were) and serves every message {@code jetstart dump} reads.
 * {@code jetstart pull} takes each stream back through the snapshot API into a new store that
 * jetstart opens with the server's state: from 2.10.x a tar of the server's files, from 2.15 the
 * second format ({@code NATSARC1}: state, consumers and messages), which jetstart writes out as files.
 */
class StreamMoveIT {
    private static final List<String> STREAMS = List.of("INT1", "LIM1", "MAX1");

    /** Emptied when the class starts and kept afterwards: stores, server logs and jetstart output are the evidence. */
    private final Path tmp = Repo.work("StreamMoveIT");

    record Moved(NatsServerProcess server, Path source, JsonNode inspect, JsonNode dump, ServerOracle.Snapshot oracle,
            Map<String, List<JsonNode>> served, List<Jetstart.Result> pushes) {
    }

    @TestFactory
    Stream<DynamicNode> streamsMoveToAServerAndBack() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServers servers = NatsServers.discover();
        NatsServerBinary v210 = servers.requireV210();
        NatsServerBinary newest = servers.requireV214Plus();
        return Stream.of(
                dynamicContainer(v210.toString(), Stream.concat(pushTests(v210, "nats-2.10.27-small", "2.10"),
                        Stream.of(pullTest(v210, "2.10")))),
                dynamicContainer(newest.toString(), Stream.concat(pushTests(newest, "nats-2.15.1-small", "newest"),
                        Stream.of(pullTest(newest, "newest"))))).map(DynamicNode.class::cast);
    }

    private final Map<String, Once<Moved>> moved = new java.util.HashMap<>();

    private Stream<DynamicNode> pushTests(NatsServerBinary binary, String fixture, String key) {
        Once<Moved> pushed = new Once<>(() -> push(binary, fixture, key));
        moved.put(key, pushed);
        return Stream.of(
                dynamicTest("push restores every stream of " + fixture + " and the server reports its stream and consumer state",
                        () -> {
                            Moved m = pushed.get();
                            List<String> diff = StateDiff.between("jetstart inspect of the store", StateDiff.comparedView(m.inspect()),
                                    "server after push", m.oracle().oracle());
                            assertThat(diff).as(() -> StateDiff.describe(diff) + "\n" + m.pushes()).isEmpty();
                            assertThat(m.oracle().oracle().path("streams").size()).isEqualTo(STREAMS.size());
                        }),
                dynamicTest("the server serves every message of the store, equal in sequence, subject, time, headers and body",
                        () -> sameMessages(pushed.get())));
    }

    private DynamicNode pullTest(NatsServerBinary binary, String key) {
        Once<Pulled> pulled = new Once<>(() -> pull(moved.get(key).get(), key));
        return dynamicTest("pull writes each stream into a new store that jetstart opens with the server's state",
                () -> {
                    Pulled p = pulled.get();
                    List<String> diff = StateDiff.between("server", moved.get(key).get().oracle().oracle(),
                            "jetstart inspect of the pulled store", StateDiff.comparedView(p.inspect()));
                    assertThat(diff).as(() -> StateDiff.describe(diff) + "\n" + p.pulls()).isEmpty();
                    assertThat(p.inspect().path("streams").size()).isEqualTo(STREAMS.size());
                });
    }

    record Pulled(Path store, JsonNode inspect, List<Jetstart.Result> pulls) {
    }

    private Moved push(NatsServerBinary binary, String fixture, String key) throws Exception {
        Path source = StoreFiles.copy(Fixtures.dir().resolve(fixture).resolve("store"), tmp.resolve("source-" + key));
        Jetstart jetstart = new Jetstart(tmp.resolve("jetstart-work"));
        JsonNode inspect = jetstart.inspect(source).json();
        Jetstart.Result dump = jetstart.run("dump", source.toString(), "--json");
        assertThat(dump.exitCode()).as(dump::toString).isZero();
        NatsServerProcess server = NatsServerProcess.start(binary, tmp.resolve("server-store-" + key), tmp.resolve("server-" + key),
                ServerAccounts.GLOBAL);
        List<Jetstart.Result> pushes = new ArrayList<>();
        for (String s : STREAMS) {
            Jetstart.Result r = jetstart.run("push", source.toString(), s, "--server", "nats://127.0.0.1:" + server.port());
            pushes.add(r);
            assertThat(r.exitCode()).as(r::toString).isZero();
        }
        ServerOracle.Snapshot oracle = ServerOracle.capture(server);
        Map<String, List<JsonNode>> served = new LinkedHashMap<>();
        try (NatsClient c = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(c.connection(), Json.mapper());
            for (JsonNode s : dump.json().path("streams")) {
                String name = s.path("name").asText();
                ObjectNode info = api.streamInfo(name);
                served.put(name, ServedMessages.served(api, name, info.path("state")));
            }
        }
        return new Moved(server, source, inspect, dump.json(), oracle, served, pushes);
    }

    private Pulled pull(Moved m, String key) throws Exception {
        Path store = tmp.resolve("pulled-" + key);
        Files.createDirectories(store);
        Jetstart jetstart = new Jetstart(tmp.resolve("jetstart-work"));
        List<Jetstart.Result> pulls = new ArrayList<>();
        try (NatsServerProcess server = m.server()) {
            for (String s : STREAMS) {
                Jetstart.Result r = jetstart.run("pull", store.toString(), s, "--server", "nats://127.0.0.1:" + server.port());
                pulls.add(r);
                assertThat(r.exitCode()).as(r::toString).isZero();
            }
        }
        return new Pulled(store, jetstart.inspect(store).json(), pulls);
    }

    private static void sameMessages(Moved m) {
        List<String> problems = ServedMessages.differences("the store", m.dump().path("streams"), m.served());
        assertThat(m.dump().path("streams").size()).isEqualTo(STREAMS.size());
        assertThat(problems).as(() -> String.join("\n  ", problems)).isEmpty();
    }
}
