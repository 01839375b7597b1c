package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * A message on a subject with {@code >} before its last token ({@code x.>.a}, stored by a stream on
 * {@code x.>}), written by the runtime, read back by nats-server. The server itself stores such a
 * publish, writes the subject into its {@code index.db}, and at the next start rejects that file
 * ("Stream state corrupt subject detected") and rebuilds from the blocks, keeping the message
 * (2.10.27 and 2.15.1). Both lines started on the runtime's files, with its {@code index.db} (which
 * they reject the same way) and without, must report the runtime's state, serve the message, and
 * take the next publish at the runtime's next sequence.
 */
class RuntimeFullWildcardTokenIT {
    private static final String EXPECTED = "2 msgs, first 1, last 3, subjects {x.1=1, x.>.a=1}, seq 1 on x.>.a, next 4";
    private final Path tmp = Repo.work("RuntimeFullWildcardTokenIT");

    @TestFactory
    Stream<DynamicNode> serversKeepTheMessageTheRuntimeStored() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        List<NatsServerBinary> targets = NatsServers.discover().requireV210AndV214Plus();
        Once<Path> written = new Once<>(() -> write(tmp.resolve("written")));
        List<DynamicNode> nodes = new ArrayList<>();
        for (NatsServerBinary b : targets) {
            nodes.add(dynamicContainer(b.toString(), Stream.of(
                    dynamicTest("with the runtime's index.db (rejected, as the server's own): the runtime's state and message",
                            () -> sameState(b, written.get(), false)),
                    dynamicTest("without index.db: the runtime's state and message", () -> sameState(b, written.get(), true)))));
        }
        return nodes.stream();
    }

    private static Path write(Path store) throws Exception {
        Files.createDirectories(store);
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            JetStartStream x = js.createStream("$G", StreamConfig.parse(
                    "{\"name\":\"X\",\"subjects\":[\"x.>\"]}".getBytes(StandardCharsets.UTF_8)));
            assertThat(x.publish("x.>.a", bytes("a")).seq()).isEqualTo(1);
            x.publish("x.1", bytes("b"));
            x.publish("x.>.a", bytes("c"));
            x.delete(3);
            x.flush();
            assertThat(x.info().messages()).isEqualTo(2);
        }
        return store;
    }

    private void sameState(NatsServerBinary binary, Path written, boolean loseIndex) throws Exception {
        Path dir = tmp.resolve((loseIndex ? "lost-" : "run-") + binary.version());
        Path store = StoreFiles.copy(written, dir.resolve("store"));
        if (loseIndex) {
            StoreFiles.deleteIndexDbs(store);
        }
        String served;
        String log;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            JsonNode state = api.streamInfo("X").path("state");
            JsonNode first = api.request("$JS.API.STREAM.MSG.GET.X", Json.mapper().createObjectNode().put("seq", 1)).path("message");
            long next = client.connection().jetStream().publish("x.2", bytes("d")).getSeqno();
            served = state.path("messages").asLong() + " msgs, first " + state.path("first_seq").asLong() + ", last "
                    + state.path("last_seq").asLong() + ", subjects " + new java.util.TreeMap<>(Json.mapper().convertValue(
                    state.path("subjects"), java.util.Map.class)) + ", seq " + first.path("seq").asLong() + " on "
                    + first.path("subject").asText() + ", next " + next;
            log = server.log();
        }
        assertThat(served).as(binary + (loseIndex ? " without index.db" : " with the runtime's index.db")).isEqualTo(EXPECTED);
        if (!loseIndex) {
            // What the server does with the index.db it writes itself for such a stream.
            assertThat(log).contains("Stream state corrupt subject detected");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
