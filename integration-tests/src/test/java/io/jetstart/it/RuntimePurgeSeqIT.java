package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * A purge up to a sequence beyond the last, written by the runtime, read back by nats-server.
 * nats-server's {@code Compact(seq)} past the last (2.10.27 and 2.15.1 alike) moves the stream to
 * first {@code seq}, last {@code seq - 1}: it leaves a block whose only record is a tombstone for
 * {@code seq - 1} and an {@code index.db} saying so, and restarted with or without that
 * {@code index.db} it reports the same and gives the next message {@code seq}. The runtime writes
 * such a store (its purge's tombstones in the earlier block, which it removes once emptied); both
 * server lines start on it, with its {@code index.db} and without, and must report the first, last
 * and message count the runtime reported, and take the next publish at the runtime's next sequence.
 */
class RuntimePurgeSeqIT {
    private final Path tmp = Repo.work("RuntimePurgeSeqIT");

    /** What the runtime reported for one stream when it closed the store. */
    record Expected(String subject, long messages, long firstSeq, long lastSeq) {
        String state() {
            return messages + " msgs, first " + firstSeq + ", last " + lastSeq + ", next " + (lastSeq + 1);
        }
    }

    @TestFactory
    Stream<DynamicNode> serversReadTheMovedSequencesTheRuntimeWrote() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        List<NatsServerBinary> targets = NatsServers.discover().requireV210AndV214Plus();
        Once<Map<String, Expected>> written = new Once<>(() -> write(tmp.resolve("written")));
        List<DynamicNode> nodes = new ArrayList<>();
        for (NatsServerBinary b : targets) {
            nodes.add(dynamicContainer(b.toString(), Stream.of(
                    dynamicTest("with the runtime's index.db: the same first, last and next sequence",
                            () -> sameStates(b, written.get(), false)),
                    dynamicTest("without index.db, rebuilt from the blocks: the same first, last and next sequence",
                            () -> sameStates(b, written.get(), true)))));
        }
        return nodes.stream();
    }

    private static StreamConfig config(String name, String subjects) throws Exception {
        return StreamConfig.parse(("{\"name\":\"" + name + "\",\"subjects\":[\"" + subjects + "\"]}").getBytes(StandardCharsets.UTF_8));
    }

    private Map<String, Expected> write(Path store) throws Exception {
        Files.createDirectories(store);
        Map<String, Expected> expected = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            // RuntimeCornersIT's scenario: 1..2 purged up to 10.
            JetStartStream moved = js.createStream("$G", config("MOVED", "mv.>"));
            moved.publish("mv.1", bytes("a"));
            moved.publish("mv.2", bytes("b"));
            assertThat(moved.purge(new PurgeRequest(null, 0, 10))).isEqualTo(2);
            // A stream that never held a message.
            JetStartStream empty = js.createStream("$G", config("EMPTY", "em.>"));
            assertThat(empty.purge(new PurgeRequest(">", 0, 5))).isZero();
            // Messages after a move, then a second move past them, then a message after that.
            JetStartStream again = js.createStream("$G", config("AGAIN", "ag.>"));
            again.publish("ag.1", bytes("a"));
            again.purge(new PurgeRequest("", 0, 10));
            assertThat(again.publish("ag.1", bytes("b")).seq()).isEqualTo(10);
            again.publish("ag.2", bytes("c"));
            assertThat(again.purge(new PurgeRequest(null, 0, 20))).isEqualTo(2);
            assertThat(again.publish("ag.1", bytes("d")).seq()).isEqualTo(20);
            for (JetStartStream s : List.of(moved, empty, again)) {
                s.flush();
                String subject = s.name().equals("MOVED") ? "mv.9" : s.name().equals("EMPTY") ? "em.9" : "ag.9";
                expected.put(s.name(), new Expected(subject, s.info().messages(), s.info().firstSeq(), s.info().lastSeq()));
            }
        }
        assertThat(expected.get("MOVED").state()).isEqualTo("0 msgs, first 10, last 9, next 10");
        assertThat(expected.get("EMPTY").state()).isEqualTo("0 msgs, first 5, last 4, next 5");
        assertThat(expected.get("AGAIN").state()).isEqualTo("1 msgs, first 20, last 20, next 21");
        return expected;
    }

    private void sameStates(NatsServerBinary binary, Map<String, Expected> expected, boolean loseIndex) throws Exception {
        Path dir = tmp.resolve((loseIndex ? "lost-" : "run-") + binary.version());
        Path store = StoreFiles.copy(tmp.resolve("written"), dir.resolve("store"));
        if (loseIndex) {
            StoreFiles.deleteIndexDbs(store);
        }
        List<String> differences = new ArrayList<>();
        String log;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            for (Map.Entry<String, Expected> e : expected.entrySet()) {
                JsonNode state = api.streamInfo(e.getKey()).path("state");
                long next = client.connection().jetStream().publish(e.getValue().subject(), bytes("next")).getSeqno();
                String served = state.path("messages").asLong() + " msgs, first " + state.path("first_seq").asLong() + ", last "
                        + state.path("last_seq").asLong() + ", next " + next;
                if (!served.equals(e.getValue().state())) {
                    differences.add(e.getKey() + ": runtime " + e.getValue().state() + ", " + binary + " " + served);
                }
            }
            log = server.log();
        }
        assertThat(differences).isEmpty();
        if (!loseIndex) {
            assertThat(log).as("the server took the runtime's index.db as it is")
                    .doesNotContain("Recovering stream state from index errored")
                    .doesNotContain("Stream state outdated")
                    .doesNotContain("internal inconsistency");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
