package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Server to jetstart: for every nats-server build, a store written by that server is recovered by
 * jetstart to exactly the state the server itself reports; with the index files, without them, and
 * after a SIGKILL in the middle of a publish burst.
 */
class ServerToJetstartIT {

    private static final int BURST_MAX = 5_000;
    private static final int BURST_KILL_AFTER_ACKS = 2_000;
    private static final int BURST_WINDOW = 250;

    /** Emptied when the class starts and kept afterwards: stores, server logs and jetstart output are the evidence. */
    private final Path tmp = Repo.work("ServerToJetstartIT");

    @TestFactory
    Stream<DynamicNode> everyServerBuild() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            List<NatsServerBinary> servers = NatsServers.discover().requireAll();
            System.out.println("[it] server -> jetstart with nats-server " + servers.stream().map(b -> b.version().toString()).toList());
            return servers.stream().map(this::testsFor);
        });
    }

    private DynamicNode testsFor(NatsServerBinary binary) {
        Path dir = tmp.resolve(binary.version().toString());
        Once<PopulatedStore> populated = new Once<>(() -> PopulatedStore.create(binary, dir.resolve("populate")));
        return dynamicContainer(binary.toString(), Stream.of(
                dynamicTest("jetstart inspect and recover report every compared field the server reported before its clean stop",
                        () -> cleanStore(populated.get(), dir.resolve("clean"))),
                dynamicTest("without index files jetstart reports what the server reports after its own rebuild",
                        () -> strippedStore(populated.get(), dir.resolve("stripped"))),
                dynamicTest("after SIGKILL mid-burst jetstart recovers every message the restarted server recovers",
                        () -> killedMidBurst(binary, dir.resolve("sigkill"))),
                dynamicTest("jetstart dump hands out exactly the messages the server's MSG.GET answers",
                        () -> dumpEqualsMsgGet(populated.get(), dir.resolve("dump")))));
    }

    private void cleanStore(PopulatedStore p, Path dir) throws Exception {
        Jetstart jetstart = new Jetstart(dir);
        Path inspected = StoreFiles.copy(p.store(), dir.resolve("inspect"));
        Path recovered = StoreFiles.copy(p.store(), dir.resolve("recover"));
        Path forServer = StoreFiles.copy(p.store(), dir.resolve("server"));

        // The files can only tell what the server wrote at its stop; should the server itself come
        // back with a different answer than it gave before the stop, that answer is what the files
        // say, and the drift is reported with any failure.
        ServerOracle.Snapshot restarted = serverAfterRestart(p.binary(), forServer, dir);
        restarted.write(Repo.output().resolve(p.binary().version().toString()), "restarted");
        List<String> serverDrift = StateDiff.between("before-stop", p.oracle().oracle(), "restarted", restarted.oracle());
        JsonNode expected = serverDrift.isEmpty() ? p.oracle().oracle() : restarted.oracle();
        String drift = serverDrift.isEmpty() ? "" : "\nThe server restarted on the same files reports differently from "
                + "what it reported before the stop (jetstart is compared with the restart) in " + StateDiff.describe(serverDrift);
        if (!serverDrift.isEmpty()) {
            System.out.println("[it] " + p.binary() + drift);
        }

        JsonNode inspect = jetstart.inspect(inspected).json();
        JsonNode recover = jetstart.recover(recovered).json();

        assertEqualToServer("inspect", expected, inspect, p, drift);
        assertEqualToServer("recover", expected, recover, p, drift);
        if (p.binary().version().writesIndexDb()) {
            // A cleanly stopped 2.10+ store has a valid index.db for every stream: no rebuild needed.
            assertThat(sources(inspect)).as("stream sources of %s", inspected).containsOnly("index");
        }
    }

    private void strippedStore(PopulatedStore p, Path dir) throws Exception {
        Path forServer = StoreFiles.copy(p.store(), dir.resolve("server"));
        Path forJetstart = StoreFiles.copy(p.store(), dir.resolve("jetstart"));
        assertThat(StoreFiles.stripIndexes(forServer)).isNotEmpty();
        assertThat(StoreFiles.stripIndexes(forJetstart)).isNotEmpty();

        ServerOracle.Snapshot rebuilt = serverAfterRestart(p.binary(), forServer, dir);
        rebuilt.write(Repo.output().resolve(p.binary().version().toString()), "rebuilt");
        List<String> serverDrift = StateDiff.between("before-stop", p.oracle().oracle(), "rebuilt", rebuilt.oracle());

        JsonNode inspect = new Jetstart(dir).inspect(forJetstart).json();
        List<String> diff = StateDiff.between("server", rebuilt.oracle(), "jetstart", StateDiff.comparedView(inspect));
        assertThat(diff).as(() -> p.binary() + ", index files removed: jetstart inspect differs from the server's own "
                + "rebuild (" + StateDiff.describe(diff) + ")\nThe server's rebuild itself differs from what it reported "
                + "before the stop in " + (serverDrift.isEmpty() ? "nothing" : StateDiff.describe(serverDrift))).isEmpty();
        assertThat(sources(inspect)).as("stream sources with index files removed").containsOnly("rebuilt");
        if (!serverDrift.isEmpty()) {
            System.out.println("[it] " + p.binary() + " rebuild differs from its pre-stop answer (jetstart follows the "
                    + "rebuild): " + StateDiff.describe(serverDrift));
        }
    }

    private void killedMidBurst(NatsServerBinary binary, Path dir) throws Exception {
        Path store = dir.resolve("store");
        long acked;
        long sent;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL);
                NatsClient client = server.connect(Account.GLOBAL)) {
            Connection c = client.connection();
            new StoreScenarios(c, binary.version()).crashStream("CRASH", "crash");
            AtomicLong acks = new AtomicLong();
            AtomicLong published = new AtomicLong();
            ExecutorService burst = Executors.newSingleThreadExecutor();
            try {
                JetStream js = c.jetStream();
                Future<?> running = burst.submit(() -> publishBurst(js, acks, published));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (acks.get() < BURST_KILL_AFTER_ACKS && !running.isDone() && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                server.kill9();
                acked = acks.get();
                sent = published.get();
                running.cancel(true);
            } finally {
                burst.shutdownNow();
                burst.awaitTermination(10, TimeUnit.SECONDS);
            }
            assertThat(acked).as("acks when the server was killed").isGreaterThanOrEqualTo(BURST_KILL_AFTER_ACKS);
            assertThat(sent).as("published when the server was killed").isLessThan(BURST_MAX);
        }
        Path forServer = StoreFiles.copy(store, dir.resolve("server"));
        Path forJetstart = StoreFiles.copy(store, dir.resolve("jetstart"));

        ServerOracle.Snapshot server;
        try (NatsServerProcess restarted = NatsServerProcess.start(binary, forServer, dir, ServerAccounts.GLOBAL)) {
            server = ServerOracle.captureAfterRestore(restarted);
            server.write(Repo.output().resolve(binary.version().toString()), "sigkill");
            System.out.println("[it] " + binary + " restart after SIGKILL warned: " + restarted.warnings());
        }
        JsonNode serverCrash = stream(server.oracle(), "CRASH").path("state");
        String killed = binary + ": killed after " + acked + " acks (" + sent + " published of at most " + BURST_MAX
                + ")\n  server   recovered " + summary(serverCrash);
        System.out.println("[it] " + killed);

        // recover may exit non-zero when it reports lost data; its JSON is what is compared.
        Jetstart.Result recover = new Jetstart(dir).run("recover", forJetstart.toString(), "--json");
        JsonNode jetstart = recover.json();
        JsonNode jetstartCrash = stream(StateDiff.comparedView(jetstart), "CRASH").path("state");
        String both = killed + "\n  jetstart recovered " + summary(jetstartCrash) + " (exit " + recover.exitCode() + ")";
        System.out.println("[it] " + both);

        // Not asserted: messages >= 300 + acked. nats-server acknowledges a publish once the record
        // is in its block's write buffer, before the buffer reaches the file, so a SIGKILL can take
        // acknowledged messages with it. jetstart can only recover what reached the file, as can the server.
        assertThat(jetstartCrash.path("messages").asLong()).as(both).isEqualTo(serverCrash.path("messages").asLong());
        assertThat(jetstartCrash.path("last_seq").asLong()).as(both).isEqualTo(serverCrash.path("last_seq").asLong());
        List<String> diff = StateDiff.between("server", server.oracle(), "jetstart", StateDiff.comparedView(jetstart));
        assertThat(diff).as(() -> both + "\n" + StateDiff.describe(diff)).isEmpty();
    }

    /**
     * At most {@link #BURST_MAX} asynchronous publishes of 128 B, at most {@link #BURST_WINDOW}
     * unacknowledged at a time, until the server dies under them.
     */
    private static void publishBurst(JetStream js, AtomicLong acks, AtomicLong published) {
        List<CompletableFuture<PublishAck>> window = new ArrayList<>();
        try {
            for (int i = 1; i <= BURST_MAX && !Thread.currentThread().isInterrupted(); i++) {
                CompletableFuture<PublishAck> f = js.publishAsync("crash." + (i % 2), StoreScenarios.payload("CRASH", 300 + i, 128));
                f.thenRun(acks::incrementAndGet);
                published.incrementAndGet();
                window.add(f);
                if (window.size() >= BURST_WINDOW) {
                    window.removeFirst().get(10, TimeUnit.SECONDS);
                }
            }
            for (CompletableFuture<PublishAck> f : window) {
                f.get(10, TimeUnit.SECONDS);
            }
        } catch (Exception serverGone) {
            // Expected: the server is killed under the burst.
        }
    }

    private static void assertEqualToServer(String command, JsonNode oracle, JsonNode jetstartOutput, PopulatedStore p,
            String drift) {
        List<String> diff = StateDiff.between("server", oracle, "jetstart", StateDiff.comparedView(jetstartOutput));
        assertThat(diff).as(() -> p.binary() + ", clean store, jetstart " + command + " (oracles in "
                + Repo.output().resolve(p.binary().version().toString()) + "): " + StateDiff.describe(diff) + drift).isEmpty();
    }

    /**
     * Every {@code $G} stream (limits, purges, per-subject limits, discard new, interest, work
     * queue, a KV bucket): each sequence from the server's first to its last is asked with
     * {@code STREAM.MSG.GET}; dump must print exactly the sequences the server answers, each with
     * the same subject, time, headers and payload.
     */
    private void dumpEqualsMsgGet(PopulatedStore p, Path dir) throws Exception {
        Path forJetstart = StoreFiles.copy(p.store(), dir.resolve("jetstart"));
        Path forServer = StoreFiles.copy(p.store(), dir.resolve("server"));
        Jetstart.Result dump = new Jetstart(dir).run("dump", forJetstart.toString(), "--json");
        assertThat(dump.exitCode()).as("%s", dump).isZero();
        Map<String, Map<Long, JsonNode>> dumped = new TreeMap<>();
        for (JsonNode s : dump.json().path("streams")) {
            if (s.path("account").asText().equals("$G")) {
                Map<Long, JsonNode> msgs = new TreeMap<>();
                s.path("messages").forEach(m -> msgs.put(m.path("seq").asLong(), m));
                dumped.put(s.path("name").asText(), msgs);
            }
        }
        Map<String, Map<Long, JsonNode>> served = new TreeMap<>();
        try (NatsServerProcess server = NatsServerProcess.start(p.binary(), forServer, dir, ServerAccounts.GLOBAL);
                NatsClient client = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            for (String name : api.streamNames()) {
                JsonNode state = api.streamInfo(name).path("state");
                List<Long> seqs = new ArrayList<>();
                for (long seq = state.path("first_seq").asLong(); seq <= state.path("last_seq").asLong(); seq++) {
                    seqs.add(seq);
                }
                // A sequence without a message (10037) is left out; any other error fails the test.
                served.put(name, api.messages(name, seqs));
            }
        }
        assertThat(dumped.keySet()).as("%s: $G streams dumped vs served", p.binary()).isEqualTo(served.keySet());
        for (String name : served.keySet()) {
            assertThat(dumped.get(name).keySet()).as("%s: sequences of %s dump printed vs those the server answered",
                    p.binary(), name).isEqualTo(served.get(name).keySet());
            for (Map.Entry<Long, JsonNode> e : served.get(name).entrySet()) {
                JsonNode ours = dumped.get(name).get(e.getKey());
                for (String field : List.of("subject", "time", "hdrs")) {
                    assertThat(ours.path(field)).as("%s: %s seq %d field %s", p.binary(), name, e.getKey(), field)
                            .isEqualTo(e.getValue().path(field));
                }
                // The server omits an empty payload (Go's omitempty); dump always writes "data".
                assertThat(ours.path("data").asText()).as("%s: %s seq %d data", p.binary(), name, e.getKey())
                        .isEqualTo(e.getValue().path("data").asText(""));
            }
        }
    }

    private static ServerOracle.Snapshot serverAfterRestart(NatsServerBinary binary, Path store, Path dir) throws Exception {
        ServerOracle.Snapshot global;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL)) {
            global = ServerOracle.captureAfterRestore(server);
        }
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.NAMED)) {
            return global.merge(ServerOracle.captureAfterRestore(server));
        }
    }

    private static List<String> sources(JsonNode jetstartOutput) {
        List<String> s = new ArrayList<>();
        jetstartOutput.path("streams").forEach(st -> s.add(st.path("source").asText("(none)")));
        return s;
    }

    private static JsonNode stream(JsonNode view, String name) {
        for (JsonNode s : view.path("streams")) {
            if (s.path("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stream " + name + " in " + view);
    }

    private static String summary(JsonNode state) {
        return state.path("messages").asLong() + " msgs, seq " + state.path("first_seq").asLong() + ".."
                + state.path("last_seq").asLong() + ", " + state.path("bytes").asLong() + " bytes"
                + (state.has("lost") ? ", lost " + state.get("lost") : "");
    }
}
