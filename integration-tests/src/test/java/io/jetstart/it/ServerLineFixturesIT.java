package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * On demand, never in CI: writes the {@code testdata/fixtures/nats-<version>-lines} stores, whose
 * streams hold the cases where the server lines report different states after a restart
 * (docs/compatibility.md, "Rules by server line"), with each server's oracles.
 * <pre>
 * JETSTART_NATS_SERVERS=... ./mvnw -pl integration-tests -am verify -Dit.test=ServerLineFixturesIT \
 *     -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Djetstart.lines.out=$PWD/testdata/fixtures
 * </pre>
 * (an absolute path: the tests run in {@code integration-tests/}; existing {@code -lines} folders
 * there must be removed first, they are never overwritten).
 * For each build (2.9.x, 2.10.x, 2.14+) it writes one store through jnats, stops the server, then
 * restarts every build on copies of it, clean and with the index files removed, and records what
 * each reported after the restore settled:
 * <ul>
 *   <li>{@code oracle.json}, {@code oracle.rebuilt.json}: the writing build itself. Unlike the
 *       {@code -small} fixtures these are answers after a restart, because a 2.10 server reports
 *       other ack floors after a restart than before it stopped;</li>
 *   <li>{@code oracle.as-<line>.json}, {@code oracle.as-<line>.rebuilt.json}: another build on the
 *       same files (not 2.9 on a 2.10+ store: 2.9 does not know tombstones or {@code index.db}).</li>
 * </ul>
 * Uses the module's harness ({@link NatsServerProcess}, {@link ServerOracle}, {@link StoreFiles}).
 */
@EnabledIfSystemProperty(named = "jetstart.lines.out", matches = ".+")
class ServerLineFixturesIT {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void writesTheServerLineFixtures() throws Exception {
        Path out = Path.of(System.getProperty("jetstart.lines.out")).toAbsolutePath();
        NatsServers servers = NatsServers.discover();
        for (NatsServerBinary b : servers.requireAll()) {
            Path dir = out.resolve("nats-" + b.version() + "-lines");
            if (Files.exists(dir)) {
                throw new IllegalStateException(dir + " exists; remove it to write it again");
            }
            Path work = Repo.work("ServerLineFixturesIT-" + b.version());
            Path store = dir.resolve("store");
            ServerOracle.Snapshot running;
            try (NatsServerProcess server = NatsServerProcess.start(b, store, work, ServerAccounts.GLOBAL)) {
                try (NatsClient c = server.connect(Account.GLOBAL)) {
                    floor(c.connection());
                    maxDeliverOne(c.connection());
                    if (b.version().writesIndexDb()) {
                        // 2.9 writes no tombstones: the case does not exist there.
                        tombstonesOnly(c.connection());
                    }
                    interestWalk(c.connection());
                }
                running = ServerOracle.capture(server);
                server.stopGracefully();
            }
            // The one edit made to the files after the stop (testdata/README.md): INTW loses its
            // consumer C1 as an operator removing its directory would; the server never did this.
            StoreFiles.deleteTree(store.resolve("jetstream/$G/streams/INTW/obs/C1"));
            Files.writeString(dir.resolve("server-version.txt"), "nats-server: v" + b.version() + "\n");
            for (NatsServerBinary other : servers.all()) {
                if (!other.version().writesIndexDb() && b.version().writesIndexDb()) {
                    continue;
                }
                String line = other.version().major() + "." + other.version().minor();
                String prefix = other.equals(b) ? "oracle" : "oracle.as-" + line;
                for (boolean strip : new boolean[] {false, true}) {
                    Path copy = StoreFiles.copy(store, work.resolve(prefix + (strip ? "-rebuilt" : "")));
                    if (strip) {
                        StoreFiles.stripIndexes(copy);
                    }
                    ServerOracle.Snapshot s;
                    try (NatsServerProcess server = NatsServerProcess.start(other, copy, work, ServerAccounts.GLOBAL)) {
                        s = ServerOracle.captureAfterRestore(server);
                    }
                    String name = prefix + (strip ? ".rebuilt" : "") + ".json";
                    Files.writeString(dir.resolve(name), Json.pretty(fixtureOracle(s.raw())));
                    System.out.println("[lines] " + b.version() + " store, " + name + " (" + other.version() + ") vs. "
                            + b.version() + " before its stop: " + StateDiff.describe(
                            StateDiff.between("running", running.oracle(), name, s.oracle())));
                }
            }
        }
        assertThat(out).isDirectory();
    }

    /**
     * The shape of the fixtures' oracles (testdata/README.md): the server's {@code STREAM.INFO}
     * config, created and state, and per consumer its name, created, config and the compared fields.
     */
    static ObjectNode fixtureOracle(JsonNode raw) {
        ObjectMapper json = Json.mapper();
        ObjectNode o = json.createObjectNode().put("server_version", raw.path("server_version").asText());
        ArrayNode streams = o.putArray("streams");
        List<JsonNode> sorted = new ArrayList<>();
        raw.path("streams").forEach(sorted::add);
        sorted.sort((a, c) -> a.path("info").path("config").path("name").asText()
                .compareTo(c.path("info").path("config").path("name").asText()));
        for (JsonNode r : sorted) {
            JsonNode info = r.path("info");
            ObjectNode s = streams.addObject();
            s.put("name", info.path("config").path("name").asText());
            s.put("created", info.path("created").asText());
            s.set("config", info.path("config").deepCopy());
            s.set("state", info.path("state").deepCopy());
            ArrayNode cs = s.putArray("consumers");
            List<JsonNode> consumers = new ArrayList<>();
            r.path("consumers").forEach(consumers::add);
            consumers.sort((a, c) -> a.path("name").asText().compareTo(c.path("name").asText()));
            for (JsonNode ci : consumers) {
                ObjectNode c = cs.addObject();
                c.put("name", ci.path("name").asText());
                c.put("created", ci.path("created").asText());
                c.set("config", ci.path("config").deepCopy());
                c.set("delivered", pair(json, ci.path("delivered")));
                c.set("ack_floor", pair(json, ci.path("ack_floor")));
                c.put("num_ack_pending", ci.path("num_ack_pending").asLong());
                c.put("num_redelivered", ci.path("num_redelivered").asLong());
                c.put("num_pending", ci.path("num_pending").asLong());
            }
        }
        return o;
    }

    private static ObjectNode pair(ObjectMapper json, JsonNode p) {
        return json.createObjectNode().put("consumer_seq", p.path("consumer_seq").asLong())
                .put("stream_seq", p.path("stream_seq").asLong());
    }

    /**
     * {@code FLOOR}: limits, {@code max_msgs} 100, 300 publishes, so the first sequence (201) passes
     * the ack floors of durables that acked early. {@code C0} delivered 20, acked 10 (its pending
     * 11-20 go with the messages); {@code C1} acked all 30; {@code C2} never delivered; {@code C3}
     * filtered, acked every other; {@code C4} ack-all; {@code C5} acked up to 180, less than 50
     * behind the first sequence; {@code C6} acked 5, then delivered 10 past the first sequence and
     * left them pending.
     */
    static void floor(Connection nc) throws Exception {
        JetStream js = nc.jetStream();
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("FLOOR").subjects("floor.*").maxMessages(100)
                .discardPolicy(DiscardPolicy.Old).retentionPolicy(RetentionPolicy.Limits)
                .storageType(StorageType.File).replicas(1).build());
        publish(js, "FLOOR", "floor", 1, 50);
        List<Message> got = fetch(nc, jsm, "FLOOR", durable("C0").build(), 20);
        for (int i = 0; i < 10; i++) {
            got.get(i).ackSync(WAIT);
        }
        for (Message m : fetch(nc, jsm, "FLOOR", durable("C1").build(), 30)) {
            m.ackSync(WAIT);
        }
        jsm.addOrUpdateConsumer("FLOOR", durable("C2").build());
        got = fetch(nc, jsm, "FLOOR", durable("C3").filterSubject("floor.1").build(), 10);
        for (int i = got.size() - 1; i >= 0; i--) {
            if (i % 2 == 1) {
                got.get(i).ackSync(WAIT);
            }
        }
        got = fetch(nc, jsm, "FLOOR", durable("C4").ackPolicy(AckPolicy.All).build(), 5);
        got.get(4).ackSync(WAIT);
        got = fetch(nc, jsm, "FLOOR", durable("C6").build(), 5);
        for (Message m : got) {
            m.ackSync(WAIT);
        }
        publish(js, "FLOOR", "floor", 51, 180);
        jsm.addOrUpdateConsumer("FLOOR", durable("C5").deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(81)
                .build());
        for (Message m : fetch(nc, jsm, "FLOOR", durable("C5").deliverPolicy(DeliverPolicy.ByStartSequence)
                .startSequence(81).build(), 100)) {
            m.ackSync(WAIT);
        }
        publish(js, "FLOOR", "floor", 181, 300);
        fetch(nc, jsm, "FLOOR", durable("C6").build(), 10);
        nc.flush(WAIT);
    }

    /**
     * {@code MAXD1}: a consumer with {@code max_deliver} 1 whose NAKed messages are not delivered
     * again but keep their delivery count: 2.11.4+ reports {@code num_redelivered} 0 for it.
     */
    static void maxDeliverOne(Connection nc) throws Exception {
        JetStream js = nc.jetStream();
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("MAXD1").subjects("maxd1.*")
                .storageType(StorageType.File).replicas(1).build());
        publish(js, "MAXD1", "maxd1", 1, 40);
        // An ack wait that never ends: once it passes, a server terminates pending messages that
        // reached max_deliver, and the oracle would depend on when it was asked.
        ConsumerConfiguration cc = durable("D1").maxDeliver(1).ackWait(Duration.ofDays(36_500)).build();
        List<Message> got = fetch(nc, jsm, "MAXD1", cc, 10);
        for (int i = 0; i < got.size(); i++) {
            if (i % 3 == 0) {
                got.get(i).nak();
            } else {
                got.get(i).ackSync(WAIT);
            }
        }
        nc.flush(WAIT);
        fetch(nc, jsm, "MAXD1", cc, 10);
        nc.flush(WAIT);
    }

    /**
     * {@code TOMB}: blocks of 32,000 bytes ({@code max_bytes} 100,000) holding 320 records of 100
     * bytes. 640 publishes fill blocks 1 and 2; deleting 321-640 writes their tombstones into a new
     * block 3 and removes block 2, so block 3 holds nothing but tombstones. Rebuilt without
     * {@code index.db}, 2.10 starts that block after its lowest tombstone, 2.11.11+/2.12.1+ after its
     * highest (spec §3.5).
     */
    static void tombstonesOnly(Connection nc) throws Exception {
        JetStream js = nc.jetStream();
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("TOMB").subjects("tomb.*").maxBytes(100_000)
                .discardPolicy(DiscardPolicy.Old).storageType(StorageType.File).replicas(1).build());
        for (int i = 1; i <= 640; i++) {
            js.publish("tomb." + (i % 2), StoreScenarios.payload("TOMB", i, 64));
        }
        for (long seq = 321; seq <= 640; seq++) {
            jsm.deleteMessage("TOMB", seq, false);
        }
        nc.flush(WAIT);
    }

    /**
     * {@code INTW}: interest retention, {@code C0} and {@code C1} exist before 100 publishes;
     * {@code C0} delivered 100, acked 1-60 and every 7th of 61-100; {@code C1} delivered and acked
     * 30. Once {@code C1}'s directory is gone, the startup walk of 2.11.12+/2.12.3+ removes {@code C0}'s
     * acked messages above its floor (63, 70, ..., 98); 2.10 removes only up to the floor; 2.9 purges
     * below the floor and clears the pending map.
     */
    static void interestWalk(Connection nc) throws Exception {
        JetStream js = nc.jetStream();
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("INTW").subjects("intw.*").retentionPolicy(RetentionPolicy.Interest)
                .storageType(StorageType.File).replicas(1).build());
        jsm.addOrUpdateConsumer("INTW", durable("C0").build());
        jsm.addOrUpdateConsumer("INTW", durable("C1").build());
        publish(js, "INTW", "intw", 1, 100);
        List<Message> got = fetch(nc, jsm, "INTW", durable("C0").build(), 100);
        for (int i = got.size(); i >= 1; i--) {
            if (i <= 60 || i % 7 == 0) {
                got.get(i - 1).ackSync(WAIT);
            }
        }
        for (Message m : fetch(nc, jsm, "INTW", durable("C1").build(), 30)) {
            m.ackSync(WAIT);
        }
        nc.flush(WAIT);
    }

    private static void publish(JetStream js, String stream, String prefix, int from, int to) throws Exception {
        for (int i = from; i <= to; i++) {
            js.publish(prefix + "." + (i % 2), StoreScenarios.payload(stream, i, 64));
        }
    }

    private static ConsumerConfiguration.Builder durable(String name) {
        return ConsumerConfiguration.builder().durable(name).ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All).maxAckPending(1_000).ackWait(Duration.ofMinutes(10));
    }

    private static List<Message> fetch(Connection nc, JetStreamManagement jsm, String stream, ConsumerConfiguration cc,
                                       int count) throws Exception {
        jsm.addOrUpdateConsumer(stream, cc);
        JetStreamSubscription sub = nc.jetStream().subscribe(null, PullSubscribeOptions.bind(stream, cc.getDurable()));
        try {
            List<Message> got = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.multipliedBy(2).toNanos();
            while (got.size() < count && System.nanoTime() < deadline) {
                got.addAll(sub.fetch(count - got.size(), Duration.ofSeconds(1)));
            }
            return got;
        } finally {
            sub.unsubscribe();
        }
    }
}
