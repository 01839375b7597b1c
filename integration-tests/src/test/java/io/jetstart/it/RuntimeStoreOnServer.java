package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.runtime.JetStartStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;

/**
 * A store the runtime wrote, read by a nats-server build: the same messages, bytes, first, last,
 * deleted count and next sequence as the runtime reported for each stream, every live message served
 * with its payload (a KV stream's also as the last on its subject), none the runtime removed, and
 * nothing lost or looked for in vain in the server's log. Shared by the ITs of the runtime's block
 * removal, compaction and purges.
 */
final class RuntimeStoreOnServer {
    private RuntimeStoreOnServer() {
    }

    /** What the runtime reported for one stream at a point, and its live messages. */
    record Expected(String subject, long messages, long bytes, long firstSeq, long lastSeq, Map<Long, String> live) {
        String state() {
            return messages + " msgs, " + bytes + " bytes, first " + firstSeq + ", last " + lastSeq + ", next " + (lastSeq + 1);
        }
    }

    /** A store written by the runtime and what it reported for each of its streams. */
    record Written(Path store, Map<String, Expected> streams) {
    }

    /** The tests of each of {@code targets} on a store the runtime wrote: with its {@code index.db} and without it. */
    static Stream<DynamicNode> tests(Path tmp, List<NatsServerBinary> targets, Once<Written> written) {
        return targets.stream().map(b -> dynamicContainer(b.toString(), afterRun(tmp, b, written)));
    }

    /**
     * The tests of each of {@code targets} on a store the runtime wrote: with its {@code index.db},
     * without it, and each of {@code killed} (what a kill left, named {@code killedName}) with and
     * without it.
     */
    static Stream<DynamicNode> tests(Path tmp, List<NatsServerBinary> targets,
            Once<Written> written, Once<List<Written>> killed, String killedName) {
        List<DynamicNode> nodes = new ArrayList<>();
        for (NatsServerBinary b : targets) {
            nodes.add(dynamicContainer(b.toString(), Stream.concat(afterRun(tmp, b, written), Stream.of(
                    dynamicTest(killedName, () -> {
                        int i = 0;
                        for (Written w : killed.get()) {
                            sameStates(tmp, b, w, "killed" + i, false, false);
                            sameStates(tmp, b, w, "killed-lost" + i, true, false);
                            i++;
                        }
                    })))));
        }
        return nodes.stream();
    }

    private static Stream<DynamicNode> afterRun(Path tmp, NatsServerBinary b, Once<Written> written) {
        return Stream.of(
                dynamicTest(
                        "with the runtime's index.db: the same state, every live message, the next sequence",
                        () -> sameStates(tmp, b, written.get(), "run", false, true)),
                dynamicTest(
                        "without index.db, rebuilt from the blocks: the same state, every live message, the next sequence",
                        () -> sameStates(tmp, b, written.get(), "lost", true, false)));
    }

    /** Every live message of {@code s} by sequence (payloads as text), as many as its info counts. */
    static Map<Long, String> liveMessages(JetStartStream s) throws InterruptedException {
        Map<Long, String> live = new TreeMap<>();
        for (long seq = s.info().firstSeq(); seq <= s.info().lastSeq(); seq++) {
            StoredMessage m = s.get(seq).orElse(null);
            if (m != null) {
                live.put(seq, new String(m.payload(), StandardCharsets.UTF_8));
            }
        }
        assertThat(live).hasSize((int) s.info().messages());
        return live;
    }

    /** What the runtime reports of {@code s} now; the next publish goes to its first subject, wildcards filled. */
    static Expected expected(JetStartStream s) throws Exception {
        Map<Long, String> live = liveMessages(s);
        String subject = s.config().subjects().getFirst().replace("*", "9").replace(">", "9");
        return new Expected(subject, s.info().messages(), s.info().bytes(), s.info().firstSeq(), s.info().lastSeq(), live);
    }

    /**
     * {@code binary} started on a copy of {@code written} under {@code tmp} (without {@code index.db}
     * when {@code loseIndex}; when {@code indexCurrent}, taking the runtime's as it is) reads it as the
     * runtime reported.
     */
    static void sameStates(Path tmp, NatsServerBinary binary, Written written, String label, boolean loseIndex,
                           boolean indexCurrent) throws Exception {
        Path dir = tmp.resolve(label + "-" + binary.version());
        Path store = StoreFiles.copy(written.store(), dir.resolve("store"));
        Files.deleteIfExists(store.resolve("jetstart.lock"));
        if (loseIndex) {
            StoreFiles.deleteIndexDbs(store);
        }
        List<String> differences = new ArrayList<>();
        String log;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            for (Map.Entry<String, Expected> e : written.streams().entrySet()) {
                String name = e.getKey();
                Expected x = e.getValue();
                JsonNode state = api.streamInfo(name).path("state");
                String before = state.path("messages").asLong() + " msgs, " + state.path("bytes").asLong() + " bytes, first "
                        + state.path("first_seq").asLong() + ", last " + state.path("last_seq").asLong();
                long deleted = state.path("num_deleted").asLong();
                long expectDeleted = x.lastSeq() - x.firstSeq() + 1 - x.messages();
                if (deleted != expectDeleted) {
                    differences.add(name + ": " + binary + " num_deleted " + deleted + ", runtime " + expectDeleted);
                }
                Map<Long, JsonNode> liveServed = api.messages(name, x.live().keySet());
                for (Map.Entry<Long, String> m : x.live().entrySet()) {
                    Optional<JsonNode> got = Optional.ofNullable(liveServed.get(m.getKey()));
                    String served = got
                            .map(j -> new String(Base64.getDecoder().decode(j.path("data").asText()), StandardCharsets.UTF_8))
                            .orElse("(not found)");
                    if (!served.equals(m.getValue())) {
                        differences.add(name + " " + m.getKey() + ": runtime '" + m.getValue() + "', " + binary + " '" + served + "'");
                    }
                    if (got.isPresent() && name.equals("KV")) {
                        // History 1: each key's one message is its last; the server finds it from
                        // the subject's first and last block in index.db, which gaps must not break.
                        String subject = got.get().path("subject").asText();
                        long last = api.request("$JS.API.STREAM.MSG.GET." + name,
                                Json.mapper().createObjectNode().put("last_by_subj", subject)).path("message").path("seq").asLong();
                        if (last != m.getKey()) {
                            differences.add(name + " last on " + subject + ": runtime " + m.getKey() + ", " + binary + " " + last);
                        }
                    }
                }
                List<Long> removed = new ArrayList<>();
                for (long seq = x.firstSeq(); seq <= x.lastSeq(); seq++) {
                    if (!x.live().containsKey(seq)) {
                        removed.add(seq);
                    }
                }
                for (long seq : api.messages(name, removed).keySet()) {
                    differences.add(name + ": " + binary + " serves " + seq + ", which the runtime removed");
                }
                long next = client.connection().jetStream().publish(x.subject(), bytes("next")).getSeqno();
                String served = before + ", next " + next;
                if (!served.equals(x.state())) {
                    differences.add(name + ": runtime " + x.state() + ", " + binary + " " + served);
                }
            }
            log = server.log();
        }
        assertThat(differences).as(label).isEmpty();
        assertThat(log).as("nothing lost, no block looked for in vain")
                .doesNotContain("could not locate msg block")
                .doesNotContain("lost data")
                .doesNotContain("internal inconsistency");
        if (indexCurrent) {
            assertThat(log).as("the server took the runtime's index.db as it is")
                    .doesNotContain("Recovering stream state from index errored")
                    .doesNotContain("Stream state outdated");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
