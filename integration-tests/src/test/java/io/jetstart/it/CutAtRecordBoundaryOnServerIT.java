package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.testing.StoreFaults;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * MAX1 of the 2.10.27 and 2.15.1 small stores (records 1..1000 in one block, max_msgs 800) with its
 * block cut before record 1000, at the record's start or 10 bytes into it, under the {@code index.db}
 * that still says 1000. Started by nats-server 2.10.x and 2.14+: {@code jetstart recover --as} that
 * server's line reports the messages, first and last sequence the server reports, and where the
 * store's own line is the server's, the runtime's first publish gets the sequence the server's does.
 * The lines differ on the cut at a record boundary of the 2.10 store: 2.10.27 loses no data there and
 * starts with the blocks' 999 (publishing 1000 again), 2.15.1 keeps 1000 with a tombstone.
 */
class CutAtRecordBoundaryOnServerIT {
    private final Path tmp = Repo.work("CutAtRecordBoundaryOnServerIT");

    @TestFactory
    Stream<DynamicNode> jetstartStartsACutBlockWhereEachServerLineDoes() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        List<DynamicNode> out = new ArrayList<>();
        for (String fixture : List.of("nats-2.10.27-small", "nats-2.15.1-small")) {
            for (int into : new int[] {0, 10}) {
                for (NatsServerBinary server : servers) {
                    String label = fixture + " cut " + into + " bytes into record 1000, on " + server;
                    out.add(dynamicTest(label, () -> run(fixture, into, server)));
                }
            }
        }
        return out.stream();
    }

    private void run(String fixture, int into, NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve(fixture + "-" + into + "-" + server.version());
        Path cut = io.jetstart.core.testing.Fixtures.copyStore(fixture, dir.resolve("cut"));
        Path blk = cut.resolve("jetstream/$G/streams/MAX1/msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        long at = StoreFaults.recordStarts(b).get(999);
        Files.write(blk, Arrays.copyOf(b, Math.toIntExact(at) + into));

        long reported;
        long first;
        long last;
        long published;
        Path onServer = StoreFiles.copy(cut, dir.resolve("server").resolve("store"));
        try (NatsServerProcess p = NatsServerProcess.start(server, onServer, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            JsonNode info = new JsApi(client.connection(), Json.mapper()).streamInfo("MAX1").path("state");
            reported = info.path("messages").asLong();
            first = info.path("first_seq").asLong();
            last = info.path("last_seq").asLong();
            published = client.connection().jetStream().publish("max1.x", new byte[] {1}).getSeqno();
        }
        String ctx = fixture + " cut " + into + " bytes into record 1000: " + server + " reports " + reported + " messages, "
                + first + ".." + last + ", publishes " + published;
        assertThat(published).as(ctx).isEqualTo(last + 1);

        Path store = StoreFiles.copy(cut, dir.resolve("jetstart").resolve("store"));
        String line = server.version().major() + "." + server.version().minor();
        JsonNode report = new Jetstart(dir.resolve("jetstart")).run("recover", store.toString(), "--json", "--quiet", "--as", line).json();
        JsonNode state = max1(report).path("state");
        assertThat(state.path("messages").asLong()).as(ctx).isEqualTo(reported);
        assertThat(state.path("first_seq").asLong()).as(ctx).isEqualTo(first);
        assertThat(state.path("last_seq").asLong()).as(ctx).isEqualTo(last);

        // The runtime follows the store's own line: 2.10 for index.db v1, 2.14+ for v4.
        boolean storesLine = fixture.contains("2.10.") == server.version().isLine(2, 10);
        if (storesLine) {
            Path rtStore = StoreFiles.copy(cut, dir.resolve("runtime").resolve("store"));
            try (JetStartStore rt = JetStart.open(rtStore, RuntimeOptions.defaults())) {
                JetStartStream s = rt.stream("MAX1").await(Duration.ofSeconds(30));
                assertThat(s.info().lastSeq()).as(ctx).isEqualTo(last);
                assertThat(s.publish("max1.x", new byte[] {1}).seq()).as(ctx).isEqualTo(published);
            }
        }
    }

    private static JsonNode max1(JsonNode report) {
        for (JsonNode s : report.path("streams")) {
            if (s.path("name").asText().equals("MAX1")) {
                return s;
            }
        }
        throw new AssertionError("no MAX1 in " + report);
    }
}
