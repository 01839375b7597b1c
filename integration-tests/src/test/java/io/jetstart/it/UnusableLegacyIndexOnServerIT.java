package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.store.StreamView;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
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
 * 2.9.10's INT1 (interest retention) with its {@code 1.idx} removed: the runtime's first open serves
 * 699 messages, as 2.9.10 does on these files, and its second (a 2.10 store now, by the runtime's
 * {@code index.db} v1) 685, removing the 14 both consumers acknowledged, as 2.10.27 and 2.15.1 do at
 * their start. Proven against nats-server 2.10.x and 2.14+: after the runtime's two opens its
 * {@code 1.blk} is byte for byte the one the server writes at its own start on the fixture without
 * {@code 1.idx} (1000 records, then a tombstone for each of 1-301 and the 14: every message the
 * runtime's start-up sweeps removed has its tombstone); and started on the runtime's files after one
 * open or two, with its {@code index.db} and without any, the server reports 685 with the 14 deleted.
 * The runtime's own rescan: UnusableLegacyIndexInterestTest.
 */
class UnusableLegacyIndexOnServerIT {
    private final Path tmp = Repo.work("UnusableLegacyIndexOnServerIT");

    @TestFactory
    Stream<DynamicNode> serversReportWhatTheRuntimeServedOnA29InterestStreamWithoutItsIdx() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        List<DynamicNode> out = new ArrayList<>();
        for (NatsServerBinary server : servers) {
            out.add(dynamicTest("the runtime's 1.blk after two opens = what " + server + " writes at its start", () -> sameBlock(server)));
        }
        for (int opens = 1; opens <= 2; opens++) {
            for (NatsServerBinary server : servers) {
                for (boolean loseIndex : new boolean[] {false, true}) {
                    int n = opens;
                    String label = n + " runtime open(s), then " + server + (loseIndex ? ", index.db lost" : ", with the runtime's index.db");
                    out.add(dynamicTest(label, () -> run(n, server, loseIndex)));
                }
            }
        }
        return out.stream();
    }

    /**
     * The fixture without {@code 1.idx}, started by the server and stopped: its {@code 1.blk} (the 1000
     * records and 315 tombstones the server appends, 1-301 and the 14) is byte for byte the runtime's
     * after its two opens (1-301 by 2.9's purge at the first, the 14 by the 2.10 walk at the second).
     */
    private void sameBlock(NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("block-" + server.version());
        Path runtime = runtimeOpens(dir.resolve("runtime"), 2);
        Path served = io.jetstart.core.testing.Fixtures.copyStore("nats-2.9.10-small", dir.resolve("server").resolve("store"));
        Files.delete(served.resolve(IDX));
        try (NatsServerProcess process = NatsServerProcess.start(server, served, dir.resolve("server"), ServerAccounts.GLOBAL)) {
            process.stopGracefully();
        }
        Path blk = Path.of("jetstream/$G/streams/INT1/msgs/1.blk");
        byte[] server1 = Files.readAllBytes(served.resolve(blk));
        assertThat(server1.length).as("%s appended 315 tombstones of 30 bytes", server).isEqualTo(136_000 + 315 * 30);
        assertThat(Files.readAllBytes(runtime.resolve(blk))).as("the runtime's 1.blk = %s's", server).isEqualTo(server1);
    }

    private static final String IDX = "jetstream/$G/streams/INT1/msgs/1.idx";

    /** A copy of the fixture without {@code 1.idx}, opened {@code opens} times by the runtime (699, then 685 served). */
    private static Path runtimeOpens(Path dir, int opens) throws Exception {
        Path store = io.jetstart.core.testing.Fixtures.copyStore("nats-2.9.10-small", dir);
        Files.delete(store.resolve(IDX));
        List<Long> served = new ArrayList<>();
        for (int open = 1; open <= opens; open++) {
            try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
                StreamView v = rt.stream("INT1").await(Duration.ofSeconds(30)).info();
                served.add(v.messages());
            }
        }
        assertThat(served).as("the runtime's opens: 2.9.10's answer, then 2.10's").isEqualTo(List.of(699L, 685L).subList(0, opens));
        return store;
    }

    private void run(int opens, NatsServerBinary server, boolean loseIndex) throws Exception {
        Path dir = tmp.resolve(opens + "-" + server.version() + (loseIndex ? "-lost" : ""));
        Path store = runtimeOpens(dir.resolve("runtime"), opens);
        Path copy = StoreFiles.copy(store, dir.resolve("server").resolve("store"));
        Files.deleteIfExists(copy.resolve("jetstart.lock"));
        if (loseIndex) {
            StoreFiles.deleteIndexDbs(copy);
        }
        try (NatsServerProcess process = NatsServerProcess.start(server, copy, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            JsonNode state = api.streamInfo("INT1").path("state");
            List<Long> deleted = new ArrayList<>();
            state.path("deleted").forEach(d -> deleted.add(d.asLong()));
            assertThat(state.path("messages").asLong()).as("%s: messages", dir.getFileName()).isEqualTo(685);
            assertThat(state.path("first_seq").asLong()).as("%s: first", dir.getFileName()).isEqualTo(302);
            assertThat(state.path("last_seq").asLong()).as("%s: last", dir.getFileName()).isEqualTo(1000);
            assertThat(deleted).as("%s: the 14 both consumers acknowledged", dir.getFileName())
                    .containsExactlyElementsOf(LongStream.rangeClosed(0, 13).map(i -> 308 + 7 * i).boxed().toList());
        }
    }
}
