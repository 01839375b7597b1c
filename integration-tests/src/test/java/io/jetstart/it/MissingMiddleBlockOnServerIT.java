package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * MANY of the 2.10.27 and 2.15.1 s2 stores (blocks 1-4, 678 messages up to 1100) with its block 2 or
 * 3 gone under the {@code index.db} that names it. Started by nats-server 2.10.x and 2.14+:
 * {@code jetstart recover --as} that server's line reports the messages, first and last sequence the
 * server reports, and where the store's own line is the server's, the runtime's first publish gets
 * the sequence the server's does. The lines differ on the 2.10 store: 2.10.27 checks only the write
 * block and reports index.db's 678 messages, 2.15.1 rebuilds from the blocks there are. The runtime
 * rebuilds on every line (it serves no message it cannot read) and keeps the last sequence.
 */
class MissingMiddleBlockOnServerIT {
    private final Path tmp = Repo.work("MissingMiddleBlockOnServerIT");

    @TestFactory
    Stream<DynamicNode> jetstartStartsAStoreWithoutAMiddleBlockWhereEachServerLineDoes() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        List<DynamicNode> out = new ArrayList<>();
        for (String fixture : List.of("nats-2.10.27-s2", "nats-2.15.1-s2")) {
            for (int block : new int[] {2, 3}) {
                for (NatsServerBinary server : servers) {
                    String label = fixture + " without " + block + ".blk, on " + server;
                    out.add(dynamicTest(label, () -> run(fixture, block, server)));
                }
            }
        }
        return out.stream();
    }

    private void run(String fixture, int block, NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve(fixture + "-" + block + "-" + server.version());
        Path cut = io.jetstart.core.testing.Fixtures.copyStore(fixture, dir.resolve("cut"));
        Files.delete(cut.resolve("jetstream/$G/streams/MANY/msgs/" + block + ".blk"));

        long reported;
        long first;
        long last;
        long published;
        Path onServer = StoreFiles.copy(cut, dir.resolve("server").resolve("store"));
        try (NatsServerProcess p = NatsServerProcess.start(server, onServer, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            JsonNode info = new JsApi(client.connection(), Json.mapper()).streamInfo("MANY").path("state");
            reported = info.path("messages").asLong();
            first = info.path("first_seq").asLong();
            last = info.path("last_seq").asLong();
            published = client.connection().jetStream().publish("many.x", new byte[] {1}).getSeqno();
        }
        String ctx = fixture + " without " + block + ".blk: " + server + " reports " + reported + " messages, "
                + first + ".." + last + ", publishes " + published;
        assertThat(published).as(ctx).isEqualTo(last + 1);

        Path store = StoreFiles.copy(cut, dir.resolve("jetstart").resolve("store"));
        String line = server.version().major() + "." + server.version().minor();
        JsonNode report = new Jetstart(dir.resolve("jetstart")).run("recover", store.toString(), "--json", "--quiet", "--as", line).json();
        JsonNode state = stream(report, "MANY").path("state");
        assertThat(state.path("messages").asLong()).as(ctx).isEqualTo(reported);
        assertThat(state.path("first_seq").asLong()).as(ctx).isEqualTo(first);
        assertThat(state.path("last_seq").asLong()).as(ctx).isEqualTo(last);

        // The runtime follows the store's own line: 2.10 for index.db v1, 2.14+ for v4.
        boolean storesLine = fixture.contains("2.10.") == server.version().isLine(2, 10);
        if (storesLine) {
            Path rtStore = StoreFiles.copy(cut, dir.resolve("runtime").resolve("store"));
            try (JetStartStore rt = JetStart.open(rtStore, RuntimeOptions.defaults())) {
                JetStartStream s = rt.stream("MANY").await(Duration.ofSeconds(30));
                assertThat(s.info().lastSeq()).as(ctx).isEqualTo(last);
                assertThat(s.publish("many.x", new byte[] {1}).seq()).as(ctx).isEqualTo(published);
            }
        }
    }

    private static JsonNode stream(JsonNode report, String name) {
        for (JsonNode s : report.path("streams")) {
            if (s.path("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no " + name + " in " + report);
    }
}
