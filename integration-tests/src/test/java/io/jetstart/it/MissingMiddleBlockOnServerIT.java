package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.jetstart.core.meta.MetaFiles;
import java.nio.charset.StandardCharsets;
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
 *
 * <p>Then the 2.10.27 store with a limit lowered on disk (as a config update while the server was
 * down leaves it) that the start-up enforces into the missing block: 2.10.27's read of the block
 * fails and drops its messages (max_msgs and max_bytes stop there, over the limit; max_age takes
 * them; max_msgs_per_subject counts them in each subject's quota still), 2.15.1 applies the limit to
 * the blocks it rebuilt from. jetstart's recovery failed the stream under 2.10 before. Last, LIM of
 * the 2.10.27 store without 4.blk with its consumer filtered (whose pending count read the block
 * and failed the stream before) or as an interest stream.
 */
class MissingMiddleBlockOnServerIT {
    /** A limit lowered on disk: the text of meta.inf replaced, and what the case is called. */
    private record Limit(String name, String from, String to) {
    }

    private static final List<Limit> LIMITS = List.of(
            new Limit("max_age 1h (every message older)", "\"max_age\":0", "\"max_age\":3600000000000"),
            new Limit("max_msgs 100", "\"max_msgs\":-1", "\"max_msgs\":100"),
            new Limit("max_bytes 10000", "\"max_bytes\":120000", "\"max_bytes\":10000"),
            new Limit("max_msgs_per_subject 10", "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":10"),
            new Limit("max_msgs_per_subject 40", "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":40"));

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
                    out.add(dynamicTest(label, () -> run(fixture, block, null, server)));
                }
            }
        }
        for (Limit limit : LIMITS) {
            for (int block : new int[] {2, 3}) {
                for (NatsServerBinary server : servers) {
                    String label = "nats-2.10.27-s2 without " + block + ".blk, " + limit.name() + " at start-up, on " + server;
                    out.add(dynamicTest(label, () -> run("nats-2.10.27-s2", block, limit, server)));
                }
            }
        }
        for (String change : List.of("consumer filtered on lim.1", "interest retention")) {
            for (NatsServerBinary server : servers) {
                out.add(dynamicTest("nats-2.10.27-s2's LIM without 4.blk, " + change + ", on " + server, () -> lim(change, server)));
            }
        }
        return out.stream();
    }

    /**
     * LIM of the 2.10.27 s2 store (blocks 3-6, its consumer C0 delivered to 751) without 4.blk: with
     * C0 filtered, jetstart's count of its pending messages read the missing block and failed the
     * stream; as an interest stream, the removal of what C0 acknowledged stops before the block.
     */
    private void lim(String change, NatsServerBinary server) throws Exception {
        Path dir = tmp.resolve("lim-" + change.replaceAll("[^a-z0-9]+", "-") + "-" + server.version());
        Path cut = io.jetstart.core.testing.Fixtures.copyStore("nats-2.10.27-s2", dir.resolve("cut"));
        Path lim = cut.resolve("jetstream/$G/streams/LIM");
        Files.delete(lim.resolve("msgs/4.blk"));
        if (change.startsWith("consumer")) {
            Path c0 = lim.resolve("obs/C0");
            String meta = Files.readString(c0.resolve("meta.inf"));
            assertThat(meta).contains("\"deliver_policy\":\"all\"");
            MetaFiles.writeConsumer(c0, "LIM", "C0", meta.replace("\"deliver_policy\":\"all\"",
                    "\"deliver_policy\":\"all\",\"filter_subject\":\"lim.1\"").getBytes(StandardCharsets.UTF_8));
        } else {
            String meta = Files.readString(lim.resolve("meta.inf"));
            assertThat(meta).contains("\"retention\":\"limits\"");
            MetaFiles.writeStream(lim, "LIM", meta.replace("\"retention\":\"limits\"", "\"retention\":\"interest\"")
                    .getBytes(StandardCharsets.UTF_8));
        }
        new DamagedStreamStart(cut, "nats-2.10.27-s2", "LIM", "lim.1", "without 4.blk, " + change).sameAsOn(server, dir);
    }

    private void run(String fixture, int block, Limit limit, NatsServerBinary server) throws Exception {
        String what = "without " + block + ".blk" + (limit == null ? "" : ", " + limit.name());
        Path dir = tmp.resolve(fixture + "-" + block + (limit == null ? "" : "-" + limit.to().replaceAll("[^a-z0-9]+", "-"))
                + "-" + server.version());
        Path cut = io.jetstart.core.testing.Fixtures.copyStore(fixture, dir.resolve("cut"));
        Path many = cut.resolve("jetstream/$G/streams/MANY");
        Files.delete(many.resolve("msgs/" + block + ".blk"));
        if (limit != null) {
            String meta = Files.readString(many.resolve("meta.inf"));
            assertThat(meta).contains(limit.from());
            MetaFiles.writeStream(many, "MANY", meta.replace(limit.from(), limit.to()).getBytes(StandardCharsets.UTF_8));
        }

        new DamagedStreamStart(cut, fixture, "MANY", "many.x", what).sameAsOn(server, dir);
    }
}
