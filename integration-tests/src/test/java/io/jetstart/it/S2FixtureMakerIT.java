package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.CompressionOption;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the S2-compressed fixture stores {@code testdata/fixtures/nats-<version>-s2} with real
 * nats-server 2.10.x and 2.15.x (issue 10 part 2). Not a test: run it on purpose, e.g.
 * <pre>
 * JETSTART_NATS_SERVERS=.cache/nats-servers/bin ./mvnw -pl integration-tests -am verify \
 *     -Dit.test=S2FixtureMakerIT -Djetstart.makeFixtures=true -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * Each store holds four streams with {@code compression: s2}, all with 32,000-byte blocks (the
 * server's minimum, which its block size auto-tune picks for a {@code max_bytes} below 128,000), so
 * there are several sealed, compressed blocks:
 * <ul>
 *   <li>{@code LIM}: limits, {@code max_bytes} 120,000, 1,500 messages over 4 subjects: the
 *   oldest blocks are dropped, the first sequence moves; every 50th message has a header; every
 *   37th deleted; durable {@code C0} with acks out of order;</li>
 *   <li>{@code ERASE}: limits, {@code max_bytes} 120,000, 600 messages, 5 secure erases in sealed
 *   blocks. 2.10.x writes an erased record's plaintext at its plaintext offset into the compressed
 *   file, so on 2.10 those blocks no longer decode (and its rebuild drops them); no consumer;</li>
 *   <li>{@code KV_CFG}: a KV bucket (history 3, 120,000 bytes), 60 keys written 10 times,
 *   deletes and purges: per-subject limits remove old revisions across blocks;</li>
 *   <li>{@code MANY}: {@code max_bytes} 120,000 but only 1,100 messages of 60 B (nothing evicted), then two
 *   of every three deleted in 150..333 and nine of every ten in 334..666, so {@code sync_interval:
 *   1s} compacts block 2 (and the server compresses the compacted block again).</li>
 * </ul>
 * Beside the store: {@code oracle.json} (the running server's answers), {@code oracle.rebuilt.json}
 * (the same server after a restart on a copy without {@code index.db}), {@code messages.json}
 * (every live message by {@code STREAM.MSG.GET}, in {@code jetstart dump --json}'s shape) and
 * {@code server-version.txt}.
 */
@EnabledIfSystemProperty(named = "jetstart.makeFixtures", matches = "true")
class S2FixtureMakerIT {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String CONFIG = "jetstream { sync_interval: \"1s\" }";

    @Test
    void writesTheS2FixturesWithTheServersOwnOracles() throws Exception {
        NatsServers servers = NatsServers.discover();
        make(servers.requireV210());
        make(servers.requireV214Plus());
    }

    private static void make(NatsServerBinary binary) throws Exception {
        String name = "nats-" + binary.version() + "-s2";
        Path out = Fixtures.dir().resolve(name);
        Path work = Repo.work("s2-fixture-" + binary.version());
        StoreFiles.deleteTree(out);
        Path store = out.resolve("store");
        ObjectMapper json = Json.mapper();
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, work, ServerAccounts.GLOBAL, CONFIG)) {
            try (NatsClient c = server.connect(Account.GLOBAL)) {
                populate(c.connection());
            }
            // Sealed blocks are compressed in the background, and compaction runs every sync_interval.
            Thread.sleep(3_000);
            Files.writeString(out.resolve("oracle.json"), Json.pretty(oracle(server, json)));
            Files.writeString(out.resolve("messages.json"), messages(server, json));
            server.stopGracefully();
        }
        Files.writeString(out.resolve("server-version.txt"), "nats-server: v" + binary.version() + "\n");

        Path copy = StoreFiles.copy(store, work.resolve("rebuilt-store"));
        StoreFiles.deleteIndexDbs(copy);
        try (NatsServerProcess server = NatsServerProcess.start(binary, copy, work, ServerAccounts.GLOBAL, CONFIG)) {
            ServerOracle.captureAfterRestore(server); // waits until its restore has settled
            Files.writeString(out.resolve("oracle.rebuilt.json"), Json.pretty(oracle(server, json)));
            server.stopGracefully();
        }
        long compressed = 0;
        long bytes = 0;
        try (Stream<Path> files = Files.walk(store)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(f);
                if (f.getFileName().toString().endsWith(".blk") && startsWithCmp(f)) {
                    compressed++;
                }
            }
        }
        System.out.println("[fixture] " + name + ": " + compressed + " compressed blocks, store " + bytes + " bytes");
        assertThat(compressed).as("%s: compressed blocks", name).isGreaterThanOrEqualTo(6);
        byte[] many2 = Files.readAllBytes(Fixtures.dir().resolve(name).resolve("store/jetstream/$G/streams/MANY/msgs/2.blk"));
        assertThat(io.jetstart.core.compress.BlockCompression.plaintext(many2, many2.length, 64 << 20).length)
                .as("%s: MANY block 2 compacted (333 records of 96 bytes before)", name).isLessThan(333 * 96 / 2);
    }

    private static boolean startsWithCmp(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'c' && b[1] == 'm' && b[2] == 'p' && b[3] == 1;
        }
    }

    private static void populate(io.nats.client.Connection nc) throws Exception {
        JetStream js = nc.jetStream();
        JetStreamManagement jsm = nc.jetStreamManagement();

        jsm.addStream(StreamConfiguration.builder().name("LIM").subjects("lim.*").retentionPolicy(RetentionPolicy.Limits)
                .maxBytes(120_000).compressionOption(CompressionOption.S2).storageType(StorageType.File).build());
        for (int i = 1; i <= 1_500; i++) {
            Headers h = i % 50 == 0 ? new Headers().add("X-Seq", Integer.toString(i)) : null;
            js.publish("lim." + (i % 4), h, body("LIM", i, 90));
        }
        long first = jsm.getStreamInfo("LIM").getStreamState().getFirstSequence();
        for (long seq = first + 36 - (first + 36) % 37; seq <= 1_500; seq += 37) {
            jsm.deleteMessage("LIM", seq, false);
        }
        ConsumerConfiguration c0 = ConsumerConfiguration.builder().durable("C0").ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All).maxAckPending(1_000).ackWait(Duration.ofMinutes(10)).build();
        jsm.addOrUpdateConsumer("LIM", c0);
        List<Message> got = StoreScenarios.fetch(js, "LIM", "C0", 200);
        for (int i = got.size(); i >= 1; i--) {
            if (i <= 100 || i % 10 == 0) {
                got.get(i - 1).ackSync(WAIT);
            }
        }

        nc.keyValueManagement().create(KeyValueConfiguration.builder().name("CFG").maxHistoryPerKey(3)
                .maxBucketSize(120_000).compression(true).storageType(StorageType.File).build());
        KeyValue kv = nc.keyValue("CFG");
        for (int round = 1; round <= 10; round++) {
            for (int k = 0; k < 60; k++) {
                kv.put("app.k" + (k < 10 ? "0" : "") + k, body("CFG" + k, round, 80));
            }
        }
        for (int k = 10; k < 20; k++) {
            kv.delete("app.k" + k);
        }
        for (int k = 30; k < 35; k++) {
            kv.purge("app.k" + k);
        }

        // Secure erase in sealed blocks: 2.10.x writes the erased record's plaintext into the
        // compressed file (eraseMsg's WriteAt), so those blocks no longer decode; 2.11+ rewrite the block.
        jsm.addStream(StreamConfiguration.builder().name("ERASE").subjects("erase.*").maxBytes(120_000)
                .compressionOption(CompressionOption.S2).storageType(StorageType.File).build());
        for (int i = 1; i <= 600; i++) {
            js.publish("erase." + (i % 3), body("ERASE", i, 100));
        }
        for (long seq = 50; seq <= 450; seq += 100) {
            jsm.deleteMessage("ERASE", seq, true);
        }

        jsm.addStream(StreamConfiguration.builder().name("MANY").subjects("many.*").maxBytes(120_000)
                .compressionOption(CompressionOption.S2).storageType(StorageType.File).build());
        for (int i = 1; i <= 1_100; i++) {
            js.publish("many." + (i % 10), body("MANY", i, 60));
        }
        // 2 of every 3 in 150..333 (block 1): not enough for a compaction. 9 of every 10 in 334..666
        // (block 2): its live bytes fall below half its COMPRESSED size, the server's compaction
        // test once a block is compressed (rbytes is then the file's length), so sync_interval
        // compacts it and compresses the result again.
        for (long seq = 150; seq <= 666; seq++) {
            if (seq <= 333 ? seq % 3 != 0 : seq % 10 != 0) {
                jsm.deleteMessage("MANY", seq, false);
            }
        }
    }

    /** A compressible body that still differs per message: its name and number, then a counter pattern. */
    private static byte[] body(String stream, long i, int size) {
        byte[] tag = ("{\"stream\":\"" + stream + "\",\"n\":" + i + ",\"v\":\"").getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) {
            b[k] = k < tag.length ? tag[k] : (byte) ('a' + (k * 7 + i) % 26);
        }
        return b;
    }

    /** The fixtures' oracle shape: account totals, and per stream its config, state and consumers. */
    private static ObjectNode oracle(NatsServerProcess server, ObjectMapper json) throws IOException {
        ObjectNode o = json.createObjectNode();
        try (NatsClient c = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(c.connection(), json);
            JsonNode info = api.request("$JS.API.INFO", json.createObjectNode());
            o.putObject("account").put("consumers", info.path("consumers").asLong())
                    .put("storage", info.path("storage").asLong()).put("streams", info.path("streams").asLong());
            o.put("server_version", server.version().toString());
            ArrayNode streams = o.putArray("streams");
            for (String name : api.streamNames().stream().sorted().toList()) {
                ObjectNode si = api.streamInfo(name);
                ObjectNode s = streams.addObject();
                JsonNode cfg = si.path("config");
                ObjectNode sc = s.putObject("config");
                for (String f : List.of("compression", "discard", "max_age", "max_bytes", "max_msgs", "max_msgs_per_subject",
                        "retention", "storage", "subjects")) {
                    if (cfg.has(f)) {
                        sc.set(f, cfg.get(f));
                    }
                }
                ArrayNode consumers = s.putArray("consumers");
                for (String cn : api.consumerNames(name).stream().sorted().toList()) {
                    JsonNode ci = api.consumerInfo(name, cn);
                    ObjectNode co = consumers.addObject();
                    // Without last_active (a wall-clock time), as in the other fixtures' oracles.
                    co.set("ack_floor", withoutLastActive(ci.path("ack_floor")));
                    ObjectNode cc = co.putObject("config");
                    for (String f : List.of("ack_policy", "deliver_policy", "durable_name", "max_ack_pending")) {
                        cc.set(f, ci.path("config").path(f));
                    }
                    co.set("created", ci.path("created"));
                    co.set("delivered", withoutLastActive(ci.path("delivered")));
                    co.put("name", cn);
                    co.set("num_ack_pending", ci.path("num_ack_pending"));
                    co.set("num_pending", ci.path("num_pending"));
                    co.set("num_redelivered", ci.path("num_redelivered"));
                }
                s.set("created", si.path("created"));
                s.put("name", name);
                s.set("state", si.path("state"));
            }
        }
        return o;
    }

    private static JsonNode withoutLastActive(JsonNode pair) {
        ObjectNode copy = ((ObjectNode) pair).deepCopy();
        copy.remove("last_active");
        return copy;
    }

    /** Every live message by STREAM.MSG.GET, one per line, in {@code jetstart dump --json}'s shape. */
    private static String messages(NatsServerProcess server, ObjectMapper json) throws IOException {
        StringBuilder out = new StringBuilder("{\"streams\":[\n");
        try (NatsClient c = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(c.connection(), json);
            List<String> names = api.streamNames().stream().sorted().toList();
            for (int n = 0; n < names.size(); n++) {
                String name = names.get(n);
                JsonNode st = api.streamInfo(name).path("state");
                out.append("{\"account\":\"$G\",\"name\":").append(json.writeValueAsString(name)).append(",\"messages\":[\n");
                boolean firstMsg = true;
                for (long seq = st.path("first_seq").asLong(); seq <= st.path("last_seq").asLong(); seq++) {
                    var m = api.message(name, seq);
                    if (m.isEmpty()) {
                        continue;
                    }
                    JsonNode msg = m.get();
                    ObjectNode line = json.createObjectNode();
                    line.put("seq", msg.path("seq").asLong());
                    line.put("subject", msg.path("subject").asText());
                    line.put("time", msg.path("time").asText());
                    if (msg.hasNonNull("hdrs")) {
                        line.put("hdrs", msg.path("hdrs").asText());
                    }
                    line.put("data", msg.path("data").asText(""));
                    out.append(firstMsg ? "" : ",\n").append(json.writeValueAsString(line));
                    firstMsg = false;
                }
                out.append("\n]}").append(n + 1 < names.size() ? "," : "").append('\n');
            }
        }
        return out.append("]}\n").toString();
    }
}
