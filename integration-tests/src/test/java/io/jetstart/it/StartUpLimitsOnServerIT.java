package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StreamView;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * What a stream's retention limits removed while the runtime opened it stays removed for nats-server
 * 2.10.x and 2.14+ started on the runtime's files without {@code index.db}, once the limit no longer
 * asks for it: the runtime's writer tombstoned each such message, or removed the block they emptied,
 * before its first operation (issue 11; the runtime's own rescans: StartUpLimitsRemovalsTest).
 *
 * <ul>
 *   <li>max_msgs: the server's own MAX1 (max_msgs 800 over 1,000 records, the 200 it removed left
 *       without a tombstone) with its {@code index.db} lost; the runtime serves 800, then raises
 *       max_msgs to 2,000; the server reports 800, first 201;</li>
 *   <li>max_msgs_per_subject: a runtime stream of 40 messages (30 on p.a, 10 on p.b) whose
 *       {@code meta.inf} is given a subject limit of 10 on disk; the runtime serves 20, then lifts the
 *       limit; the server reports 20 with the 17 p.a removed past the first deleted;</li>
 *   <li>max_age: a runtime stream of 400 messages over 1 KiB blocks whose {@code meta.inf} is given a
 *       max_age of 100 ms on disk (a store closed longer than its max_age); the runtime serves none,
 *       then lifts max_age; the server reports none, first 401, last 400. Also on the files as a kill
 *       right after the hand-over leaves them (before any operation), with max_age lifted on disk.</li>
 *   <li>max_msgs_per_subject 1 emptying the blocks between the first and the tail: the files a kill
 *       leaves before each of their files went, as left and after the runtime's reopen, a kill, the
 *       limit lifted and {@code index.db} lost; the server reports what the runtime served.</li>
 * </ul>
 */
class StartUpLimitsOnServerIT {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final byte[] PAYLOAD = new byte[100];
    private final Path tmp = Repo.work("StartUpLimitsOnServerIT");

    @TestFactory
    Stream<DynamicNode> serversKeepRemovedWhatTheRuntimesLimitsRemovedAtTheOpen() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        List<DynamicNode> out = new ArrayList<>();
        for (NatsServerBinary server : servers) {
            for (String fixture : List.of("nats-2.10.27-small", "nats-2.15.1-small")) {
                for (boolean lose : new boolean[] {false, true}) {
                    out.add(dynamicTest("max_msgs: " + fixture + "'s MAX1, then " + server + label(lose), () -> maxMsgs(server, fixture, lose)));
                }
            }
            for (boolean lose : new boolean[] {false, true}) {
                out.add(dynamicTest("max_msgs_per_subject, then " + server + label(lose), () -> perSubject(server, lose)));
                out.add(dynamicTest("max_age, then " + server + label(lose), () -> maxAge(server, lose)));
            }
            out.add(dynamicTest("max_age, files right after the hand-over, then " + server + ", index.db lost",
                    () -> maxAgeKilledAfterHandOver(server)));
            for (boolean scattered : new boolean[] {true, false}) {
                out.add(dynamicTest("max_msgs_per_subject emptying middle blocks" + (scattered ? " and more" : " only")
                        + ", a kill before each of their files went, then " + server, () -> middleBlocksKilledInHandOver(server, scattered)));
            }
            out.add(dynamicTest("max_msgs_per_subject emptying the block the open's index.db names as its last, a kill at each "
                    + "step of the hand-over, then " + server, () -> indexDbsLastBlockEmptiedInHandOver(server)));
        }
        return out.stream();
    }

    private static String label(boolean lose) {
        return lose ? ", index.db lost" : ", with the runtime's index.db";
    }

    private void maxMsgs(NatsServerBinary server, String fixture, boolean lose) throws Exception {
        Path dir = tmp.resolve("max-msgs-" + fixture + "-" + server.version() + (lose ? "-lost" : ""));
        Path store = io.jetstart.core.testing.Fixtures.copyStore(fixture, dir.resolve("runtime"));
        Files.delete(msgs(store, "MAX1").resolve("index.db"));
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            assertThat(rt.stream("MAX1").await(AWAIT).info().messages()).isEqualTo(800);
            rt.updateStream("$G", config("{\"name\":\"MAX1\",\"subjects\":[\"max1.*\"],\"max_msgs\":2000}"));
        }
        JsonNode state = serverState(server, store, dir, lose, "MAX1");
        assertThat(state.path("messages").asLong()).as("%s: messages", dir.getFileName()).isEqualTo(800);
        assertThat(state.path("first_seq").asLong()).as("%s: first", dir.getFileName()).isEqualTo(201);
        assertThat(state.path("last_seq").asLong()).as("%s: last", dir.getFileName()).isEqualTo(1000);
    }

    private void perSubject(NatsServerBinary server, boolean lose) throws Exception {
        Path dir = tmp.resolve("per-subject-" + server.version() + (lose ? "-lost" : ""));
        Path store = Files.createDirectories(dir.resolve("runtime"));
        try (JetStartStore rt = JetStart.open(store, small())) {
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            for (int i = 1; i <= 40; i++) {
                s.publish(i % 4 == 0 ? "p.b" : "p.a", PAYLOAD);
            }
        }
        editConfig(store, "P", "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":10");
        Files.deleteIfExists(msgs(store, "P").resolve("index.db"));
        try (JetStartStore rt = JetStart.open(store, small())) {
            assertThat(rt.stream("P").await(AWAIT).info().messages()).isEqualTo(20);
            rt.updateStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
        }
        JsonNode state = serverState(server, store, dir, lose, "P");
        List<Long> deleted = new ArrayList<>();
        state.path("deleted").forEach(d -> deleted.add(d.asLong()));
        assertThat(state.path("messages").asLong()).as("%s: messages", dir.getFileName()).isEqualTo(20);
        assertThat(state.path("first_seq").asLong()).as("%s: first", dir.getFileName()).isEqualTo(4);
        assertThat(deleted).as("%s: the p.a messages the subject limit removed", dir.getFileName())
                .containsExactlyElementsOf(LongStream.rangeClosed(5, 26).filter(i -> i % 4 != 0).boxed().toList());
    }

    /** A runtime stream of 400 messages over 1 KiB blocks, every one older than its max_age of 100 ms on disk. */
    private static Path expiredStore(Path dir) throws Exception {
        Path store = Files.createDirectories(dir.resolve("runtime"));
        try (JetStartStore rt = JetStart.open(store, small())) {
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a.*\"]}"));
            for (int i = 1; i <= 400; i++) {
                s.publish("a.1", PAYLOAD);
            }
        }
        editConfig(store, "A", "\"max_age\":0", "\"max_age\":100000000");
        editConfig(store, "A", "\"duplicate_window\":120000000000", "\"duplicate_window\":100000000");
        // Every message older than 100 ms (the shortest max_age nats-server restores) by the open.
        Thread.sleep(150);
        return store;
    }

    private void maxAge(NatsServerBinary server, boolean lose) throws Exception {
        Path dir = tmp.resolve("max-age-" + server.version() + (lose ? "-lost" : ""));
        Path store = expiredStore(dir);
        try (JetStartStore rt = JetStart.open(store, small())) {
            assertThat(rt.stream("A").await(AWAIT).info().messages()).isZero();
            rt.updateStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a.*\"]}"));
        }
        assertEmptyAt400(serverState(server, store, dir, lose, "A"), dir);
    }

    private void maxAgeKilledAfterHandOver(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("max-age-killed-" + server.version());
        Path store = expiredStore(dir);
        Path killed = dir.resolve("killed");
        try (JetStartStore rt = JetStart.open(store, small())) {
            StreamView v = rt.stream("A").await(AWAIT).info();
            assertThat(v.messages()).isZero();
            // The files as a kill -9 leaves them now, before any operation; then an update lifting
            // max_age that wrote its meta.inf and nothing else.
            StoreFiles.copy(store, killed);
        }
        editConfig(killed, "A", "\"max_age\":100000000", "\"max_age\":0");
        assertEmptyAt400(serverState(server, killed, dir, true, "A"), dir);
    }

    /**
     * A subject limit of 1 set on disk that empties the blocks between the first and the tail (the
     * layouts of the runtime's StartUpRemovalsKillTest): {@code scattered}, p.a then 40 of p.b then
     * p.c, the first block and the tail also lose p.b messages one by one (3 kept); otherwise seven
     * subjects once each, 21 of p.b, seven more, the last p.b alone in the tail, and the limit
     * removes whole blocks only (15 kept), so the hand-over's one tombstone is the one it writes to
     * make the open's {@code index.db} stale. The hand-over removes those blocks' files before it
     * writes any {@code index.db}; a kill before each file went leaves the open's {@code index.db},
     * the tail as the hand-over left it and the files not yet gone. The server started on those
     * files reports what the runtime served; so does it after the runtime reopened them, a kill
     * before the writer's first batch, the limit lifted on disk and {@code index.db} lost.
     */
    private void middleBlocksKilledInHandOver(NatsServerBinary server, boolean scattered) throws Exception {
        Path dir = tmp.resolve("middle-killed-" + (scattered ? "scattered-" : "whole-") + server.version());
        Path store = Files.createDirectories(dir.resolve("runtime"));
        List<String> subjects = new ArrayList<>();
        if (scattered) {
            subjects.add("p.a");
            for (int i = 0; i < 40; i++) {
                subjects.add("p.b");
            }
            subjects.add("p.c");
        } else {
            for (int i = 1; i <= 7; i++) {
                subjects.add("p.k" + i);
            }
            for (int i = 0; i < 21; i++) {
                subjects.add("p.b");
            }
            for (int i = 8; i <= 14; i++) {
                subjects.add("p.k" + i);
            }
            subjects.add("p.b");
        }
        long kept = scattered ? 3 : 15;
        try (JetStartStore rt = JetStart.open(store, small())) {
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            for (String subject : subjects) {
                s.publish(subject, PAYLOAD);
            }
        }
        editConfig(store, "P", "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":1");
        Path before = StoreFiles.copy(store, dir.resolve("before"));
        Path after = dir.resolve("after");
        try (JetStartStore rt = JetStart.open(store, small())) {
            assertThat(rt.stream("P").await(AWAIT).info().messages()).isEqualTo(kept);
            StoreFiles.copy(store, after);
        }
        assertThat(Files.readAllBytes(msgs(after, "P").resolve("index.db"))).as("no index.db written by the hand-over")
                .isEqualTo(Files.readAllBytes(msgs(before, "P").resolve("index.db")));
        List<String> gone = new ArrayList<>(blockFiles(before));
        gone.removeAll(blockFiles(after));
        assertThat(gone).as("emptied middle blocks gone at the hand-over").isNotEmpty();
        for (int k = 0; k < gone.size(); k++) {
            String when = "before " + gone.get(k) + " went";
            Path killed = killedAt(before, after, gone, k, dir.resolve("kill-" + k));
            JsonNode asLeft = serverState(server, killed, dir.resolve("kill-" + k).resolve("as-left"), false, "P");
            assertThat(asLeft.path("messages").asLong()).as("kill %s: the server on the files as left", when)
                    .isEqualTo(kept);
            assertLiftedAfterAReopen(server, killed, dir.resolve("kill-" + k), kept, when);
        }
    }

    /**
     * The open's {@code index.db} names as its last block one that is no longer the tail: written at
     * a close when block 2 was the tail, then blocks 3 and 4 written and a kill before the next
     * close's {@code index.db}. The limit then empties block 2 (all p.b), a middle block, which the
     * hand-over removes before any {@code index.db}: the files a kill leaves at each step (before it
     * went, after) hold that {@code index.db}, naming a block that may be gone (2.10.27: "could not
     * locate msg block", its lost data path; 2.15.1 rebuilds). The server reports what the runtime
     * served, with no lost data, and so after a reopen, a kill, the limit lifted and index.db lost.
     */
    private void indexDbsLastBlockEmptiedInHandOver(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("index-db-last-emptied-" + server.version());
        Path store = Files.createDirectories(dir.resolve("runtime"));
        try (JetStartStore rt = JetStart.open(store, small())) {
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            for (int i = 1; i <= 7; i++) {
                s.publish("p.k" + i, PAYLOAD);
            }
            for (int i = 0; i < 7; i++) {
                s.publish("p.b", PAYLOAD);
            }
        }
        byte[] namesBlock2 = Files.readAllBytes(msgs(store, "P").resolve("index.db"));
        assertThat(blockFiles(store)).as("the close's index.db names 2 as the last block").containsExactly("1.blk", "2.blk");
        try (JetStartStore rt = JetStart.open(store, small())) {
            JetStartStream s = rt.stream("P").await(AWAIT);
            for (int i = 8; i <= 14; i++) {
                s.publish("p.k" + i, PAYLOAD);
            }
            s.publish("p.b", PAYLOAD);
        }
        assertThat(blockFiles(store)).contains("3.blk", "4.blk");
        // The kill before that close's index.db: the one on disk still names 2 as the last block.
        Files.write(msgs(store, "P").resolve("index.db"), namesBlock2);
        editConfig(store, "P", "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":1");
        Path before = StoreFiles.copy(store, dir.resolve("before"));
        Path after = dir.resolve("after");
        long kept = 15;
        try (JetStartStore rt = JetStart.open(store, small())) {
            assertThat(rt.stream("P").await(AWAIT).info().messages()).isEqualTo(kept);
            StoreFiles.copy(store, after);
        }
        List<String> gone = new ArrayList<>(blockFiles(before));
        gone.removeAll(blockFiles(after));
        assertThat(gone).as("block 2 gone at the hand-over").contains("2.blk");
        for (int k = 0; k <= gone.size(); k++) {
            String when = k < gone.size() ? "before " + gone.get(k) + " went" : "after " + gone + " went";
            Path killed = killedAt(before, after, gone, k, dir.resolve("kill-" + k));
            JsonNode asLeft = serverState(server, killed, dir.resolve("kill-" + k).resolve("as-left"), false, "P");
            assertThat(asLeft.path("messages").asLong()).as("kill %s: %s on the files as left: %s", when, server, asLeft)
                    .isEqualTo(kept);
            assertThat(asLeft.has("lost")).as("kill %s: %s reports no lost data: %s", when, server, asLeft).isFalse();
            assertLiftedAfterAReopen(server, killed, dir.resolve("kill-" + k), kept, when);
        }
    }

    /**
     * The files a kill at step {@code k} of the hand-over leaves: the store after it, with the block
     * files it removed from step {@code k} on put back from the store before it.
     */
    private static Path killedAt(Path before, Path after, List<String> gone, int k, Path killDir) throws Exception {
        Path killed = StoreFiles.copy(after, killDir.resolve("store"));
        Files.deleteIfExists(killed.resolve("jetstart.lock"));
        for (String name : gone.subList(k, gone.size())) {
            Files.copy(msgs(before, "P").resolve(name), msgs(killed, "P").resolve(name));
        }
        return killed;
    }

    /**
     * The runtime reopens {@code killed} and serves {@code kept}; a copy taken there (a kill before
     * the first batch), the limit lifted and {@code index.db} lost: {@code server} still reports {@code kept}.
     */
    private static void assertLiftedAfterAReopen(NatsServerBinary server, Path killed, Path killDir, long kept, String when)
            throws Exception {
        Path again = killDir.resolve("again");
        try (JetStartStore rt = JetStart.open(killed, small())) {
            assertThat(rt.stream("P").await(AWAIT).info().messages()).isEqualTo(kept);
            StoreFiles.copy(killed, again);
        }
        Files.deleteIfExists(again.resolve("jetstart.lock"));
        editConfig(again, "P", "\"max_msgs_per_subject\":1", "\"max_msgs_per_subject\":-1");
        JsonNode lifted = serverState(server, again, killDir.resolve("lifted"), true, "P");
        assertThat(lifted.path("messages").asLong())
                .as("kill %s, the reopen, a kill, the limit lifted, index.db lost: %s", when, lifted).isEqualTo(kept);
    }

    private static List<String> blockFiles(Path store) throws Exception {
        try (Stream<Path> files = Files.list(msgs(store, "P"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".blk")).sorted().toList();
        }
    }

    private static void assertEmptyAt400(JsonNode state, Path dir) {
        assertThat(state.path("messages").asLong()).as("%s: messages", dir.getFileName()).isZero();
        assertThat(state.path("first_seq").asLong()).as("%s: first", dir.getFileName()).isEqualTo(401);
        assertThat(state.path("last_seq").asLong()).as("%s: last", dir.getFileName()).isEqualTo(400);
    }

    /** The server's state of {@code stream}, started on a copy of the runtime's files. */
    private static JsonNode serverState(NatsServerBinary server, Path store, Path dir, boolean lose, String stream) throws Exception {
        Path copy = StoreFiles.copy(store, dir.resolve("server").resolve("store"));
        Files.deleteIfExists(copy.resolve("jetstart.lock"));
        if (lose) {
            StoreFiles.deleteIndexDbs(copy);
        }
        try (NatsServerProcess process = NatsServerProcess.start(server, copy, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            return new JsApi(client.connection(), Json.mapper()).streamInfo(stream).path("state");
        }
    }

    private static RuntimeOptions small() {
        return RuntimeOptions.defaults().withBlockSize(1024);
    }

    private static StreamConfig config(String json) throws Exception {
        return StreamConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static Path msgs(Path store, String name) {
        return store.resolve("jetstream/$G/streams").resolve(name).resolve("msgs");
    }

    /** One field of the stream's {@code meta.inf} changed on disk, {@code meta.sum} to match (an operator's edit). */
    private static void editConfig(Path store, String name, String field, String changed) throws Exception {
        Path dir = store.resolve("jetstream/$G/streams").resolve(name);
        String json = Files.readString(dir.resolve("meta.inf"));
        assertThat(json).contains(field);
        MetaFiles.writeStream(dir, name, json.replace(field, changed).getBytes(StandardCharsets.UTF_8));
    }
}
