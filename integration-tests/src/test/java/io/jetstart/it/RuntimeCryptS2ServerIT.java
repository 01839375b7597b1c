package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.recovery.Outcome;
import io.jetstart.recovery.StreamReport;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Compressed and encrypted stores, both ways between the runtime and real nats-server 2.10.x and
 * 2.14+:
 * <ul>
 *   <li>the runtime writes a {@code compression: s2} stream, an XChaCha20-Poly1305 store and an
 *       AES-256-GCM store whose stream is also compressed; each server (with the key and cipher in
 *       its {@code jetstream} block where encrypted) starts on it, reports the state
 *       {@code jetstart inspect} reports and serves every message {@code jetstart dump} prints, byte
 *       for byte; the same with every {@code index.db} deleted (the server rebuilds from the
 *       runtime's compressed / encrypted blocks); and it appends the next publish to them;</li>
 *   <li>the same server line's own encrypted (both ciphers) and S2 fixtures are opened by the
 *       runtime, written into, and the server restarted on them reports the runtime's state.</li>
 * </ul>
 */
class RuntimeCryptS2ServerIT {
    private static final String KEY = "runtime-written key: jetstart integration test";

    private final Path tmp = Repo.work("RuntimeCryptS2ServerIT");

    /** What the runtime writes: a store kind. */
    record Kind(String name, StoreCipher cipher, boolean compressed) {
        String key() {
            return cipher == null ? null : KEY;
        }

        String serverConfig() {
            return cipher == null ? null : jetstreamBlock(KEY, cipher);
        }
    }

    record Written(Path store, String key, JsonNode inspect, JsonNode dump) {
    }

    record ServerRun(NatsServerBinary binary, ServerOracle.Snapshot oracle, Map<String, List<JsonNode>> messages, long lastBefore,
                     long nextSeq, String log) {
    }

    static String jetstreamBlock(String key, StoreCipher cipher) {
        return "jetstream {\n  key: \"" + key + "\"\n  cipher: " + (cipher == StoreCipher.AES ? "aes" : "chachapoly") + "\n}\n";
    }

    @TestFactory
    Stream<DynamicNode> runtimeWrittenCompressedAndEncryptedStoresStartOnRealServersAndBack() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServers servers = NatsServers.discover();
        List<NatsServerBinary> targets = servers.requireV210AndV214Plus();
        List<Kind> kinds = List.of(new Kind("s2", null, true), new Kind("chacha", StoreCipher.CHACHA, false),
                new Kind("aes-s2", StoreCipher.AES, true));
        Map<Kind, Once<Written>> written = new LinkedHashMap<>();
        for (Kind k : kinds) {
            written.put(k, new Once<>(() -> write(tmp.resolve("written-" + k.name()), k)));
        }
        List<DynamicNode> nodes = new ArrayList<>();
        for (NatsServerBinary b : targets) {
            List<DynamicNode> perServer = new ArrayList<>();
            for (Kind k : kinds) {
                Once<Written> w = written.get(k);
                Once<ServerRun> run = new Once<>(() -> startOn(b, w.get(), k.serverConfig(), tmp.resolve(k.name() + "-" + b.version()), false));
                Once<ServerRun> lost = new Once<>(() -> startOn(b, w.get(), k.serverConfig(), tmp.resolve(k.name() + "-lost-" + b.version()), true));
                perServer.add(dynamicContainer("runtime-written " + k.name(), Stream.of(
                        dynamicTest("reports the state jetstart inspect reports", () -> sameState(w.get(), run.get(), true)),
                        dynamicTest("serves every message, byte for byte", () -> sameMessages(w.get(), run.get())),
                        dynamicTest("with every index.db deleted, rebuilds to the same state", () -> sameState(w.get(), lost.get(), false)),
                        dynamicTest("with every index.db deleted, serves the same messages", () -> sameMessages(w.get(), lost.get())),
                        dynamicTest("appends the next publish after the runtime's last sequence", () -> {
                            assertThat(run.get().nextSeq()).isEqualTo(run.get().lastBefore() + 1);
                            assertThat(lost.get().nextSeq()).isEqualTo(run.get().nextSeq());
                        }))));
            }
            String v = b.version().toString();
            for (String suffix : List.of("chacha", "aes", "s2")) {
                String fixture = "nats-" + v + "-" + suffix;
                if (!Files.isDirectory(Fixtures.dir().resolve(fixture))) {
                    continue;
                }
                String key = io.jetstart.core.testing.Fixtures.key(fixture).orElse(null);
                StoreCipher cipher = suffix.equals("aes") ? StoreCipher.AES : suffix.equals("chacha") ? StoreCipher.CHACHA : null;
                perServer.add(dynamicTest("its own " + fixture + ", written into by the runtime, restarts with the runtime's state",
                        () -> serverStoreRoundTrip(b, fixture, key, key == null ? null : jetstreamBlock(key, cipher))));
            }
            String chacha = "nats-" + v + "-chacha";
            if (Files.isDirectory(Fixtures.dir().resolve(chacha))) {
                perServer.add(dynamicTest("push --key of every stream of " + chacha + " into a server without a key gives its state",
                        () -> pushEncrypted(b, chacha)));
            }
            nodes.add(dynamicContainer(b.toString(), perServer.stream()));
        }
        return nodes.stream();
    }

    private static StreamConfig config(String json) throws Exception {
        return StreamConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static RuntimeOptions options(String key, StoreCipher cipher) {
        RuntimeOptions o = RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS);
        return key == null ? o : o.withKey(StoreKey.ofText(key), cipher);
    }

    private Written write(Path store, Kind k) throws Exception {
        Files.createDirectories(store);
        String compression = k.compressed() ? ",\"compression\":\"s2\"" : "";
        try (JetStartStore js = JetStart.open(store, options(k.key(), k.cipher()).withBlockSize(8192))) {
            JetStartStream z = js.createStream("$G", config("{\"name\":\"Z\",\"subjects\":[\"z.>\"]" + compression + "}"));
            for (int i = 1; i <= 800; i++) {
                Headers h = i % 9 == 0 ? Headers.of(Headers.MSG_ID, "id-" + i, "X-Kind", k.name()) : Headers.EMPTY;
                z.publishAsync("z." + (i % 6), h, ("message " + i + " of the " + k.name() + " store, repeated text repeated text")
                        .getBytes(StandardCharsets.UTF_8));
            }
            z.publish("z.0", "last of the batch".getBytes(StandardCharsets.UTF_8));
            for (long seq : new long[] {5, 77, 400, 799}) {
                z.delete(seq);
            }
            z.purge(new PurgeRequest("z.5", 10, 0));
            JetStartStream lim = js.createStream("$G", config(
                    "{\"name\":\"LIM\",\"subjects\":[\"lim.>\"],\"max_msgs\":150,\"max_msgs_per_subject\":40" + compression + "}"));
            for (int i = 1; i <= 400; i++) {
                lim.publishAsync("lim." + (i % 5), Headers.EMPTY, new byte[20 + i % 80]);
            }
            lim.publish("lim.0", new byte[3]);
        }
        return new Written(store, k.key(), inspect(store, k.key()), dump(store, k.key()));
    }

    private static JsonNode inspect(Path store, String key) throws Exception {
        Jetstart jetstart = new Jetstart(store.resolveSibling(store.getFileName() + "-work"));
        Jetstart.Result r = key == null ? jetstart.run("inspect", store.toString(), "--json")
                : jetstart.run("inspect", store.toString(), "--json", "--key", key);
        assertThat(r.exitCode()).as(r::toString).isZero();
        return r.json();
    }

    private static JsonNode dump(Path store, String key) throws Exception {
        Jetstart jetstart = new Jetstart(store.resolveSibling(store.getFileName() + "-work"));
        Jetstart.Result r = key == null ? jetstart.run("dump", store.toString(), "--json")
                : jetstart.run("dump", store.toString(), "--json", "--key", key);
        assertThat(r.exitCode()).as(r::toString).isZero();
        return r.json();
    }

    private static ServerRun startOn(NatsServerBinary binary, Written w, String serverConfig, Path dir, boolean loseIndex)
            throws Exception {
        Path store = StoreFiles.copy(w.store(), dir.resolve("store"));
        if (loseIndex) {
            try (Stream<Path> files = Files.walk(store)) {
                for (Path f : files.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                    Files.delete(f);
                }
            }
        }
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL, serverConfig)) {
            ServerOracle.Snapshot oracle = ServerOracle.captureAfterRestore(server);
            Map<String, List<JsonNode>> messages = new LinkedHashMap<>();
            long lastBefore = 0;
            long nextSeq;
            try (NatsClient client = server.connect(Account.GLOBAL)) {
                JsApi api = new JsApi(client.connection(), Json.mapper());
                for (JsonNode s : oracle.oracle().path("streams")) {
                    String name = s.path("name").asText();
                    if (name.equals("Z")) {
                        lastBefore = s.path("state").path("last_seq").asLong();
                    }
                    messages.put(name, ServedMessages.served(api, name, s.path("state")));
                }
                PublishAck ack = client.connection().jetStream().publish("z.after", "after".getBytes(StandardCharsets.UTF_8));
                nextSeq = ack.getSeqno();
                // Read back what the server appended to the runtime's (encrypted, compressed) blocks.
                assertThat(api.message("Z", nextSeq)).as(binary + " reads its own append").isPresent();
            }
            return new ServerRun(binary, oracle, messages, lastBefore, nextSeq, server.log());
        }
    }

    private static void sameState(Written w, ServerRun run, boolean fastPath) {
        List<String> diff = StateDiff.between("jetstart", StateDiff.comparedView(w.inspect()), "server", run.oracle().oracle());
        assertThat(diff).as(() -> run.binary() + " on a store the runtime wrote: " + StateDiff.describe(diff)).isEmpty();
        assertThat(run.oracle().oracle().path("streams").size()).as("streams the server restored").isEqualTo(2);
        assertThat(run.log()).doesNotContain("Error recreating stream").doesNotContain("decrypt").doesNotContain("compress");
        if (fastPath) {
            assertThat(run.log()).as("the server found nothing wrong with the runtime's index.db")
                    .doesNotContain("Recovering stream state from index errored")
                    .doesNotContain("Stream state outdated")
                    .doesNotContain("internal inconsistency");
        }
    }

    private static void sameMessages(Written w, ServerRun run) {
        List<String> problems = ServedMessages.differences("the runtime", w.dump().path("streams"), run.messages());
        assertThat(problems).as(() -> run.binary() + ": " + String.join("\n  ", problems)).isEmpty();
    }

    /**
     * A store this server line wrote (encrypted, or compressed) is opened by the runtime with its
     * key, every writable stream gets 150 messages in 2 KiB blocks (so the server's last block is rolled
     * past, and compressed in an s2 stream, and the runtime's own blocks follow), a 2.11+ store also a
     * new {@code allow_msg_ttl} stream; every {@code index.db} the runtime wrote has the version the
     * server's had (inside the seal when encrypted: 2.15.1's v4), and the same server restarted on
     * the result reports what {@code jetstart inspect} reports.
     */
    private void serverStoreRoundTrip(NatsServerBinary b, String fixture, String key, String serverConfig) throws Exception {
        Path dir = tmp.resolve("fixture-" + fixture);
        Path store = io.jetstart.core.testing.Fixtures.copyStore(fixture, dir);
        int wrote = 0;
        // Small blocks: the runtime rolls past the server's last block (compressing it in an s2
        // stream, as the server would) and creates several blocks of its own (with key files when encrypted).
        // A 2.11+ store takes a TTL stream (its index.db v2+ counts the TTL messages): one is created there.
        boolean ttlStream = !b.version().isLine(2, 10);
        // The stream created is sealed with the store's cipher: one the server has to convert (it is
        // configured with the other) is rebuilt by it without its index.db (2.15.1 logs "Stream state
        // magic and version mismatch" after "Converting to AES-GCM").
        StoreCipher cipher = fixture.endsWith("-aes") ? StoreCipher.AES : StoreCipher.CHACHA;
        try (JetStartStore js = JetStart.open(store, options(key, cipher).withBlockSize(2048))) {
            if (ttlStream) {
                JetStartStream t = js.createStream("$G", config("{\"name\":\"RTTTL\",\"subjects\":[\"rtttl.*\"],\"allow_msg_ttl\":true}"));
                for (int i = 0; i < 20; i++) {
                    t.publish("rtttl." + (i % 3), i % 2 == 0 ? Headers.of("Nats-TTL", "1h") : Headers.EMPTY,
                            ("ttl stream " + i).getBytes(StandardCharsets.UTF_8));
                }
            }
            for (StreamReport r : js.recovery().get().streams()) {
                if (r.outcome() != Outcome.RECOVERED && r.outcome() != Outcome.REBUILT) {
                    continue;
                }
                JetStartStream s = js.stream(r.account(), r.name()).await(Duration.ofSeconds(30));
                if (s.readOnlyReason().isPresent() || s.config().subjects().isEmpty()) {
                    continue;
                }
                String subject = s.config().subjects().get(0).replace(">", "rt").replace("*", "rt");
                long before = s.info().lastSeq();
                try {
                    for (int i = 0; i < 150; i++) {
                        assertThat(s.publish(subject, Headers.EMPTY, ("runtime " + i + " into " + fixture + " repeated repeated")
                                .getBytes(StandardCharsets.UTF_8)).seq()).isEqualTo(before + i + 1);
                    }
                    wrote++;
                } catch (io.jetstart.runtime.JetStreamApiException e) {
                    System.out.println("[it] " + fixture + " > " + r.name() + " refused a publish: " + e.getMessage());
                }
            }
        }
        assertThat(wrote).as("streams of " + fixture + " the runtime wrote into").isPositive();
        // The runtime wrote each stream's index.db in the version the server had (an encrypted one's
        // read inside the seal: 2.15.1's v4, never v1 from a nonce), and a TTL stream it created took
        // the store's: the restart below shows the server reads them as its own.
        List<Path> streamDirs;
        try (Stream<Path> list = Files.list(store.resolve("jetstream/$G/streams"))) {
            streamDirs = list.toList();
        }
        for (Path sd : streamDirs) {
            Path original = io.jetstart.core.testing.Fixtures.streamDir(io.jetstart.core.testing.Fixtures.root().resolve(fixture),
                    sd.getFileName().toString());
            if (Files.exists(original.resolve("msgs/index.db"))) {
                assertThat(indexVersion(sd, key)).as("%s > %s index.db version", fixture, sd.getFileName())
                        .isEqualTo(indexVersion(original, key));
            }
        }
        if (ttlStream) {
            assertThat(indexVersion(store.resolve("jetstream/$G/streams/RTTTL"), key)).as("RTTTL").isEqualTo(4);
        }
        JsonNode inspect = inspect(store, key);
        Path forServer = StoreFiles.copy(store, dir.resolve("server"));
        ServerOracle.Snapshot oracle;
        String log;
        try (NatsServerProcess server = NatsServerProcess.start(b, forServer, dir, ServerAccounts.GLOBAL, serverConfig)) {
            oracle = ServerOracle.captureAfterRestore(server);
            log = server.log();
        }
        List<String> diff = StateDiff.between("jetstart", StateDiff.comparedView(inspect), "server", oracle.oracle());
        assertThat(diff).as(() -> b + " on " + fixture + " after the runtime wrote into it: " + StateDiff.describe(diff)).isEmpty();
        assertThat(log).as("the server used the index.db the runtime wrote")
                .doesNotContain("Recovering stream state from index errored")
                .doesNotContain("Stream state outdated")
                .doesNotContain("internal inconsistency");
    }

    /** The version in the header of the stream's {@code index.db}, inside its seal when it is encrypted. */
    private static int indexVersion(Path streamDir, String key) throws Exception {
        Path f = streamDir.resolve("msgs/index.db");
        byte[] stored = Files.readAllBytes(f);
        IndexDbCodec.checkTrailer(streamDir.getFileName().toString(), stored);
        StreamKeys keys = StreamKeys.load(key == null ? null : StoreKey.ofText(key), "$G", streamDir, DiskGate.unbounded());
        byte[] body = keys.open(f, java.util.Arrays.copyOf(stored, stored.length - IndexDbCodec.TRAILER_LENGTH));
        return IndexDbCodec.headerVersion(body, body.length);
    }

    /**
     * {@code jetstart push --key} sends each stream of an encrypted store as plaintext (as the server's
     * own snapshot of an encrypted stream): a server without any key restores it with the state and
     * consumers {@code jetstart inspect --key} reports.
     */
    private void pushEncrypted(NatsServerBinary b, String fixture) throws Exception {
        Path dir = tmp.resolve("push-" + fixture);
        Path source = io.jetstart.core.testing.Fixtures.copyStore(fixture, dir);
        String key = io.jetstart.core.testing.Fixtures.key(fixture).orElseThrow();
        JsonNode inspect = inspect(source, key);
        Jetstart jetstart = new Jetstart(dir.resolve("work"));
        ServerOracle.Snapshot oracle;
        try (NatsServerProcess server = NatsServerProcess.start(b, dir.resolve("server-store"), dir.resolve("server"), ServerAccounts.GLOBAL)) {
            for (JsonNode s : inspect.path("streams")) {
                Jetstart.Result r = jetstart.run("push", source.toString(), s.path("name").asText(), "--server",
                        "nats://127.0.0.1:" + server.port(), "--key", key);
                assertThat(r.exitCode()).as(r::toString).isZero();
            }
            Jetstart.Result wrong = jetstart.run("push", source.toString(), "LIM1", "--server", "nats://127.0.0.1:" + server.port(),
                    "--key", "not-" + key);
            assertThat(wrong.exitCode()).as(wrong::toString).isEqualTo(66);
            oracle = ServerOracle.capture(server);
        }
        List<String> diff = StateDiff.between("jetstart inspect --key", StateDiff.comparedView(inspect), "server after push",
                oracle.oracle());
        assertThat(diff).as(() -> b + ": " + StateDiff.describe(diff)).isEmpty();
    }
}
