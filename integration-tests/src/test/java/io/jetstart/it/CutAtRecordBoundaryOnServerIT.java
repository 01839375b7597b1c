package io.jetstart.it;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.jetstart.core.testing.StoreFaults;
import java.nio.file.Files;
import java.nio.file.Path;
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

        new DamagedStreamStart(cut, fixture, "MAX1", "max1.x", "cut " + into + " bytes into record 1000").sameAsOn(server, dir);
    }
}
