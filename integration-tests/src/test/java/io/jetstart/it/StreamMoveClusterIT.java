package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code jetstart push --replicas 3} into a real three-node nats-server cluster on 127.0.0.1: every
 * stream of a real 2.15.1 store is restored as R3, the cluster reports the stream and consumer
 * state {@code jetstart inspect} reports of the store, with two more replicas than the leader, and
 * serves every message equal; {@code jetstart pull} takes each stream back from the cluster into a
 * new store that opens in jetstart with the cluster's stream state.
 */
class StreamMoveClusterIT {
    private static final List<String> STREAMS = List.of("INT1", "LIM1", "MAX1");
    /** How long {@link #awaitMetaLeader} waits for one answer before it asks again. */
    private static final Duration META_LEADER_ASK = Duration.ofSeconds(1);

    private final Path tmp = Repo.work("StreamMoveClusterIT");

    record Pushed(JsonNode inspect, JsonNode dump, ServerOracle.Snapshot oracle, List<JsonNode> infos,
            List<List<JsonNode>> served, List<Jetstart.Result> pushes, JsonNode pulledInspect, List<Jetstart.Result> pulls) {
    }

    @TestFactory
    Stream<DynamicNode> streamsPushedAsR3IntoAThreeNodeCluster() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServerBinary binary = NatsServers.discover().requireV214Plus();
        Once<Pushed> pushed = new Once<>(() -> push(binary));
        return Stream.of(dynamicContainer("three-node " + binary, Stream.of(
                dynamicTest("the cluster reports the store's stream and consumer state for every stream pushed as R3", () -> {
                    Pushed p = pushed.get();
                    List<String> diff = StateDiff.between("jetstart inspect of the store", StateDiff.comparedView(p.inspect()),
                            "cluster after push", p.oracle().oracle());
                    assertThat(diff).as(() -> StateDiff.describe(diff) + "\n" + p.pushes()).isEmpty();
                    assertThat(p.oracle().oracle().path("streams").size()).isEqualTo(STREAMS.size());
                }),
                dynamicTest("every pushed stream has three replicas", () -> {
                    for (JsonNode info : pushed.get().infos()) {
                        assertThat(info.path("config").path("num_replicas").asInt()).as(info::toString).isEqualTo(3);
                        assertThat(info.path("cluster").path("replicas").size()).as(info::toString).isEqualTo(2);
                    }
                }),
                dynamicTest("a stream pulled from the cluster opens in jetstart with the cluster's stream state and ack floors",
                        () -> {
                            Pushed p = pushed.get();
                            com.fasterxml.jackson.databind.node.ObjectNode cluster = p.oracle().oracle().deepCopy();
                            com.fasterxml.jackson.databind.node.ObjectNode local = StateDiff.comparedView(p.pulledInspect());
                            // A clustered snapshot carries each consumer's state from its info, which has no
                            // pending list: the server rolls delivered back to the ack floor (stream_backup.go),
                            // so only the floors are the cluster's; the stream state must be exact.
                            for (JsonNode st : List.of(cluster.path("streams"), local.path("streams"))) {
                                for (JsonNode stream : st) {
                                    for (JsonNode c : stream.path("consumers")) {
                                        com.fasterxml.jackson.databind.node.ObjectNode o = (com.fasterxml.jackson.databind.node.ObjectNode) c;
                                        o.retain("name", "ack_floor");
                                    }
                                }
                            }
                            List<String> diff = StateDiff.between("cluster", cluster, "jetstart inspect of the pulled store", local);
                            assertThat(diff).as(() -> StateDiff.describe(diff) + "\n" + p.pulls()).isEmpty();
                            assertThat(local.path("streams").size()).isEqualTo(STREAMS.size());
                        }),
                dynamicTest("the cluster serves every message of the store equal", () -> {
                    Pushed p = pushed.get();
                    int i = 0;
                    for (JsonNode s : p.dump().path("streams")) {
                        List<JsonNode> served = p.served().get(i++);
                        JsonNode written = s.path("messages");
                        assertThat(served).as(s.path("name").asText()).hasSize(written.size());
                        for (int k = 0; k < served.size(); k++) {
                            for (String f : List.of("seq", "subject", "data", "hdrs", "time")) {
                                assertThat(served.get(k).path(f).asText("")).as("%s message %d %s", s.path("name").asText(), k, f)
                                        .isEqualTo(written.get(k).path(f).asText(""));
                            }
                        }
                    }
                }))));
    }

    private Pushed push(NatsServerBinary binary) throws Exception {
        Path source = StoreFiles.copy(Fixtures.dir().resolve("nats-2.15.1-small").resolve("store"), tmp.resolve("source"));
        Jetstart jetstart = new Jetstart(tmp.resolve("jetstart-work"));
        JsonNode inspect = jetstart.inspect(source).json();
        Jetstart.Result dump = jetstart.run("dump", source.toString(), "--json");
        assertThat(dump.exitCode()).as(dump::toString).isZero();
        int[] routes = {freePort(), freePort(), freePort()};
        List<NatsServerProcess> nodes = new ArrayList<>();
        try {
            for (int n = 0; n < 3; n++) {
                List<String> peers = new ArrayList<>();
                for (int r = 0; r < 3; r++) {
                    if (r != n) {
                        peers.add("nats-route://127.0.0.1:" + routes[r]);
                    }
                }
                String conf = "server_name: n" + n + "\ncluster {\n  name: jetstart\n  listen: 127.0.0.1:" + routes[n]
                        + "\n  routes: [" + String.join(", ", peers) + "]\n}\n";
                nodes.add(NatsServerProcess.start(binary, tmp.resolve("n" + n + "-store"), tmp.resolve("n" + n),
                        ServerAccounts.GLOBAL, conf));
            }
            NatsServerProcess first = nodes.get(0);
            awaitMetaLeader(first);
            String urls = String.join(",", nodes.stream().map(p -> "nats://127.0.0.1:" + p.port()).toList());
            List<Jetstart.Result> pushes = new ArrayList<>();
            for (String s : STREAMS) {
                Jetstart.Result r = jetstart.run("push", source.toString(), s, "--server", urls, "--replicas", "3");
                pushes.add(r);
                assertThat(r.exitCode()).as(r::toString).isZero();
            }
            long pushed = System.nanoTime(); // each push returns once the cluster has restored its stream
            // A restored R3 stream's consumers report num_pending only once their replicas have
            // caught up (seen as 0 right after the push on a loaded machine): ask again, for a
            // bounded time, until the cluster agrees or the time is up (then the test shows the diff).
            ServerOracle.Snapshot oracle;
            try {
                oracle = ServerOracle.captureSettled(first, pushed);
            } catch (java.io.IOException e) {
                // A consumer whose R3 group has no leader yet gets no answer at all (not an error):
                // seen once with two test JVMs and three servers on two cores. Asked once more.
                if (e.getMessage() == null || !e.getMessage().startsWith("no answer")) {
                    throw e;
                }
                System.out.println("[it] StreamMoveClusterIT: " + e.getMessage() + "; asking again");
                oracle = ServerOracle.captureSettled(first, pushed);
            }
            long settleBy = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (!StateDiff.between("store", StateDiff.comparedView(inspect), "cluster", oracle.oracle()).isEmpty()
                    && System.nanoTime() < settleBy) {
                Thread.sleep(250);
                oracle = ServerOracle.capture(first);
            }
            List<JsonNode> infos = new ArrayList<>();
            List<List<JsonNode>> served = new ArrayList<>();
            try (NatsClient c = first.connect(Account.GLOBAL)) {
                JsApi api = new JsApi(c.connection(), Json.mapper());
                for (JsonNode s : dump.json().path("streams")) {
                    String name = s.path("name").asText();
                    JsonNode info = api.streamInfo(name);
                    infos.add(info);
                    served.add(ServedMessages.served(api, name, info.path("state")));
                }
            }
            Path pulled = tmp.resolve("pulled");
            java.nio.file.Files.createDirectories(pulled);
            List<Jetstart.Result> pulls = new ArrayList<>();
            for (String s : STREAMS) {
                Jetstart.Result r = jetstart.run("pull", pulled.toString(), s, "--server", urls);
                pulls.add(r);
                assertThat(r.exitCode()).as(r::toString).isZero();
            }
            return new Pushed(inspect, dump.json(), oracle, infos, served, pushes, jetstart.inspect(pulled).json(), pulls);
        } finally {
            for (NatsServerProcess p : nodes) {
                p.close();
            }
        }
    }

    /**
     * JetStream in a cluster answers only once a meta leader is elected; a request before that goes
     * unanswered. Each is given {@link #META_LEADER_ASK}, not the API's 30 s: the first request, sent
     * as the last node started, waited out all 30 s (the election took 0.3 s).
     */
    private static void awaitMetaLeader(NatsServerProcess server) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (NatsClient c = server.connect(Account.GLOBAL)) {
                new JsApi(c.connection(), Json.mapper(), META_LEADER_ASK).streamNames();
                return;
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        throw new IOException("no JetStream meta leader within 60 s", last);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
