package io.jetstart.it;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.nio.file.Files;
import java.nio.file.Path;
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

        new DamagedStreamStart(cut, fixture, "MANY", "many.x", "without " + block + ".blk").sameAsOn(server, dir);
    }
}
