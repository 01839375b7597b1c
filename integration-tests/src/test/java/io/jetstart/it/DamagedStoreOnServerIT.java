package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * A store whose last block the runtime found damaged (a payload bit of message 500 flipped, the
 * records after it whole: what {@code HostileStoreRuntimeTest} draws; the 2.9.10, 2.10.27 and 2.15.1
 * small stores), written by the runtime, then started by nats-server 2.10.x and 2.14+, with the
 * runtime's {@code index.db} and without any: the server serves every message the runtime
 * acknowledged, byte for byte, at its sequence, and takes the next publish above them. The server
 * truncates the damaged block where its damage starts (its rebuild), which the runtime left to it:
 * new records went to a new block whose first sequence is above every one the damaged block held.
 */
class DamagedStoreOnServerIT {
    private final Path tmp = Repo.work("DamagedStoreOnServerIT");

    @TestFactory
    Stream<DynamicNode> serversServeEveryMessageTheRuntimeAcknowledgedAfterADamagedLastBlock() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        List<DynamicNode> out = new ArrayList<>();
        for (String fixture : List.of("nats-2.9.10-small", "nats-2.10.27-small", "nats-2.15.1-small")) {
            for (NatsServerBinary server : servers) {
                for (boolean loseIndex : new boolean[] {false, true}) {
                    String label = fixture + " on " + server + (loseIndex ? ", index.db lost" : ", with the runtime's index.db");
                    out.add(dynamicTest(label, () -> run(fixture, server, loseIndex)));
                }
            }
        }
        return out.stream();
    }

    private void run(String fixture, NatsServerBinary server, boolean loseIndex) throws Exception {
        Path dir = tmp.resolve(fixture + "-" + server.version() + (loseIndex ? "-lost" : ""));
        Path store = io.jetstart.core.testing.Fixtures.copyStore(fixture, dir.resolve("runtime"));
        Path blk = store.resolve("jetstream/$G/streams/LIM1/msgs/1.blk");
        io.jetstart.core.testing.StoreFaults.flipPayloadBit(blk, 500);
        Map<Long, String> acked = new TreeMap<>();
        // Three opens, the first without a write: the next rebuilds a 2.10 store (the writer removed its
        // index.db) from the damaged block and an empty new one, and must still go on above 1000.
        for (int open = 0; open < 3; open++) {
            try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
                JetStartStream s = rt.stream("LIM1").await(Duration.ofSeconds(30));
                for (int i = 0; open > 0 && i < 3; i++) {
                    String payload = "acked " + open + "." + i;
                    acked.put(s.publish("lim1.hostile", payload.getBytes(StandardCharsets.UTF_8)).seq(), payload);
                }
            }
        }
        assertThat(acked.keySet()).as("above every sequence of the damaged block").allMatch(seq -> seq > 1000);
        Path copy = StoreFiles.copy(store, dir.resolve("server").resolve("store"));
        Files.deleteIfExists(copy.resolve("jetstart.lock"));
        if (loseIndex) {
            StoreFiles.deleteIndexDbs(copy);
        }
        List<String> differences = new ArrayList<>();
        try (NatsServerProcess process = NatsServerProcess.start(server, copy, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = process.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            for (Map.Entry<Long, String> a : acked.entrySet()) {
                Optional<JsonNode> got = api.message("LIM1", a.getKey());
                String served = got.map(j -> new String(Base64.getDecoder().decode(j.path("data").asText()), StandardCharsets.UTF_8))
                        .orElse("(not found)");
                if (!served.equals(a.getValue())) {
                    differences.add(a.getKey() + ": runtime acknowledged '" + a.getValue() + "', " + server + " serves '" + served + "'");
                }
            }
            long next = client.connection().jetStream().publish("lim1.next", "next".getBytes(StandardCharsets.UTF_8)).getSeqno();
            if (next <= ((TreeMap<Long, String>) acked).lastKey()) {
                differences.add("next publish at " + next + ", not above the runtime's " + ((TreeMap<Long, String>) acked).lastKey());
            }
        }
        assertThat(differences).as("%s", dir.getFileName()).isEmpty();
    }
}
