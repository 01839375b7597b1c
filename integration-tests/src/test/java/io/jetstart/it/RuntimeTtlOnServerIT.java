package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
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
 * Per-message TTLs the runtime wrote, read by nats-server 2.15.1 (docs/format-notes.md,
 * "Per-message TTL"). The runtime writes a stream with {@code allow_msg_ttl}: 1 {@code never},
 * 2 {@code 1h}, 3 {@code 1s} (which it expires itself, with a tombstone, before it closes), 4 no
 * TTL, then 5 {@code 5s} and 6 {@code 6} (whole seconds), which run out after it closed. It leaves
 * no {@code thw.db}; its {@code index.db} counts the TTL messages per block.
 *
 * <p>The server, started on those files with the runtime's {@code index.db} and without it, reports
 * the runtime's state while 5 and 6 have time left, then expires them (not before their time),
 * leaving 1, 2 and 4 with 3, 5 and 6 deleted. Its only warning is the one a missing {@code thw.db}
 * gives ("TTL state is outdated ... linear scan"). The runtime then opens the server's files:
 * the same state, the server's {@code thw.db} removed, and the next message takes 7.
 *
 * <p>A control shows why the count matters: the same files with {@code index.db} saying 0 TTL
 * messages in every block, and still no {@code thw.db}, and the server keeps 5 and 6 past their
 * time (its scan skips blocks counted 0).
 *
 * <p>With {@code max_age}: a {@code never} message outlives it while the server runs (RuntimeCornersIT),
 * but not an open after it passed ({@code expireMsgsOnRecover} does not look at TTLs): the server
 * started on such files reports the stream empty, as the runtime's open does.
 */
class RuntimeTtlOnServerIT {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final long SECOND = 1_000_000_000L;
    private final Path tmp = Repo.work("RuntimeTtlOnServerIT");

    /** The runtime's store and when its last two messages' TTLs run out (Unix nanoseconds). */
    private record Written(Path store, long expires5, long expires6) {
    }

    @TestFactory
    Stream<DynamicNode> theServerExpiresTheTtlsTheRuntimeWroteAndTheRuntimeReadsItBack() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServerBinary server = NatsServers.discover().requireV214Plus();
        List<DynamicNode> out = new ArrayList<>();
        for (boolean lose : new boolean[] {false, true}) {
            out.add(dynamicTest(server + (lose ? ", index.db lost" : ", with the runtime's index.db"), () -> roundTrip(server, lose)));
        }
        out.add(dynamicTest(server + ", index.db counting no TTLs (control): 5 and 6 kept past their time", () -> uncounted(server)));
        out.add(dynamicTest(server + ", max_age passed while stopped: its open takes the never message too, as the runtime's does",
                () -> neverAtOpen(server)));
        return out.stream();
    }

    private static RuntimeOptions options() {
        return RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(4);
    }

    private Written write(Path store) throws Exception {
        Files.createDirectories(store);
        try (JetStartStore rt = JetStart.open(store, options())) {
            JetStartStream s = rt.createStream("$G",
                    StreamConfig.parse("{\"name\":\"T\",\"subjects\":[\"t.>\"],\"allow_msg_ttl\":true}".getBytes(StandardCharsets.UTF_8)));
            s.publish("t.never", Headers.of(Headers.TTL, "never"), bytes("1"));
            s.publish("t.long", Headers.of(Headers.TTL, "1h"), bytes("2"));
            s.publish("t.gone", Headers.of(Headers.TTL, "1s"), bytes("3"));
            s.publish("t.none", bytes("4"));
            long deadline = System.nanoTime() + AWAIT.toNanos();
            while (s.get(3).isPresent()) {
                assertThat(System.nanoTime()).as("the runtime expires message 3").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(s.publish("t.short", Headers.of(Headers.TTL, "5s"), bytes("5")).seq()).isEqualTo(5);
            long ts5 = s.get(5).orElseThrow().timestamp();
            s.publish("t.short", Headers.of(Headers.TTL, "6"), bytes("6"));
            long ts6 = s.get(6).orElseThrow().timestamp();
            s.flush();
            assertThat(s.info().messages()).isEqualTo(5);
            assertThat(s.info().numDeleted()).isEqualTo(1);
            assertThat(store.resolve("jetstream/$G/streams/T/msgs/thw.db")).doesNotExist();
            return new Written(store, ts5 + 5 * SECOND, ts6 + 6 * SECOND);
        }
    }

    private void roundTrip(NatsServerBinary server, boolean lose) throws Exception {
        Path dir = tmp.resolve(lose ? "lost" : "kept");
        Written w = write(dir.resolve("runtime"));
        Path copy = StoreFiles.copy(w.store(), dir.resolve("server").resolve("store"));
        Files.deleteIfExists(copy.resolve("jetstart.lock"));
        if (lose) {
            StoreFiles.deleteIndexDbs(copy);
        }
        List<String> warnings;
        try (NatsServerProcess process = NatsServerProcess.start(server, copy, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            JsonNode early = api.streamInfo("T").path("state");
            long askedAt = wallNanos();
            if (askedAt < w.expires5()) {
                // Still early: the runtime's state, 5 and 6 alive.
                assertThat(early.path("messages").asLong()).as("before 5's TTL ran out").isEqualTo(5);
                assertThat(deleted(early)).containsExactly(3L);
            }
            long deadline = System.nanoTime() + AWAIT.toNanos();
            JsonNode state = early;
            while (state.path("messages").asLong() != 3) {
                assertThat(System.nanoTime()).as("%s expires 5 and 6; last state %s", server, state).isLessThan(deadline);
                Thread.sleep(100);
                state = api.streamInfo("T").path("state");
                if (state.path("messages").asLong() < 5) {
                    assertThat(wallNanos()).as("nothing expired before 5's time").isGreaterThanOrEqualTo(w.expires5());
                }
            }
            assertThat(wallNanos()).as("6 expired not before its time").isGreaterThanOrEqualTo(w.expires6());
            assertThat(state.path("first_seq").asLong()).isEqualTo(1);
            assertThat(state.path("last_seq").asLong()).isEqualTo(6);
            assertThat(deleted(state)).containsExactly(3L, 5L, 6L);
            for (long seq : new long[] {1, 2, 4}) {
                assertThat(api.message("T", seq)).as("message %d", seq).isPresent();
            }
            warnings = process.warnings();
        }
        assertThat(warnings).as("the server's warnings").allSatisfy(l -> assertThat(l).contains("TTL state is outdated"));
        // The server wrote its thw.db at its stop; the runtime removes it and serves the same state.
        assertThat(copy.resolve("jetstream/$G/streams/T/msgs/thw.db")).exists();
        try (JetStartStore rt = JetStart.open(copy, options())) {
            JetStartStream s = rt.stream("T").await(AWAIT);
            assertThat(s.readOnlyReason()).isEmpty();
            assertThat(copy.resolve("jetstream/$G/streams/T/msgs/thw.db")).doesNotExist();
            assertThat(s.info().messages()).isEqualTo(3);
            assertThat(s.info().firstSeq()).isEqualTo(1);
            assertThat(s.info().lastSeq()).isEqualTo(6);
            for (long seq : new long[] {3, 5, 6}) {
                assertThat(s.get(seq)).as("message %d", seq).isEmpty();
            }
            assertThat(s.publish("t.after", bytes("7")).seq()).isEqualTo(7);
        }
    }

    private void uncounted(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("uncounted");
        Written w = write(dir.resolve("runtime"));
        Path copy = StoreFiles.copy(w.store(), dir.resolve("server").resolve("store"));
        Files.deleteIfExists(copy.resolve("jetstart.lock"));
        Path index = copy.resolve("jetstream/$G/streams/T/msgs/index.db");
        IndexDb counted = IndexDbCodec.decode("T", Files.readAllBytes(index));
        assertThat(counted.blocks().stream().mapToLong(IndexDb.Block::ttls).sum()).as("the runtime's count").isPositive();
        List<IndexDb.Block> zero = counted.blocks().stream().map(b -> new IndexDb.Block(b.index(), b.bytes(), b.firstSeq(), b.firstTs(),
                b.lastSeq(), b.lastTs(), 0, b.schedules(), b.deleted())).toList();
        Files.write(index, IndexDbCodec.encode("T", new IndexDb(counted.version(), counted.msgs(), counted.bytes(), counted.firstSeq(),
                counted.firstTs(), counted.lastSeq(), counted.lastTs(), counted.subjects(), zero, counted.lastBlockIndex(),
                counted.lastChecksum()), counted.version()));
        try (NatsServerProcess process = NatsServerProcess.start(server, copy, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            // Three seconds past 6's time: several of the server's age checks (250 ms apart at the least).
            while (wallNanos() < w.expires6() + 3 * SECOND) {
                Thread.sleep(100);
            }
            JsonNode state = api.streamInfo("T").path("state");
            assertThat(state.path("messages").asLong()).as("5 and 6 kept: the scan skipped their block").isEqualTo(5);
            assertThat(deleted(state)).containsExactly(3L);
        }
    }

    private void neverAtOpen(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("never-at-open");
        Path store = Files.createDirectories(dir.resolve("runtime"));
        long ts;
        try (JetStartStore rt = JetStart.open(store, options())) {
            JetStartStream s = rt.createStream("$G", StreamConfig.parse(
                    "{\"name\":\"A\",\"subjects\":[\"a.>\"],\"allow_msg_ttl\":true,\"max_age\":2000000000}".getBytes(StandardCharsets.UTF_8)));
            s.publish("a.never", Headers.of(Headers.TTL, "never"), bytes("1"));
            s.publish("a.plain", bytes("2"));
            ts = s.get(2).orElseThrow().timestamp();
            s.flush();
        }
        while (wallNanos() < ts + 2 * SECOND + SECOND / 2) {
            Thread.sleep(50);
        }
        Path copy = StoreFiles.copy(store, dir.resolve("server").resolve("store"));
        Files.deleteIfExists(copy.resolve("jetstart.lock"));
        try (NatsServerProcess process = NatsServerProcess.start(server, copy, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            JsonNode state = new JsApi(client.connection(), Json.mapper()).streamInfo("A").path("state");
            assertThat(state.path("messages").asLong()).as("the server's open took both").isZero();
            assertThat(state.path("first_seq").asLong()).isEqualTo(3);
        }
        try (JetStartStore rt = JetStart.open(store, options())) {
            JetStartStream s = rt.stream("A").await(AWAIT);
            assertThat(s.info().messages()).as("the runtime's open took both").isZero();
            assertThat(s.info().firstSeq()).isEqualTo(3);
        }
    }

    private static List<Long> deleted(JsonNode state) {
        List<Long> out = new ArrayList<>();
        state.path("deleted").forEach(d -> out.add(d.asLong()));
        return out;
    }

    private static long wallNanos() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * SECOND + i.getNano();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
