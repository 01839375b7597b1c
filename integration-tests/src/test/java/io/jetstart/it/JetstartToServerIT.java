package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * jetstart to server: a store written by {@code jetstart generate} is started by nats-server 2.10.x
 * and by the newest build (2.14+); the server reports the state {@code jetstart inspect} reports,
 * serves every message jetstart wrote, and its consumers resume where jetstart left them. Also
 * which {@code index.db} versions each server reads without rebuilding.
 *
 * <p>The messages jetstart wrote are read back with {@code jetstart dump <store> --json}
 * ({@code {"streams":[{"account","name","messages":[{"seq","subject","hdrs","data"}]}]}}, bodies
 * and header blocks in base64 as the server's {@code STREAM.MSG.GET} gives them).
 */
class JetstartToServerIT {

    private static final List<String> GENERATE = List.of("--streams", "3", "--messages", "1000", "--payload", "64",
            "--subjects", "4", "--consumers", "2");

    /** Emptied when the class starts and kept afterwards: stores, server logs and jetstart output are the evidence. */
    private final Path tmp = Repo.work("JetstartToServerIT");

    /** What jetstart wrote and what it says about it. */
    record Generated(Path store, JsonNode inspect, JsonNode dump) {
    }

    /** One server run on a copy of a generated store. */
    record ServerRun(NatsServerBinary binary, ServerOracle.Snapshot oracle, Map<String, List<JsonNode>> messages,
            List<Resume> resumes, List<String> warnings, String log) {
    }

    /** The first delivery a consumer makes after the restart. */
    record Resume(String stream, String consumer, String detail, boolean asExpected) {
    }

    @TestFactory
    Stream<DynamicNode> serversStartOnStoresJetstartWrote() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServers servers = NatsServers.discover();
        List<NatsServerBinary> targets = servers.requireV210AndV214Plus();
        System.out.println("[it] jetstart -> server with nats-server " + targets.stream().map(b -> b.version().toString()).toList());
        Once<Generated> generated = new Once<>(() -> generate(tmp.resolve("generated"), List.of()));
        List<DynamicNode> nodes = new ArrayList<>();
        for (NatsServerBinary b : targets) {
            Once<ServerRun> run = new Once<>(() -> startOn(b, generated.get(), tmp.resolve("run-" + b.version())));
            nodes.add(dynamicContainer(b.toString(), Stream.of(
                    dynamicTest("reports the stream and consumer state jetstart inspect reports",
                            () -> sameState(generated.get(), run.get())),
                    dynamicTest("serves every message jetstart wrote, with its sequence, subject, headers and body",
                            () -> sameMessages(generated.get(), run.get())),
                    dynamicTest("resumes every pull consumer at the next delivery after jetstart's state",
                            () -> consumersResume(run.get())))));
        }
        // S2: every sealed block compressed by jetstart. The server reads them when it serves the
        // messages and, with index.db removed (and on 2.10.x, which reads only index.db v1), when
        // it rebuilds the stream from them.
        Once<Generated> s2 = new Once<>(() -> generate(tmp.resolve("generated-s2"),
                List.of("--compression", "s2", "--block-size", "16384")));
        for (NatsServerBinary b : targets) {
            Once<ServerRun> run = new Once<>(() -> startOn(b, s2.get(), tmp.resolve("s2-run-" + b.version()), false));
            Once<ServerRun> rebuilt = new Once<>(() -> startOn(b, s2.get(), tmp.resolve("s2-rebuild-" + b.version()), true));
            nodes.add(dynamicContainer(b + " on blocks jetstart S2-compressed", Stream.of(
                    dynamicTest("jetstart wrote compressed blocks", () -> compressedBlocks(s2.get())),
                    dynamicTest("reports the state jetstart inspect reports", () -> sameState(s2.get(), run.get())),
                    dynamicTest("serves every message from the compressed blocks", () -> sameMessages(s2.get(), run.get())),
                    dynamicTest("rebuilds from the compressed blocks (index.db removed) to the same state, without warnings",
                            () -> {
                                sameState(s2.get(), rebuilt.get());
                                sameMessages(s2.get(), rebuilt.get());
                                assertThat(rebuilt.get().warnings()).as("server warnings").isEmpty();
                            }))));
        }
        for (int version : List.of(3, 4)) {
            Once<Generated> g = new Once<>(() -> generate(tmp.resolve("generated-v" + version),
                    List.of("--index-version", Integer.toString(version))));
            nodes.add(dynamicContainer("index.db v" + version, targets.stream().map(b -> dynamicTest(
                    indexVerdict(version, b), () -> indexVersion(version, b, g.get())))));
        }
        return nodes.stream();
    }

    private Generated generate(Path store, List<String> extra) throws Exception {
        Jetstart jetstart = new Jetstart(store.resolveSibling(store.getFileName() + "-work"));
        List<String> args = new ArrayList<>(List.of("generate", store.toString()));
        args.addAll(GENERATE);
        args.addAll(extra);
        Jetstart.Result r = jetstart.run(args.toArray(String[]::new));
        if (r.exitCode() != 0) {
            throw new AssertionError("jetstart generate failed: " + r);
        }
        JsonNode inspect = jetstart.inspect(store).json();
        Jetstart.Result dump = jetstart.run("dump", store.toString(), "--json");
        if (dump.exitCode() != 0) {
            throw new AssertionError("jetstart dump failed: " + dump);
        }
        return new Generated(store, inspect, dump.json());
    }

    private static ServerRun startOn(NatsServerBinary binary, Generated g, Path dir) throws Exception {
        return startOn(binary, g, dir, false);
    }

    private static ServerRun startOn(NatsServerBinary binary, Generated g, Path dir, boolean withoutIndex) throws Exception {
        Path store = StoreFiles.copy(g.store(), dir.resolve("store"));
        if (withoutIndex) {
            try (Stream<Path> files = java.nio.file.Files.walk(store)) {
                for (Path f : files.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                    java.nio.file.Files.delete(f);
                }
            }
        }
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL)) {
            ServerOracle.Snapshot oracle = ServerOracle.captureAfterRestore(server);
            oracle.write(Repo.output().resolve("jetstart-to-" + binary.version()), "generated");
            Map<String, List<JsonNode>> messages = new LinkedHashMap<>();
            List<Resume> resumes = new ArrayList<>();
            try (NatsClient client = server.connect(Account.GLOBAL)) {
                Connection c = client.connection();
                JsApi api = new JsApi(c, Json.mapper());
                for (JsonNode s : oracle.oracle().path("streams")) {
                    String name = s.path("name").asText();
                    messages.put(name, ServedMessages.served(api, name, s.path("state")));
                }
                // Resuming delivers, which changes consumer state: only after everything was read.
                for (JsonNode raw : oracle.raw().path("streams")) {
                    String stream = raw.path("info").path("config").path("name").asText();
                    for (JsonNode consumer : raw.path("consumers")) {
                        resumes.add(resume(c, stream, consumer, messages.get(stream)));
                    }
                }
            }
            return new ServerRun(binary, oracle, messages, resumes, server.warnings(), server.log());
        }
    }

    private static Resume resume(Connection c, String stream, JsonNode info, List<JsonNode> messages) throws Exception {
        String name = info.path("name").asText();
        JsonNode config = info.path("config");
        if (!config.path("deliver_subject").asText("").isEmpty()) {
            return new Resume(stream, name, "push consumer, not pulled", true);
        }
        long deliveredConsumer = info.path("delivered").path("consumer_seq").asLong();
        long deliveredStream = info.path("delivered").path("stream_seq").asLong();
        long floorStream = info.path("ack_floor").path("stream_seq").asLong();
        List<String> filters = new ArrayList<>();
        if (!config.path("filter_subject").asText("").isEmpty()) {
            filters.add(config.path("filter_subject").asText());
        }
        config.path("filter_subjects").forEach(f -> filters.add(f.asText()));
        Long nextNew = messages.stream()
                .filter(m -> m.path("seq").asLong() > deliveredStream)
                .filter(m -> filters.isEmpty() || filters.stream().anyMatch(f -> Subjects.matches(f, m.path("subject").asText())))
                .map(m -> m.path("seq").asLong())
                .findFirst().orElse(null);
        JetStreamSubscription sub = c.jetStream().subscribe(null, PullSubscribeOptions.bind(stream, name));
        try {
            List<Message> got = sub.fetch(1, Duration.ofSeconds(2));
            if (got.isEmpty()) {
                boolean expected = nextNew == null && info.path("num_ack_pending").asLong() == 0;
                return new Resume(stream, name, "nothing delivered (next new message: " + nextNew + ")", expected);
            }
            var meta = got.getFirst().metaData();
            boolean sequenceContinues = meta.consumerSequence() == deliveredConsumer + 1;
            boolean rightMessage = meta.deliveredCount() == 1
                    ? Objects.equals(meta.streamSequence(), nextNew)
                    : meta.streamSequence() > floorStream && meta.streamSequence() <= deliveredStream;
            return new Resume(stream, name, "delivered stream seq " + meta.streamSequence() + " as consumer seq "
                    + meta.consumerSequence() + " (delivery " + meta.deliveredCount() + "); jetstart left delivered "
                    + deliveredConsumer + "/" + deliveredStream + ", ack floor stream seq " + floorStream
                    + ", next new message " + nextNew, sequenceContinues && rightMessage);
        } finally {
            sub.unsubscribe();
        }
    }

    private static void sameState(Generated g, ServerRun run) {
        List<String> diff = StateDiff.between("jetstart", StateDiff.comparedView(g.inspect()), "server", run.oracle().oracle());
        assertThat(diff).as(() -> run.binary() + " on a store jetstart generated: " + StateDiff.describe(diff)
                + "\nserver warnings: " + run.warnings()).isEmpty();
        assertThat(run.oracle().oracle().path("streams").size()).as("streams the server restored").isEqualTo(3);
        assertThat(run.log()).as("the server restored every stream without deleting one")
                .doesNotContain("Error recreating stream");
    }

    /** Every stream's sealed blocks start with the compression envelope; the last block is plain. */
    private static void compressedBlocks(Generated g) throws Exception {
        int compressed = 0;
        try (Stream<Path> files = java.nio.file.Files.walk(g.store())) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".blk")).toList()) {
                byte[] head = new byte[4];
                try (var in = java.nio.file.Files.newInputStream(f)) {
                    if (in.readNBytes(head, 0, 4) == 4 && head[0] == 'c' && head[1] == 'm' && head[2] == 'p' && head[3] == 1) {
                        compressed++;
                    }
                }
            }
        }
        assertThat(compressed).as("compressed blocks in %s", g.store()).isGreaterThanOrEqualTo(3 * 3);
    }

    private static void sameMessages(Generated g, ServerRun run) {
        List<String> problems = ServedMessages.differences("jetstart", g.dump().path("streams"), run.messages());
        assertThat(g.dump().path("streams").size()).as("streams in jetstart dump").isEqualTo(3);
        assertThat(problems).as(() -> run.binary() + ": " + String.join("\n  ", problems)).isEmpty();
    }

    private static void consumersResume(ServerRun run) {
        assertThat(run.resumes()).as("consumers the server restored").hasSize(6);
        assertThat(run.resumes()).as(() -> run.binary() + ":\n  " + String.join("\n  ",
                run.resumes().stream().map(Resume::toString).toList())).allMatch(Resume::asExpected);
    }

    private static String indexVerdict(int version, NatsServerBinary b) {
        return version <= b.version().maxIndexDbVersion()
                ? "read by " + b + " without a rebuild, state equal to jetstart inspect"
                : "rejected by " + b + " (it reads up to v" + b.version().maxIndexDbVersion()
                        + "), which rebuilds from the blocks to the state jetstart inspect reports";
    }

    /**
     * Whether a server reads an {@code index.db} is told by its log: on a refused file it prints
     * "Recovering stream state from index errored" and rebuilds from the blocks (spec §4.3).
     */
    private void indexVersion(int version, NatsServerBinary binary, Generated g) throws Exception {
        ServerRun run = startOn(binary, g, tmp.resolve("index-v" + version + "-" + binary.version()));
        boolean rejected = run.log().contains("Recovering stream state from index errored");
        boolean readable = version <= binary.version().maxIndexDbVersion();
        assertThat(rejected).as(() -> binary + " and index.db v" + version + ", warnings: " + run.warnings())
                .isEqualTo(!readable);
        sameState(g, run);
    }
}
