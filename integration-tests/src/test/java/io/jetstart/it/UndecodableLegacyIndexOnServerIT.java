package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.testing.LegacyIndexDamage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code nats-2.9.10-small}'s INT1 (interest, first 302, 14 deletes listed only in its {@code 1.idx})
 * with a {@code 1.idx} that does not decode: its header cut or bad, its counts off, as nats-server
 * 2.9.10 serves it and as jetstart reports and repairs it. For each damage: what 2.9.10 reports
 * (messages, first, last, deleted), serves (MSG.GET 1..1000) and keeps pending (each consumer's
 * {@code num_ack_pending}) at a start on the damaged files; {@code jetstart recover} reports exactly
 * that; and after {@code jetstart repair} 2.9.10 serves the same messages (nothing brought back).
 *
 * <p>What 2.9.10 does (its {@code readIndexInfo}, then {@code rebuildStateLocked}): every such file
 * is removed and the block rebuilt from its records, so the 14 deletes come back (699 messages).
 * Where its reader got past the first sequence before the failure, the rebuild keeps it (restored
 * 699, 302..1000: its interest purge then finds nothing below the floor and keeps the pending
 * acks, 85 each); where the header is bad it restores 1,000 and the purge clears every pending map.
 * UndecodableLegacyIndexTest and UndecodableLegacyIndexCliTest hold the same cases without a server.
 */
class UndecodableLegacyIndexOnServerIT {
    private final Path tmp = Repo.work("UndecodableLegacyIndexOnServerIT");

    private static final List<String> DAMAGES = LegacyIndexDamage.ALL;

    @TestFactory
    Stream<DynamicNode> jetstartReportsWhat29ServesOnAnIdxThatDoesNotDecode() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServerBinary server = NatsServers.discover().require("2.9.x", v -> v.isLine(2, 9));
        List<DynamicNode> out = new ArrayList<>();
        for (String damage : DAMAGES) {
            out.add(dynamicTest(damage + " on " + server, () -> run(server, damage)));
        }
        return out.stream();
    }

    private void run(NatsServerBinary server, String damage) throws Exception {
        Path dir = tmp.resolve(damage.replace(' ', '-'));
        Path damaged = io.jetstart.core.testing.Fixtures.copyStore("nats-2.9.10-small", dir.resolve("damaged"));
        Path idx = damaged.resolve("jetstream/$G/streams/INT1/msgs/1.idx");
        Files.write(idx, LegacyIndexDamage.apply(Files.readAllBytes(idx), damage));

        Served plain = served(server, StoreFiles.copy(damaged, dir.resolve("server").resolve("store")), dir.resolve("server"));
        String ctx = damage + ": " + server + " " + plain;

        Path store = StoreFiles.copy(damaged, dir.resolve("jetstart").resolve("store"));
        Jetstart jetstart = new Jetstart(dir.resolve("jetstart"));
        JsonNode stream = jetstart.run("recover", store.toString(), "--json", "--quiet", "--stream", "INT1").json().path("streams").get(0);
        JsonNode state = stream.path("state");
        assertThat(state.path("messages").asLong()).as(ctx).isEqualTo(plain.reported()).isEqualTo(plain.seqs().size());
        assertThat(state.path("first_seq").asLong()).as(ctx).isEqualTo(plain.first()).isEqualTo(plain.seqs().get(0));
        assertThat(state.path("last_seq").asLong()).as(ctx).isEqualTo(plain.last());
        assertThat(state.path("num_deleted").asLong()).as(ctx).isEqualTo(plain.deleted());
        List<Long> pending = new ArrayList<>();
        stream.path("consumers").forEach(c -> pending.add(c.path("num_ack_pending").asLong()));
        assertThat(pending).as(ctx).isEqualTo(plain.ackPending());
        JsonNode problem = stream.path("problems").get(0);
        assertThat(problem.path("file").asText()).as(ctx).endsWith("INT1/msgs/1.idx");
        assertThat(problem.path("message").asText()).as(ctx).startsWith("legacy index ignored: ");

        Jetstart.Result repair = jetstart.run("repair", store.toString());
        assertThat(repair.exitCode()).as("%s", repair).isEqualTo(0);
        Served repaired = served(server, StoreFiles.copy(store, dir.resolve("repaired").resolve("store")), dir.resolve("repaired"));
        assertThat(repaired.seqs()).as("%s; after jetstart repair %s", ctx, repaired).isEqualTo(plain.seqs());
    }

    /** What the server reports and serves at a start: INT1's state, MSG.GET of 1..1000, C0's and C1's pending acks. */
    private record Served(long reported, long first, long last, long deleted, List<Long> seqs, List<Long> ackPending) {
        @Override
        public String toString() {
            return "reported " + reported + " (" + first + ".." + last + ", " + deleted + " deleted), served " + seqs.size()
                    + ", ack pending " + ackPending;
        }
    }

    private static Served served(NatsServerBinary server, Path store, Path work) throws Exception {
        try (NatsServerProcess p = NatsServerProcess.start(server, store, work.resolve("start"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            JsonNode state = api.streamInfo("INT1").path("state");
            List<Long> seqs = new ArrayList<>();
            for (long seq = 1; seq <= 1000; seq++) {
                api.message("INT1", seq).ifPresent(m -> seqs.add(m.path("seq").asLong()));
            }
            List<Long> ackPending = new ArrayList<>();
            for (String c : List.of("C0", "C1")) {
                ackPending.add(api.consumerInfo("INT1", c).path("num_ack_pending").asLong());
            }
            p.stopGracefully();
            return new Served(state.path("messages").asLong(), state.path("first_seq").asLong(), state.path("last_seq").asLong(),
                    state.path("num_deleted").asLong(), seqs, ackPending);
        }
    }
}
