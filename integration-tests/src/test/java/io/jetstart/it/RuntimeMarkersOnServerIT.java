package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Subject delete markers (docs/runtime.md, "Subject delete markers"): the same publishes to
 * nats-server 2.15.1 and to the runtime, on a stream with {@code max_age} 3 s and
 * {@code subject_delete_marker_ttl} 10 s: 1 m.a, 2 m.b, 3 m.a, 4 m.keep ({@code never}),
 * 5 m.t ({@code Nats-TTL: 1s}, raised to 10), 6 m.p (a KV purge, a marker already).
 *
 * <p>Both hold the same before any expiry (1 s; 5's header rewritten to {@code Nats-TTL: 10}). Both, asked once the first age check ran and the markers are live (4.5 s after the first
 * publish), hold the same messages byte for byte (sequence, subject, headers, payload): 4 and the
 * markers of m.b, m.a and m.t (7, 8, 9); 1 and 6 gone without one. Asked once the markers aged out
 * in turn (8 s), both hold only 4, last sequence 9, and no marker follows a marker. Then 2.15.1,
 * started on a copy of the runtime's files taken while the markers were live (their max_age has
 * passed by its start), ages the markers out at its first age check as the runtime did, writing
 * nothing new: the runtime's final state.
 */
class RuntimeMarkersOnServerIT {
    private static final long SECOND = 1_000_000_000L;
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final long EARLY_AT = 1_000_000_000L;
    private static final long LIVE_AT = 4_500_000_000L;
    private static final long GONE_AT = 8_000_000_000L;
    private final Path tmp = Repo.work("RuntimeMarkersOnServerIT");

    /** What one side holds: its messages by sequence (subject, headers, payload as text) and its state. */
    private record Seen(Map<Long, String> messages, long messagesCount, long firstSeq, long lastSeq) {
    }

    @TestFactory
    Stream<DynamicNode> theRuntimeWritesTheMarkers2151WritesAndTheServerAgesThemOutOnItsFiles() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            NatsServerBinary server = NatsServers.discover().requireV214Plus();
            return Stream.<DynamicNode>of(DynamicTest.dynamicTest(server.toString(), () -> compare(server)),
                    DynamicTest.dynamicTest(server + ": a delete and a purge leave no marker", () -> deleteAndPurge(server)),
                    DynamicTest.dynamicTest(server + ": a marker counts into max_msgs", () -> markerInLimits(server)),
                    DynamicTest.dynamicTest(server + ": a KV bucket with a limit marker, keys with TTLs", () -> kvLimitMarker(server)));
        });
    }

    private void compare(NatsServerBinary server) throws Exception {
        List<Seen> fromServer = onServer(server);
        Path store = Files.createDirectories(tmp.resolve("runtime"));
        Path copy = tmp.resolve("server-on-runtime").resolve("store");
        List<Seen> fromRuntime = onRuntime(store, copy);
        assertThat(fromRuntime.get(0)).as("before any expiry").isEqualTo(fromServer.get(0));
        assertThat(fromRuntime.get(1)).as("markers live").isEqualTo(fromServer.get(1));
        assertThat(fromRuntime.get(2)).as("markers aged out").isEqualTo(fromServer.get(2));
        assertThat(fromServer.get(0).messages().get(5L)).as("the raised TTL").isEqualTo("m.t | NATS/1.0\r\nNats-TTL: 10\r\n\r\n | 5");
        assertThat(fromServer.get(1).messages().keySet()).containsExactly(4L, 7L, 8L, 9L);
        assertThat(fromServer.get(2).messages().keySet()).containsExactly(4L);
        assertThat(fromServer.get(2).lastSeq()).isEqualTo(9);

        // 2.15.1 on the runtime's files, copied while the markers were live.
        Files.deleteIfExists(copy.resolve("jetstart.lock"));
        List<String> warnings;
        try (NatsServerProcess process = NatsServerProcess.start(server, copy, tmp.resolve("server-on-runtime"), ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            // The state is read before the messages: a check that ran between the two is waited out.
            Seen gone = awaitServer(api, s -> s.messagesCount() == 1 && s.messages().size() == 1);
            assertThat(gone).as("2.15.1 on the runtime's files, markers aged out").isEqualTo(fromRuntime.get(2));
            warnings = process.warnings();
        }
        assertThat(warnings).as("the server's warnings").allSatisfy(l -> assertThat(l).contains("TTL state is outdated"));
    }

    /**
     * A delete of the last message of a subject and a purge of a subject write no marker on 2.15.1
     * (its {@code Remove} and {@code Purge} reasons are constants nothing in the server writes; a KV
     * purge's marker is the client's own message), and none in the runtime: the last sequence stays 3.
     */
    private void deleteAndPurge(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("delete-purge");
        Path store = Files.createDirectories(dir.resolve("store"));
        Seen fromServer;
        try (NatsServerProcess process = NatsServerProcess.start(server, store, dir, ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            JetStreamManagement jsm = client.connection().jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("M").subjects("m.>").storageType(StorageType.File)
                    .maxAge(Duration.ofSeconds(3)).subjectDeleteMarkerTtl(Duration.ofSeconds(10)).build());
            JetStream js = client.connection().jetStream();
            js.publish("m.x", bytes("1"));
            js.publish("m.y", bytes("2"));
            js.publish("m.z", bytes("3"));
            jsm.deleteMessage("M", 1);
            jsm.purgeStream("M", io.nats.client.PurgeOptions.subject("m.y"));
            // Past the server's 1 s first checks, well before max_age.
            Thread.sleep(1_500);
            fromServer = serverSeen(new JsApi(client.connection(), Json.mapper()));
        }
        Seen fromRuntime;
        try (JetStartStore rt = JetStart.open(Files.createDirectories(dir.resolve("runtime")),
                RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(4))) {
            JetStartStream s = rt.createStream("$G", StreamConfig.parse(CONFIG.getBytes(StandardCharsets.UTF_8)));
            s.publish("m.x", bytes("1"));
            s.publish("m.y", bytes("2"));
            s.publish("m.z", bytes("3"));
            s.delete(1);
            s.purge(new io.jetstart.runtime.PurgeRequest("m.y", 0, 0));
            s.flush();
            fromRuntime = runtimeSeen(s);
        }
        assertThat(fromServer.lastSeq()).as("2.15.1 wrote no marker").isEqualTo(3);
        assertThat(fromServer.messages().keySet()).containsExactly(3L);
        assertThat(fromRuntime).isEqualTo(fromServer);
    }

    /**
     * A marker is a message for the stream's limits: with {@code max_msgs} 2, {@code t.x} then
     * {@code t.a} (TTL 2 s, marker TTL 2 s), the marker of {@code t.a} pushes {@code t.x} out and its
     * rollup takes {@code t.a}: only the marker is left, on 2.15.1 as in the runtime.
     */
    private void markerInLimits(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("limits");
        Path store = Files.createDirectories(dir.resolve("store"));
        Seen fromServer;
        try (NatsServerProcess process = NatsServerProcess.start(server, store, dir, ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            JetStreamManagement jsm = client.connection().jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("M").subjects("m.>").storageType(StorageType.File)
                    .maxMessages(2).allowMessageTtl().subjectDeleteMarkerTtl(Duration.ofSeconds(2)).build());
            JetStream js = client.connection().jetStream();
            long start = wallNanos();
            js.publish("m.x", bytes("1"));
            js.publish(new NatsMessage("m.a", null, header(Headers.TTL, "2s"), bytes("2")));
            sleepUntil(start + 3 * SECOND);
            fromServer = serverSeen(new JsApi(client.connection(), Json.mapper()));
        }
        Seen fromRuntime;
        try (JetStartStore rt = JetStart.open(Files.createDirectories(dir.resolve("runtime")),
                RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(4))) {
            JetStartStream s = rt.createStream("$G", StreamConfig.parse(("{\"name\":\"M\",\"subjects\":[\"m.>\"],\"max_msgs\":2,"
                    + "\"allow_msg_ttl\":true,\"subject_delete_marker_ttl\":2000000000}").getBytes(StandardCharsets.UTF_8)));
            long start = wallNanos();
            s.publish("m.x", bytes("1"));
            s.publish("m.a", Headers.of(Headers.TTL, "2s"), bytes("2"));
            sleepUntil(start + 3 * SECOND);
            s.flush();
            fromRuntime = runtimeSeen(s);
        }
        assertThat(fromServer.messages().keySet()).as("2.15.1: only the marker").containsExactly(3L);
        assertThat(fromRuntime).isEqualTo(fromServer);
    }

    /**
     * KV limit markers (docs/runtime.md, "Key/value buckets"): the same calls by jnats through
     * 2.15.1 and by the runtime's KeyValue on a bucket with history 3 and a limit marker of 2 s:
     * create {@code t} with a TTL of 1 s (raised to 2), create {@code l} and purge {@code p} with an
     * hour. Asked 3 s after the first call, both hold the same messages byte for byte: {@code l},
     * {@code p}'s purge and {@code t}'s MaxAge marker (its value gone), which jnats reads as a purge.
     */
    private void kvLimitMarker(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("kv");
        Path store = Files.createDirectories(dir.resolve("store"));
        Seen fromServer;
        io.nats.client.api.KeyValueOperation jnatsReadsMarker;
        try (NatsServerProcess process = NatsServerProcess.start(server, store, dir, ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            client.connection().keyValueManagement().create(io.nats.client.api.KeyValueConfiguration.builder().name("LM")
                    .storageType(StorageType.File).maxHistoryPerKey(3).limitMarker(Duration.ofSeconds(2)).build());
            io.nats.client.KeyValue kv = client.connection().keyValue("LM");
            long start = wallNanos();
            kv.create("t", bytes("t"), io.nats.client.MessageTtl.seconds(1));
            kv.create("l", bytes("l"), io.nats.client.MessageTtl.seconds(3600));
            kv.put("p", bytes("p"));
            kv.purge("p", io.nats.client.MessageTtl.seconds(3600));
            sleepUntil(start + 3 * SECOND);
            fromServer = serverSeen(new JsApi(client.connection(), Json.mapper()), "KV_LM");
            List<io.nats.client.api.KeyValueEntry> history = kv.history("t");
            jnatsReadsMarker = history.get(history.size() - 1).getOperation();
        }
        Seen fromRuntime;
        io.jetstart.runtime.kv.KeyValueConfig config;
        try (JetStartStore rt = JetStart.open(Files.createDirectories(dir.resolve("runtime")),
                RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(4))) {
            io.jetstart.runtime.kv.KeyValue kv = rt.createKeyValue(io.jetstart.runtime.kv.KeyValueConfig.of("LM").withHistory(3)
                    .withLimitMarker(Duration.ofSeconds(2)));
            long start = wallNanos();
            kv.create("t", bytes("t"), Duration.ofSeconds(1));
            kv.create("l", bytes("l"), Duration.ofSeconds(3600));
            kv.put("p", bytes("p"));
            kv.purge("p", Duration.ofSeconds(3600));
            sleepUntil(start + 3 * SECOND);
            kv.stream().flush();
            fromRuntime = runtimeSeen(kv.stream());
            config = kv.config();
        }
        assertThat(fromServer.messages().keySet()).as("2.15.1: l, p's purge, t's marker").containsExactly(2L, 4L, 5L);
        assertThat(fromServer.messages().get(5L)).isEqualTo("$KV.LM.t | NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 2s\r\n"
                + "Nats-Rollup: sub\r\n\r\n | ");
        assertThat(jnatsReadsMarker).as("jnats reads a MaxAge marker").isEqualTo(io.nats.client.api.KeyValueOperation.PURGE);
        assertThat(fromRuntime).isEqualTo(fromServer);
        JsonNode serverMeta = Json.mapper().readTree(store.resolve("jetstream/$G/streams/KV_LM/meta.inf").toFile());
        assertThat(serverMeta.path("allow_msg_ttl").asBoolean()).isTrue();
        assertThat(serverMeta.path("subject_delete_marker_ttl").asLong()).isEqualTo(2 * SECOND);
        assertThat(config.limitMarker()).isEqualTo(Duration.ofSeconds(2));
    }

    private static final String CONFIG = "{\"name\":\"M\",\"subjects\":[\"m.>\"],\"max_age\":3000000000,"
            + "\"subject_delete_marker_ttl\":10000000000}";

    private List<Seen> onServer(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("server");
        Path store = Files.createDirectories(dir.resolve("store"));
        try (NatsServerProcess process = NatsServerProcess.start(server, store, dir, ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            JetStreamManagement jsm = client.connection().jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("M").subjects("m.>").storageType(StorageType.File)
                    .maxAge(Duration.ofSeconds(3)).subjectDeleteMarkerTtl(Duration.ofSeconds(10)).build());
            JetStream js = client.connection().jetStream();
            long start = wallNanos();
            js.publish("m.a", bytes("1"));
            js.publish("m.b", bytes("2"));
            js.publish("m.a", bytes("3"));
            js.publish(new NatsMessage("m.keep", null, header(Headers.TTL, "never"), bytes("4")));
            js.publish(new NatsMessage("m.t", null, header(Headers.TTL, "1s"), bytes("5")));
            js.publish(new NatsMessage("m.p", null, header("KV-Operation", "PURGE"), new byte[0]));
            JsApi api = new JsApi(client.connection(), Json.mapper());
            List<Seen> out = new ArrayList<>();
            sleepUntil(start + EARLY_AT);
            out.add(serverSeen(api));
            sleepUntil(start + LIVE_AT);
            out.add(serverSeen(api));
            sleepUntil(start + GONE_AT);
            out.add(serverSeen(api));
            return out;
        }
    }

    private List<Seen> onRuntime(Path store, Path copyWhileLive) throws Exception {
        List<Seen> out = new ArrayList<>();
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(4))) {
            JetStartStream s = rt.createStream("$G", StreamConfig.parse(CONFIG.getBytes(StandardCharsets.UTF_8)));
            long start = wallNanos();
            s.publish("m.a", bytes("1"));
            s.publish("m.b", bytes("2"));
            s.publish("m.a", bytes("3"));
            s.publish("m.keep", Headers.of(Headers.TTL, "never"), bytes("4"));
            s.publish("m.t", Headers.of(Headers.TTL, "1s"), bytes("5"));
            s.publish("m.p", Headers.of("KV-Operation", "PURGE"), new byte[0]);
            sleepUntil(start + EARLY_AT);
            out.add(runtimeSeen(s));
            sleepUntil(start + LIVE_AT);
            s.flush();
            out.add(runtimeSeen(s));
            StoreFiles.copy(store, copyWhileLive);
            sleepUntil(start + GONE_AT);
            out.add(runtimeSeen(s));
        }
        return out;
    }

    private static Seen serverSeen(JsApi api) throws Exception {
        return serverSeen(api, "M");
    }

    private static Seen serverSeen(JsApi api, String stream) throws Exception {
        JsonNode state = api.streamInfo(stream).path("state");
        long last = state.path("last_seq").asLong();
        Map<Long, String> messages = new TreeMap<>();
        for (long seq = 1; seq <= last; seq++) {
            var m = api.message(stream, seq);
            if (m.isPresent()) {
                String hdrs = m.get().path("hdrs").isMissingNode() ? "" : text(Base64.getDecoder().decode(m.get().path("hdrs").asText()));
                String data = m.get().path("data").isMissingNode() ? "" : text(Base64.getDecoder().decode(m.get().path("data").asText()));
                messages.put(seq, m.get().path("subject").asText() + " | " + hdrs + " | " + data);
            }
        }
        return new Seen(messages, state.path("messages").asLong(), state.path("first_seq").asLong(), last);
    }

    private static Seen awaitServer(JsApi api, java.util.function.Predicate<Seen> done) throws Exception {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        Seen s = serverSeen(api);
        while (!done.test(s)) {
            assertThat(System.nanoTime()).as("waited for the server; last %s", s).isLessThan(deadline);
            Thread.sleep(100);
            s = serverSeen(api);
        }
        return s;
    }

    private static Seen runtimeSeen(JetStartStream s) throws Exception {
        Map<Long, String> messages = new TreeMap<>();
        for (long seq = 1; seq <= s.info().lastSeq(); seq++) {
            var m = s.get(seq);
            if (m.isPresent()) {
                StoredMessage sm = m.get();
                messages.put(seq, sm.subject() + " | " + text(sm.headers()) + " | " + text(sm.payload()));
            }
        }
        return new Seen(messages, s.info().messages(), s.info().firstSeq(), s.info().lastSeq());
    }

    private static io.nats.client.impl.Headers header(String key, String value) {
        return new io.nats.client.impl.Headers().add(key, value);
    }

    private static void sleepUntil(long wall) throws InterruptedException {
        while (wallNanos() < wall) {
            Thread.sleep(20);
        }
    }

    private static long wallNanos() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * SECOND + i.getNano();
    }

    private static String text(byte[] b) {
        return b == null ? "" : new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
