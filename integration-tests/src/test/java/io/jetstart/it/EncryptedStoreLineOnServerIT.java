package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.lines.LineChoice;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.lines.ServerLineDetector;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The line of an encrypted store is told by its {@code msgs/} listing ({@code .idx} files and no
 * {@code index.db}: 2.9), checked on what the real servers write with a {@code jetstream} key, both
 * ciphers: a stream created, 50 messages, 2 deleted, then a {@code kill -9} (no stop, so a 2.10+
 * server has written no {@code index.db} yet) or a clean stop. 2.9.x is detected as 2.9 either way
 * (it writes {@code 1.idx} at once); 2.10+ never is (no {@code .idx}, then an encrypted
 * {@code index.db}). And a 2.10+ server started on the encrypted 2.9.10 fixture removes its
 * {@code .idx} files at once: killed then, the store is not taken as 2.9 either. The same fixture
 * after jetstart's runtime served it is 2.10, and every server starts on it ({@link #servedByRuntime}).
 */
class EncryptedStoreLineOnServerIT {
    private final Path tmp = Repo.work("EncryptedStoreLineOnServerIT");
    private static final String KEY = "EncryptedStoreLineOnServerIT-test-key-not-a-secret";

    @TestFactory
    Stream<DynamicNode> anEncryptedStoreIs29ExactlyWhen29WroteIt() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        List<NatsServerBinary> servers = NatsServers.discover().requireAll();
        List<DynamicNode> out = new ArrayList<>();
        for (NatsServerBinary server : servers) {
            for (String cipher : List.of("chachapoly", "aes")) {
                for (boolean kill : new boolean[] {true, false}) {
                    out.add(dynamicTest(server + " " + cipher + (kill ? ", kill -9" : ", clean stop"), () -> written(server, cipher, kill)));
                }
            }
            if (!server.version().isLine(2, 9)) {
                out.add(dynamicTest(server + " started on the encrypted 2.9.10 fixture, kill -9", () -> upgraded(server)));
            }
            out.add(dynamicTest(server + " started on the encrypted 2.9.10 fixture after the runtime served it", () -> servedByRuntime(server)));
            if (server.version().atLeast(2, 14)) {
                out.add(dynamicTest(server + " started on the encrypted 2.10.27 fixture, index.db deleted after its stop",
                        () -> upgradedFrom210(server)));
            }
        }
        return out.stream();
    }

    private void written(NatsServerBinary server, String cipher, boolean kill) throws Exception {
        Path dir = tmp.resolve(server.version() + "-" + cipher + (kill ? "-kill" : "-stop"));
        Path store = dir.resolve("store");
        String config = "jetstream {\n  key: \"" + KEY + "\"\n  cipher: " + cipher + "\n}\n";
        try (NatsServerProcess p = NatsServerProcess.start(server, store, dir.resolve("server"), ServerAccounts.GLOBAL, config);
             NatsClient c = p.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(c.connection(), Json.mapper());
            ObjectNode cfg = Json.mapper().createObjectNode().put("name", "S").put("storage", "file");
            cfg.putArray("subjects").add("s.*");
            api.request("$JS.API.STREAM.CREATE.S", cfg);
            for (int i = 1; i <= 50; i++) {
                c.connection().jetStream().publish("s.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            for (long seq : new long[] {5, 7}) {
                api.request("$JS.API.STREAM.MSG.DELETE.S", Json.mapper().createObjectNode().put("seq", seq).put("no_erase", true));
            }
            if (kill) {
                p.kill9();
            } else {
                p.stopGracefully();
            }
        }
        Path msgs = store.resolve("jetstream/$G/streams/S/msgs");
        boolean is29 = server.version().isLine(2, 9);
        assertThat(Files.exists(msgs.resolve("1.key"))).as("encrypted").isTrue();
        assertThat(Files.exists(msgs.resolve("1.idx"))).as("%s writes 1.idx", server).isEqualTo(is29);
        if (kill && !is29) {
            assertThat(Files.exists(msgs.resolve("index.db"))).as("%s: no index.db before a stop", server).isFalse();
        }
        LineChoice line = detect(store);
        if (is29) {
            assertThat(line.line()).as("%s", line).isEqualTo(ServerLine.V2_9);
        } else {
            assertThat(line.line()).as("%s", line).isEqualTo(ServerLine.NEWEST);
        }
        // With the key: the sealed index.db's version after a stop; without one (killed, or deleted
        // after the stop) the sealed meta.inf's key set, which names the server's own line too.
        ServerLine own = ServerLine.parse(server.version().major() + "." + server.version().minor());
        LineChoice withKey = detect(store, StoreKey.ofText(KEY));
        assertThat(withKey.line()).as("%s", withKey).isEqualTo(own);
        if (!is29 && !kill) {
            Files.delete(msgs.resolve("index.db"));
            LineChoice gone = detect(store, StoreKey.ofText(KEY));
            assertThat(gone.line()).as("index.db deleted: %s", gone).isEqualTo(own);
            assertThat(gone.evidence()).anyMatch(e -> e.startsWith("encrypted meta.inf with ") && e.endsWith("opened with the key ("
                    + (own == ServerLine.V2_10 ? "2.10" : "2.11 or newer") + ") (1 stream)"));
        }
    }

    private void upgraded(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve(server.version() + "-upgraded");
        Path store = io.jetstart.core.testing.Fixtures.copyStore("nats-2.9.10-chacha", dir);
        assertThat(detect(store).line()).as("the fixture as 2.9.10 left it").isEqualTo(ServerLine.V2_9);
        String key = io.jetstart.core.testing.Fixtures.key("nats-2.9.10-chacha").orElseThrow();
        String config = "jetstream {\n  key: \"" + key + "\"\n  cipher: chachapoly\n}\n";
        try (NatsServerProcess p = NatsServerProcess.start(server, store, dir.resolve("server"), ServerAccounts.GLOBAL, config);
             NatsClient c = p.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(c.connection(), Json.mapper());
            // The .idx deletes read (oracle.json: 537), then the .idx files removed at the open.
            assertThat(api.streamInfo("DEL").path("state").path("messages").asLong()).isEqualTo(537);
            p.kill9();
        }
        try (Stream<Path> files = Files.walk(store)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".idx")).toList())
                    .as("%s removed every .idx", server).isEmpty();
        }
        LineChoice line = detect(store);
        assertThat(line.line()).as("%s", line).isNotEqualTo(ServerLine.V2_9).isEqualTo(ServerLine.NEWEST);
        // The server left each meta.inf as 2.9.10 wrote it: with the key, it names no line either.
        LineChoice withKey = detect(store, StoreKey.ofText(key));
        assertThat(withKey.line()).as("%s", withKey).isEqualTo(ServerLine.NEWEST);
        assertThat(withKey.evidence()).contains(
                "encrypted meta.inf without compression and consumer_limits, opened with the key (created by 2.9, no .idx left: no line) (2 streams)");
    }

    /**
     * A 2.14+ server started with the key on the encrypted 2.10.27 fixture: stopped without a write,
     * it leaves every index.db as it was (v1: nothing to write, so the store is still 2.10); after one
     * publish to each stream, it writes them as v4 at its stop. Either way it leaves each meta.inf as
     * 2.10.27 wrote it: with the index.db files deleted, the store is seen as 2.10 by its meta.inf
     * (the same limit as a plain store's: give --as).
     */
    private void upgradedFrom210(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve(server.version() + "-from-2.10");
        Path store = io.jetstart.core.testing.Fixtures.copyStore("nats-2.10.27-chacha", dir);
        String key = io.jetstart.core.testing.Fixtures.key("nats-2.10.27-chacha").orElseThrow();
        String config = "jetstream {\n  key: \"" + key + "\"\n  cipher: chachapoly\n}\n";
        try (NatsServerProcess p = NatsServerProcess.start(server, store, dir.resolve("server"), ServerAccounts.GLOBAL, config)) {
            p.stopGracefully();
        }
        assertThat(detect(store, StoreKey.ofText(key)).line()).as("no write: index.db as it was").isEqualTo(ServerLine.V2_10);
        try (NatsServerProcess p = NatsServerProcess.start(server, store, dir.resolve("server"), ServerAccounts.GLOBAL, config);
             NatsClient c = p.connect(Account.GLOBAL)) {
            for (String subject : List.of("lim1.x", "int1.x", "pall.x", "psub.x")) {
                c.connection().jetStream().publish(subject, "after".getBytes(StandardCharsets.UTF_8));
            }
            p.stopGracefully();
        }
        assertThat(detect(store, StoreKey.ofText(key)).line()).as("index.db v4 after a write and a stop").isEqualTo(ServerLine.V2_15);
        try (Stream<Path> files = Files.walk(store)) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals("index.db")).toList()) {
                Files.delete(f);
            }
        }
        LineChoice gone = detect(store, StoreKey.ofText(key));
        assertThat(gone.line()).as("%s", gone).isEqualTo(ServerLine.V2_10);
        assertThat(gone.evidence()).containsExactly(
                "encrypted meta.inf with compression and consumer_limits only, opened with the key (2.10) (4 streams)");
    }

    /**
     * The encrypted 2.9.10 fixture after jetstart's runtime served it (one publish to {@code DEL}):
     * each stream keeps its {@code .idx} files and has the runtime's sealed {@code index.db} (v1) beside
     * them. Detected as 2.10, as the plain store the runtime served is by its v1; every server starts
     * on it, 2.10.27 and 2.15.1 with the same state as jetstart's, 2.9.10 counting only the delete
     * maps of its {@code .idx} files as {@code num_deleted} (its own count, as in the fixture's oracle).
     */
    private void servedByRuntime(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve(server.version() + "-served");
        Path store = io.jetstart.core.testing.Fixtures.copyStore("nats-2.9.10-chacha", dir);
        String key = io.jetstart.core.testing.Fixtures.key("nats-2.9.10-chacha").orElseThrow();
        RuntimeOptions opts = RuntimeOptions.defaults().withKey(StoreKey.ofText(key));
        try (JetStartStore js = JetStart.open(store, opts)) {
            js.stream("LIM1").await(Duration.ofSeconds(30));
            js.stream("DEL").await(Duration.ofSeconds(30)).publish("del.0", "after".getBytes(StandardCharsets.UTF_8));
        }
        for (String stream : List.of("DEL", "LIM1")) {
            Path msgs = store.resolve("jetstream/$G/streams/" + stream + "/msgs");
            assertThat(msgs.resolve("1.idx")).as("%s keeps its .idx", stream).exists();
            assertThat(msgs.resolve("index.db")).as("%s has the runtime's index.db", stream).exists();
        }
        assertThat(detect(store).line()).as("%s", detect(store)).isEqualTo(ServerLine.V2_10);
        Path keyFile = dir.resolve("key.txt");
        Files.writeString(keyFile, key);
        JsonNode inspected = new Jetstart(dir.resolve("jetstart")).run("inspect", store.toString(), "--json", "--key-file", keyFile.toString())
                .json();
        assertThat(inspected.path("server_line").path("line").asText()).isEqualTo("2.10");
        JsonNode del = null;
        for (JsonNode s : inspected.path("streams")) {
            if (s.path("name").asText().equals("DEL")) {
                del = s.path("state");
            }
        }
        assertThat(del).as("DEL in %s", inspected).isNotNull();
        assertThat(del.path("messages").asLong()).isEqualTo(538);
        assertThat(del.path("num_deleted").asLong()).isEqualTo(460);

        String config = "jetstream {\n  key: \"" + key + "\"\n  cipher: chachapoly\n}\n";
        try (NatsServerProcess p = NatsServerProcess.start(server, store, dir.resolve("server"), ServerAccounts.GLOBAL, config);
             NatsClient c = p.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(c.connection(), Json.mapper());
            JsonNode state = api.streamInfo("DEL").path("state");
            assertThat(state.path("messages").asLong()).isEqualTo(538);
            assertThat(state.path("first_seq").asLong()).isEqualTo(4);
            assertThat(state.path("last_seq").asLong()).isEqualTo(1001);
            // 2.9.10 counts only its .idx delete maps, not the emptied block's 643-1000 (testdata/README.md).
            assertThat(state.path("num_deleted").asLong()).isEqualTo(server.version().isLine(2, 9) ? 102 : 460);
            assertThat(api.streamInfo("LIM1").path("state").path("messages").asLong()).isEqualTo(294);
            p.stopGracefully();
        }
    }

    private static LineChoice detect(Path store) throws Exception {
        return ServerLineDetector.detect(StoreLayout.discover(store, DiskGate.unbounded()).streams(), DiskGate.unbounded());
    }

    private static LineChoice detect(Path store, StoreKey key) throws Exception {
        return ServerLineDetector.detect(StoreLayout.discover(store, DiskGate.unbounded()).streams(), DiskGate.unbounded(), key);
    }
}
