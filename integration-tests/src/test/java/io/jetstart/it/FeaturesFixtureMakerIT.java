package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.MessageTtl;
import io.nats.client.ObjectStore;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.Mirror;
import io.nats.client.api.ObjectMeta;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.Source;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes {@code testdata/fixtures/nats-2.15.1-features}: a store that uses what nats-server
 * 2.11-2.15 added (per-message TTL, subject delete markers, KV limit markers, counters, message
 * schedules) next to mirrors, sources and an object store, written by the real 2.15.1 through
 * jnats.
 *
 * <p>Expiry is time-driven, so the oracles are what 2.15.1 answers when started again on a copy
 * of the stopped store (clean, then without {@code index.db}), some seconds after the stop: by
 * then every short TTL and the {@code max_age} of {@code SDM} have passed, and every long one
 * (100 years) has not; a later restart answers the same (testdata/README.md says which parts are
 * time-dependent). The store itself is left as the stop left it, with messages whose TTL had not
 * yet run out then ({@code ttl.late}, the markers of {@code SDM} and {@code KV_KVT}): they are the
 * point of the fixture.
 *
 * <p>Not part of a normal run (it rewrites repository files): run it on purpose with
 * {@code ./mvnw -pl integration-tests -am verify -Dit.test=FeaturesFixtureMakerIT
 * -Djetstart.makeFixtures=true -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "jetstart.makeFixtures", matches = "true")
class FeaturesFixtureMakerIT {

    private static final String VERSION = "2.15.1";
    /** Longer than any fixture will live: these messages and markers never expire in a test. */
    private static final String CENTURY = "876000h";
    /** {@code SDM}'s {@code max_age}: long enough to write the other streams before it runs out. */
    private static final Duration SDM_MAX_AGE = Duration.ofSeconds(8);
    /**
     * {@code KVT}'s limit marker TTL ({@code subject_delete_marker_ttl}). 2.15.1 raises every shorter
     * {@code Nats-TTL} of such a stream to it (stream.go: processJetStreamMsg rewrites the header),
     * so a key's TTL runs out after it and its marker lives as long again: the markers are live
     * from about 10 s to 20 s after the keys were written, and the stop falls in between.
     */
    private static final Duration KV_MARKER_TTL = Duration.ofSeconds(10);
    /** When the server stops, after the start of the writes: SDM's and KVT's markers are live. */
    private static final Duration STOP_AT = Duration.ofSeconds(13);
    /** How long after the stop the oracles are asked: every short TTL and every marker has run out. */
    private static final Duration RESTART_AFTER = Duration.ofSeconds(10);

    @Test
    void writesTheFeaturesFixtureWithItsOracles() throws Exception {
        NatsServerBinary binary = NatsServers.discover().require(VERSION, v -> v.toString().equals(VERSION));
        Path work = Repo.work("features-fixture");
        Path store = work.resolve("store");
        List<String> refused = new ArrayList<>();
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, work, ServerAccounts.GLOBAL)) {
            try (NatsClient c = server.connect(Account.GLOBAL)) {
                write(c.connection(), refused);
            }
            server.stopGracefully();
        }
        Thread.sleep(RESTART_AFTER.toMillis());

        ServerOracle.Snapshot restarted = restart(binary, StoreFiles.copy(store, work.resolve("restart")), work);
        Path rebuiltStore = StoreFiles.copy(store, work.resolve("rebuilt"));
        assertThat(StoreFiles.stripIndexes(rebuiltStore)).isNotEmpty();
        ServerOracle.Snapshot rebuilt = restart(binary, rebuiltStore, work);

        Path out = Repo.root().resolve("testdata/fixtures/nats-" + VERSION + "-features");
        StoreFiles.deleteTree(out);
        Files.createDirectories(out);
        StoreFiles.copy(store, out.resolve("store"));
        removeEmptyDirectories(out.resolve("store"));
        Files.writeString(out.resolve("server-version.txt"), "nats-server: v" + binary.version() + "\n");
        Files.writeString(out.resolve("oracle.json"), Json.pretty(EncryptedFixturesMakerIT.fixtureOracle(restarted)) + "\n");
        Files.writeString(out.resolve("oracle.rebuilt.json"), Json.pretty(EncryptedFixturesMakerIT.fixtureOracle(rebuilt)) + "\n");
        System.out.println("[fixtures] refused by " + VERSION + ": " + (refused.isEmpty() ? "nothing" : refused));
    }

    /**
     * Git keeps no empty directory, so a clone would lack the streams' empty {@code obs/}: the
     * fixture is written without them, and every test (and OracleSelfCheckIT's server) sees in a
     * clone what the maker saw. nats-server creates {@code obs/} when it needs it.
     */
    private static void removeEmptyDirectories(Path root) throws Exception {
        try (Stream<Path> dirs = Files.walk(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                try (Stream<Path> entries = Files.list(dir)) {
                    if (entries.findAny().isEmpty()) {
                        Files.delete(dir);
                    }
                }
            }
        }
    }

    /** The server's answers once the timers of a restart have run (expiry, schedules, mirrors). */
    private static ServerOracle.Snapshot restart(NatsServerBinary binary, Path store, Path work) throws Exception {
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, work, ServerAccounts.GLOBAL)) {
            // The expiry timer of a recovered stream runs about a second after the start; asking
            // before it has would record state the server is about to change.
            Thread.sleep(3_000);
            ServerOracle.Snapshot answer = ServerOracle.captureAfterRestore(server);
            server.stopGracefully();
            return answer;
        }
    }

    private static void write(Connection connection, List<String> refused) throws Exception {
        JetStream js = connection.jetStream();
        JetStreamManagement jsm = connection.jetStreamManagement();
        Instant start = Instant.now();

        // SDM first: its max_age runs while the others are written, so its markers are on disk
        // (live, with a long TTL of their own) when the server stops; max_age takes them later.
        jsm.addStream(StreamConfiguration.builder().name("SDM").subjects("sdm.*").storageType(StorageType.File)
                .allowMessageTtl().subjectDeleteMarkerTtl(Duration.ofHours(1)).maxAge(SDM_MAX_AGE).build());
        for (int i = 1; i <= 6; i++) {
            js.publish("sdm." + (char) ('a' + i % 3), body("SDM", i));
        }
        // A "never" TTL exempts a message from max_age (filestore.go: expireMsgs).
        js.publish(new NatsMessage("sdm.keep", null, ttl("never"), body("SDM", 7)));

        jsm.addStream(StreamConfiguration.builder().name("TTL").subjects("ttl.>").storageType(StorageType.File)
                .allowMessageTtl().build());
        int n = 0;
        for (int i = 0; i < 5; i++) {
            js.publish(new NatsMessage("ttl.short", null, ttl("1s"), body("TTL", ++n)));
            js.publish(new NatsMessage("ttl.long", null, ttl(CENTURY), body("TTL", ++n)));
            js.publish("ttl.plain", body("TTL", ++n));
        }
        js.publish(new NatsMessage("ttl.never", null, ttl("never"), body("TTL", ++n)));
        js.publish(new NatsMessage("ttl.secs", null, ttl("3153600000"), body("TTL", ++n)));

        KeyValue kv = null;
        try {
            connection.keyValueManagement().create(KeyValueConfiguration.builder().name("KVT").storageType(StorageType.File)
                    .maxHistoryPerKey(3).limitMarker(KV_MARKER_TTL).build());
            kv = connection.keyValue("KVT");
            kv.put("a", "a1");
            kv.put("a", "a2");
            kv.put("b", "b1");
            kv.create("t1", "t1".getBytes(StandardCharsets.UTF_8), MessageTtl.seconds(1));
            kv.create("t2", "t2".getBytes(StandardCharsets.UTF_8), MessageTtl.seconds(1));
            kv.create("n", "n".getBytes(StandardCharsets.UTF_8), MessageTtl.never());
            kv.put("p", "p1");
            kv.purge("p", MessageTtl.custom(CENTURY));
            kv.delete("b");
        } catch (JetStreamApiException e) {
            refused.add("KV limit markers: " + e.getMessage());
        }

        try {
            jsm.addStream(StreamConfiguration.builder().name("CNT").subjects("cnt.*").storageType(StorageType.File)
                    .allowMessageCounter().build());
            for (String incr : List.of("+1", "+1", "+1", "+10", "-3")) {
                js.publish(new NatsMessage("cnt.a", null, header("Nats-Incr", incr), new byte[0]));
            }
            js.publish(new NatsMessage("cnt.b", null, header("Nats-Incr", "100"), new byte[0]));
        } catch (JetStreamApiException e) {
            refused.add("counters: " + e.getMessage());
        }

        try {
            jsm.addStream(StreamConfiguration.builder().name("SCHED").subjects("sched.>").storageType(StorageType.File)
                    .allowMessageTtl().allowMessageSchedules().build());
            Headers soon = header("Nats-Schedule", "@at " + Instant.now().plusSeconds(2).toString());
            soon.add("Nats-Schedule-Target", "sched.out.1");
            js.publish(new NatsMessage("sched.s.1", null, soon, body("SCHED", 1)));
            Headers later = header("Nats-Schedule", "@at 2126-01-01T00:00:00Z");
            later.add("Nats-Schedule-Target", "sched.out.2");
            js.publish(new NatsMessage("sched.s.2", null, later, body("SCHED", 2)));
        } catch (JetStreamApiException e) {
            refused.add("schedules: " + e.getMessage());
        }

        jsm.addStream(StreamConfiguration.builder().name("ORIG").subjects("orig.*").storageType(StorageType.File).build());
        for (int i = 1; i <= 20; i++) {
            js.publish("orig." + (i % 2), body("ORIG", i));
        }
        jsm.deleteMessage("ORIG", 5);
        jsm.addStream(StreamConfiguration.builder().name("MIR").storageType(StorageType.File)
                .mirror(Mirror.builder().sourceName("ORIG").build()).build());
        jsm.addStream(StreamConfiguration.builder().name("SRC").subjects("src.*").storageType(StorageType.File)
                .sources(Source.builder().sourceName("ORIG").build()).build());
        js.publish("src.own", body("SRC", 1));
        awaitMessages(jsm, "MIR", 19);
        awaitMessages(jsm, "SRC", 20);

        ObjectStore os = null;
        try {
            connection.objectStoreManagement().create(ObjectStoreConfiguration.builder("OBJ").storageType(StorageType.File).build());
            os = connection.objectStore("OBJ");
            byte[] data = new byte[1_500];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) ('a' + i % 26);
            }
            os.put(ObjectMeta.builder("two-chunks").chunkSize(1_024).build(), new ByteArrayInputStream(data));
        } catch (JetStreamApiException e) {
            refused.add("object store: " + e.getMessage());
        }

        // The 1 s TTLs expire while the server runs (it removes them and writes tombstones), the
        // scheduled sched.s.1 fires, SDM's messages age out and their markers are written.
        long waitMs = Duration.between(Instant.now(), start.plus(STOP_AT)).toMillis();
        assertThat(waitMs).as("the writes took longer than the markers' window").isGreaterThan(1_000);
        Thread.sleep(waitMs);

        // Live on disk at the stop, expired at any later start: what the restart removes.
        for (int i = 0; i < 3; i++) {
            js.publish(new NatsMessage("ttl.late", null, ttl("2s"), body("TTL", ++n)));
        }
        System.out.println("[fixtures] SDM before the stop: " + jsm.getStreamInfo("SDM").getStreamState());
        System.out.println("[fixtures] KV_KVT before the stop: " + jsm.getStreamInfo("KV_KVT").getStreamState());
    }

    private static void awaitMessages(JetStreamManagement jsm, String stream, long count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (jsm.getStreamInfo(stream).getStreamState().getMsgCount() < count) {
            assertThat(System.nanoTime()).as(stream + " reaches " + count + " messages").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static Headers ttl(String value) {
        return header("Nats-TTL", value);
    }

    private static Headers header(String name, String value) {
        Headers h = new Headers();
        h.add(name, value);
        return h;
    }

    private static byte[] body(String stream, int n) {
        return (stream + "#" + n).getBytes(StandardCharsets.UTF_8);
    }
}
