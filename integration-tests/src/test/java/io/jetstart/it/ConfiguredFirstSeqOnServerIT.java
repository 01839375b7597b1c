package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Streams with a {@code first_seq} (100 where they are created with one), written by nats-server
 * 2.10.x and 2.14+, stopped and started again by the same server: {@code jetstart recover --as}
 * that server's line reports each stream as the server starts it. 2.10.27 purges a stream whose
 * first message is still the one at {@code first_seq} at every start, 2.15.1 keeps it; a first
 * below {@code first_seq} (only a config changed on disk gives one) has both purge the whole stream.
 * The runtime keeps the messages at and above {@code first_seq} on every line.
 *
 * 2.9.10, whose stream config has no {@code first_seq}, ignores one set on disk.
 *
 * <p>One store per server, one stream per case; each server is started twice, jetstart once.
 */
class ConfiguredFirstSeqOnServerIT {
    private final Path tmp = Repo.work("ConfiguredFirstSeqOnServerIT");

    @TestFactory
    Stream<DynamicNode> recoverReportsEachStreamAsTheServerStartsIt() throws Exception {
        return NatsServers.skipWhenMissing(() -> NatsServers.discover().requireV210AndV214Plus().stream()
                .map(server -> dynamicTest("on " + server, () -> run(server))));
    }

    @TestFactory
    Stream<DynamicNode> on29AFirstSeqSetOnDiskIsIgnored() throws Exception {
        return NatsServers.skipWhenMissing(() -> Stream.of(NatsServers.discover().require("2.9.x", v -> v.isLine(2, 9)))
                .map(server -> dynamicTest("on " + server, () -> run29(server))));
    }

    /** 2.9's stream config has no first_seq: 1..5 given first_seq 3 on disk start as they are. */
    private void run29(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve(server.version().toString());
        Path store = dir.resolve("server").resolve("store");
        try (NatsServerProcess p = NatsServerProcess.start(server, store, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            create(new JsApi(client.connection(), Json.mapper()), "BELOW", 0);
            publish(client, "below", 5);
            p.stopGracefully();
        }
        setFirstSeq(store.resolve("jetstream").resolve("$G").resolve("streams").resolve("BELOW"), "BELOW", 3);
        Path forJetstart = StoreFiles.copy(store, dir.resolve("jetstart").resolve("store"));
        JsonNode started;
        try (NatsServerProcess p = NatsServerProcess.start(server, store, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            started = new JsApi(client.connection(), Json.mapper()).streamInfo("BELOW").path("state");
        }
        System.out.println(server + " restarted BELOW: " + started);
        assertThat(started.path("messages").asLong()).as(server + " BELOW").isEqualTo(5);
        JsonNode state = streamOf(new Jetstart(dir.resolve("jetstart")).run("recover", forJetstart.toString(), "--json", "--quiet",
                "--as", "2.9").json(), "BELOW").path("state");
        for (String field : List.of("messages", "first_seq", "last_seq")) {
            assertThat(state.path(field).asLong()).as(server + " BELOW " + field).isEqualTo(started.path(field).asLong());
        }
    }

    private void run(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve(server.version().toString());
        Path store = dir.resolve("server").resolve("store");
        try (NatsServerProcess p = NatsServerProcess.start(server, store, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            // The first message is the one at first_seq.
            create(api, "AT", 100);
            publish(client, "at", 5);
            // Its first message deleted: the first is above first_seq.
            create(api, "ABOVE", 100);
            publish(client, "above", 5);
            api.request("$JS.API.STREAM.MSG.DELETE.ABOVE", Json.mapper().createObjectNode().put("seq", 100));
            // Never published to: first 100, last 99.
            create(api, "EMPTY", 100);
            // Every message removed: first 105, last 104.
            create(api, "GONE", 100);
            publish(client, "gone", 5);
            api.request("$JS.API.STREAM.PURGE.GONE", Json.mapper().createObjectNode());
            // Created without first_seq, 1..5; first_seq set on disk below (3) or past the last (200).
            create(api, "BELOW", 0);
            publish(client, "below", 5);
            create(api, "PAST", 0);
            publish(client, "past", 5);
            p.stopGracefully();
        }
        Path streams = store.resolve("jetstream").resolve("$G").resolve("streams");
        setFirstSeq(streams.resolve("BELOW"), "BELOW", 3);
        setFirstSeq(streams.resolve("PAST"), "PAST", 200);
        Path forJetstart = StoreFiles.copy(store, dir.resolve("jetstart").resolve("store"));
        Path forRuntime = StoreFiles.copy(store, dir.resolve("runtime").resolve("store"));

        Map<String, JsonNode> started = new LinkedHashMap<>();
        long publishedAt;
        try (NatsServerProcess p = NatsServerProcess.start(server, store, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            for (String name : List.of("AT", "ABOVE", "EMPTY", "GONE", "BELOW", "PAST")) {
                started.put(name, api.streamInfo(name).path("state"));
            }
            publishedAt = client.connection().jetStream().publish("at.x", new byte[] {1}).getSeqno();
        }
        // The findings (kept in docs/format-notes.md, "A first_seq in the config").
        started.forEach((name, state) -> System.out.println(server + " restarted " + name + ": " + state));
        boolean v210 = server.version().isLine(2, 10);
        // What the servers were measured to do; the comparison below is what the test is for.
        assertThat(started.get("AT").path("messages").asLong()).as(server + " AT").isEqualTo(v210 ? 0 : 5);
        assertThat(started.get("AT").path("first_seq").asLong()).as(server + " AT").isEqualTo(v210 ? 105 : 100);
        assertThat(publishedAt).as(server + " AT's next publish").isEqualTo(105);
        assertThat(started.get("BELOW").path("messages").asLong()).as(server + " BELOW").isZero();

        String line = server.version().major() + "." + server.version().minor();
        JsonNode report = new Jetstart(dir.resolve("jetstart")).run("recover", forJetstart.toString(), "--json", "--quiet", "--as", line)
                .json();
        for (Map.Entry<String, JsonNode> e : started.entrySet()) {
            JsonNode ours = streamOf(report, e.getKey());
            JsonNode state = ours.path("state");
            String ctx = e.getKey() + " on " + server + ": server " + e.getValue() + "\njetstart " + ours;
            // The server leaves out num_subjects and num_deleted when 0.
            for (String field : List.of("messages", "bytes", "first_seq", "last_seq", "num_subjects", "num_deleted")) {
                assertThat(state.path(field).asLong()).as(ctx + "\n" + field).isEqualTo(e.getValue().path(field).asLong());
            }
            assertThat(state.path("last_ts").asText()).as(ctx + "\nlast_ts").isEqualTo(e.getValue().path("last_ts").asText());
        }
        assertThat(streamOf(report, "AT").path("problems").toString()).as("AT's warning on " + server)
                .satisfies(text -> {
                    if (v210) {
                        assertThat(text).contains("removes its messages at every start while its first message is at first_seq 100");
                    } else {
                        assertThat(text).doesNotContain("first_seq");
                    }
                });

        // The runtime keeps them on every line: all of AT, and BELOW from first_seq (3..5).
        try (JetStartStore rt = JetStart.open(forRuntime, RuntimeOptions.defaults())) {
            var at = rt.stream("AT").await(Duration.ofSeconds(30)).info();
            assertThat(at.messages()).as(server + " runtime AT").isEqualTo(5);
            assertThat(at.firstSeq()).as(server + " runtime AT").isEqualTo(100);
            var below = rt.stream("BELOW").await(Duration.ofSeconds(30)).info();
            assertThat(below.messages()).as(server + " runtime BELOW").isEqualTo(3);
            assertThat(below.firstSeq()).as(server + " runtime BELOW").isEqualTo(3);
        }
    }

    private static void create(JsApi api, String name, long firstSeq) throws Exception {
        ObjectNode cfg = Json.mapper().createObjectNode().put("name", name).put("storage", "file");
        cfg.putArray("subjects").add(name.toLowerCase(java.util.Locale.ROOT) + ".>");
        if (firstSeq > 0) {
            cfg.put("first_seq", firstSeq);
        }
        api.request("$JS.API.STREAM.CREATE." + name, cfg);
    }

    private static void publish(NatsClient client, String prefix, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            client.connection().jetStream().publish(prefix + "." + i, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A first_seq put in meta.inf while the server is down (its meta.sum written to match). */
    private static void setFirstSeq(Path streamDir, String name, long firstSeq) throws Exception {
        String meta = Files.readString(streamDir.resolve("meta.inf"));
        assertThat(meta).doesNotContain("first_seq").contains("\"storage\":\"file\",");
        MetaFiles.writeStream(streamDir, name, meta.replace("\"storage\":\"file\",", "\"storage\":\"file\",\"first_seq\":" + firstSeq + ",")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode streamOf(JsonNode report, String name) {
        for (JsonNode s : report.path("streams")) {
            if (s.path("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no " + name + " in " + report);
    }
}
