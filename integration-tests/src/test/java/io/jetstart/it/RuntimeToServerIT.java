package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import io.nats.client.api.PublishAck;
import java.nio.charset.StandardCharsets;
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
 * runtime to server: a store written by the embedded runtime (publishes with headers and msg ids,
 * deletes, secure erases (in the block being appended to and in a sealed one), a subject purge, max_msgs and max_msgs_per_subject removals) is started by nats-server
 * 2.10.x and 2.14+, which report the state {@code jetstart inspect} reports and serve every message
 * {@code jetstart dump} prints; then the same store with every {@code index.db} deleted, which the
 * servers rebuild from the blocks to the same state (every removal left a tombstone, so nothing
 * comes back); then the server takes a further publish at the next sequence.
 */
class RuntimeToServerIT {
    private final Path tmp = Repo.work("RuntimeToServerIT");

    record Written(Path store, JsonNode inspect, JsonNode dump) {
    }

    record ServerRun(NatsServerBinary binary, ServerOracle.Snapshot oracle, Map<String, List<JsonNode>> messages,
                     long nextSeq, List<String> warnings, String log) {
    }

    @TestFactory
    Stream<DynamicNode> serversStartOnStoresTheRuntimeWrote() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServers servers = NatsServers.discover();
        List<NatsServerBinary> targets = servers.requireV210AndV214Plus();
        Once<Written> written = new Once<>(() -> write(tmp.resolve("written"), 0));
        Once<Written> v4 = new Once<>(() -> write(tmp.resolve("written-v4"), 4));
        List<DynamicNode> nodes = new ArrayList<>();
        for (NatsServerBinary b : targets) {
            Once<ServerRun> run = new Once<>(() -> startOn(b, written.get(), tmp.resolve("run-" + b.version()), false));
            Once<ServerRun> lost = new Once<>(() -> startOn(b, written.get(), tmp.resolve("lost-" + b.version()), true));
            nodes.add(dynamicContainer(b.toString(), Stream.of(
                    dynamicTest("reports the state jetstart inspect reports", () -> sameState(written.get(), run.get())),
                    dynamicTest("serves every message the runtime wrote, byte for byte", () -> sameMessages(written.get(), run.get())),
                    dynamicTest("with every index.db deleted, rebuilds to the same state: nothing removed comes back",
                            () -> sameState(written.get(), lost.get())),
                    dynamicTest("with every index.db deleted, serves the same messages", () -> sameMessages(written.get(), lost.get())),
                    dynamicTest("accepts a further publish at the next sequence", () -> {
                        long last = written.get().inspect().path("streams").findValues("last_seq").stream()
                                .mapToLong(JsonNode::asLong).max().orElse(0);
                        assertThat(run.get().nextSeq()).isGreaterThan(0);
                        assertThat(lost.get().nextSeq()).isEqualTo(run.get().nextSeq());
                        assertThat(last).isPositive();
                    }))));
        }
        NatsServerBinary newest = targets.get(1);
        nodes.add(dynamicContainer("index.db v4 (RuntimeOptions.indexVersion 4) on " + newest, Stream.of(
                dynamicTest("is read by " + newest + " without complaint, state equal to jetstart inspect", () -> {
                    assertThat(Files.readAllBytes(v4.get().store().resolve("jetstream/$G/streams/RT/msgs/index.db"))[1])
                            .as("index.db version byte").isEqualTo((byte) 4);
                    sameState(v4.get(), startOn(newest, v4.get(), tmp.resolve("v4-" + newest.version()), false));
                }))));
        return nodes.stream();
    }

    private static StreamConfig config(String json) throws Exception {
        return StreamConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private Written write(Path store, int indexVersion) throws Exception {
        Files.createDirectories(store);
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(indexVersion))) {
            JetStartStream rt = js.createStream("$G", config("{\"name\":\"RT\",\"subjects\":[\"rt.*\"]}"));
            for (int i = 1; i <= 600; i++) {
                Headers h = i % 7 == 0 ? Headers.of(Headers.MSG_ID, "id-" + i, "X-Test", "v" + i) : Headers.EMPTY;
                rt.publishAsync("rt." + (i % 4), h, ("message " + i).getBytes(StandardCharsets.UTF_8));
            }
            rt.publish("rt.0", Headers.of(Headers.MSG_ID, "id-7"), new byte[] {1});
            for (long seq : new long[] {10, 20, 30, 599}) {
                rt.delete(seq);
            }
            rt.purge(new PurgeRequest("rt.3", 5, 0));
            // Secure erase in the block being appended to.
            rt.erase(401);
            JetStartStream lim = js.createStream("$G", config(
                    "{\"name\":\"LIM\",\"subjects\":[\"lim.>\"],\"max_msgs\":100,\"max_msgs_per_subject\":30}"));
            for (int i = 1; i <= 300; i++) {
                lim.publishAsync("lim.a." + (i % 5), Headers.EMPTY, new byte[i % 50]);
            }
            lim.publish("lim.a.0", new byte[3]);
            JetStartStream old = js.createStream("$G", config("{\"name\":\"GONE\",\"subjects\":[\"gone\"]}"));
            for (int i = 0; i < 50; i++) {
                old.publishAsync("gone", Headers.EMPTY, new byte[10]);
            }
            old.publish("gone", new byte[1]);
            old.purge(PurgeRequest.all());
        }
        // Erases in a sealed block: with 1 KiB blocks the first tombstone rolls the tail, so the
        // records erased are in a block the writer no longer appends to, replaced whole.
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS)
                .withIndexVersion(indexVersion).withBlockSize(1024))) {
            JetStartStream rt = js.stream("RT").await(java.time.Duration.ofSeconds(30));
            rt.erase(13);
            rt.erase(17);
            rt.publish("rt.1", Headers.EMPTY, "after the erases".getBytes(StandardCharsets.UTF_8));
        }
        Jetstart jetstart = new Jetstart(store.resolveSibling(store.getFileName() + "-work"));
        JsonNode inspect = jetstart.inspect(store).json();
        Jetstart.Result dump = jetstart.run("dump", store.toString(), "--json");
        assertThat(dump.exitCode()).as(dump::toString).isZero();
        return new Written(store, inspect, dump.json());
    }

    private static ServerRun startOn(NatsServerBinary binary, Written w, Path dir, boolean loseIndex) throws Exception {
        Path store = StoreFiles.copy(w.store(), dir.resolve("store"));
        if (loseIndex) {
            try (Stream<Path> files = Files.walk(store)) {
                for (Path f : files.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                    Files.delete(f);
                }
            }
        }
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL)) {
            ServerOracle.Snapshot oracle = ServerOracle.captureAfterRestore(server);
            oracle.write(Repo.output().resolve("runtime-to-" + binary.version() + (loseIndex ? "-lost" : "")), "runtime");
            Map<String, List<JsonNode>> messages = new LinkedHashMap<>();
            long nextSeq;
            try (NatsClient client = server.connect(Account.GLOBAL)) {
                JsApi api = new JsApi(client.connection(), Json.mapper());
                for (JsonNode s : oracle.oracle().path("streams")) {
                    String name = s.path("name").asText();
                    messages.put(name, ServedMessages.served(api, name, s.path("state")));
                }
                PublishAck ack = client.connection().jetStream().publish("rt.9", "after".getBytes(StandardCharsets.UTF_8));
                nextSeq = ack.getSeqno();
            }
            return new ServerRun(binary, oracle, messages, nextSeq, server.warnings(), server.log());
        }
    }

    private static void sameState(Written w, ServerRun run) {
        List<String> diff = StateDiff.between("jetstart", StateDiff.comparedView(w.inspect()), "server", emptyTimes(run.oracle().oracle()));
        assertThat(diff).as(() -> run.binary() + " on a store the runtime wrote: " + StateDiff.describe(diff)
                + "\nserver warnings: " + run.warnings()).isEmpty();
        assertThat(run.oracle().oracle().path("streams").size()).as("streams the server restored").isEqualTo(3);
        assertThat(run.log()).doesNotContain("Error recreating stream");
        // With its index.db the server takes the fast path only when the file agrees with the blocks.
        assertThat(run.log()).as("the server found nothing wrong with the runtime's index.db")
                .doesNotContain("Recovering stream state from index errored")
                .doesNotContain("Stream state outdated")
                .doesNotContain("internal inconsistency");
    }

    /**
     * nats-server 2.10 rebuilding an empty stream from its blocks reports its first time as the
     * Unix epoch (the time of a tombstone-only block's first, 0) where every other path reports
     * Go's zero time; the same stream with its index.db reports the zero time. Only the rendering
     * of "no first message" differs, so it is compared as the zero time.
     */
    private static JsonNode emptyTimes(JsonNode oracle) {
        JsonNode copy = oracle.deepCopy();
        for (JsonNode s : copy.path("streams")) {
            JsonNode st = s.path("state");
            if (st.path("messages").asLong() == 0 && "1970-01-01T00:00:00Z".equals(st.path("first_ts").asText())
                    && st instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                o.put("first_ts", ComparedFields.ZERO_TIME);
            }
        }
        return copy;
    }

    private static void sameMessages(Written w, ServerRun run) {
        List<String> problems = ServedMessages.differences("the runtime", w.dump().path("streams"), run.messages());
        assertThat(problems).as(() -> run.binary() + ": " + String.join("\n  ", problems)).isEmpty();
    }
}
