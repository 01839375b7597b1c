package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code jetstart dump} hands out exactly what nats-server 2.14+ answers to {@code STREAM.MSG.GET}
 * on the same damaged copy of the 2.15.1 fixture: the same sequences, and for each the same
 * subject, time, headers and payload. The damage is the (one flipped payload byte, with and
 * without {@code index.db}; a truncated block) and three more (a flipped record length, a flipped
 * sequence byte, a flipped header length). Every damaged copy also makes {@code dump} exit 1 and name the damage.
 */
class DumpMatchesServerIT {

    /** The fixture's streams hold sequences 1..1000. */
    private static final int LAST_SEQ = 1000;

    private final Path tmp = Repo.work("DumpMatchesServerIT");

    /** One way to damage a copy of the fixture's store. */
    private record Damage(String name, String stream, boolean dropIndex, Mutation mutation) {
    }

    @FunctionalInterface
    private interface Mutation {
        void apply(Path block) throws IOException;
    }

    @TestFactory
    Stream<DynamicNode> dumpAnswersWhatTheServerAnswersOnTheSameDamagedFiles() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            Path fixtures = Fixtures.dir();
            NatsServerBinary server = NatsServers.discover().requireV214Plus();
            Path store = fixtures.resolve("nats-2.15.1-small/store");
            List<Damage> damages = List.of(
                    new Damage("payload byte flipped at offset 50000 of INT1's block", "INT1", false,
                            b -> flip(b, 50_000)),
                    new Damage("payload byte flipped at offset 50000 of INT1's block, index.db removed", "INT1", true,
                            b -> flip(b, 50_000)),
                    new Damage("LIM1's block truncated to 70000 bytes", "LIM1", false, b -> truncate(b, 70_000)),
                    new Damage("record length flipped in LIM1's block", "LIM1", false,
                            b -> flip(b, recordHolding(b, 40_000) + 2)),
                    new Damage("sequence byte flipped in LIM1's block", "LIM1", false,
                            b -> flip(b, recordHolding(b, 30_000) + 4)),
                    // seq 50 has headers; its 4-byte header length (not covered by the checksum)
                    // sits after the 22-byte record header and the 6-byte subject.
                    new Damage("header length flipped in LIM1's block", "LIM1", false,
                            b -> flip(b, recordHolding(b, 6_700) + 22 + 6 + 1)));
            return damages.stream().map(d -> dynamicTest(server + ": " + d.name(), () -> compare(server, store, d)));
        });
    }

    private void compare(NatsServerBinary binary, Path fixtureStore, Damage damage) throws Exception {
        Path dir = tmp.resolve(damage.name().replaceAll("[^A-Za-z0-9]+", "-"));
        Path forJetstart = damaged(fixtureStore, dir.resolve("jetstart"), damage);
        Path forServer = damaged(fixtureStore, dir.resolve("server"), damage);

        Jetstart.Result dump = new Jetstart(dir).run("dump", forJetstart.toString(), "--json", "--stream", damage.stream());
        Map<Long, JsonNode> dumped = new TreeMap<>();
        JsonNode stream = dump.json().path("streams").path(0);
        stream.path("messages").forEach(m -> dumped.put(m.path("seq").asLong(), m));

        Map<Long, JsonNode> served = new TreeMap<>();
        try (NatsServerProcess server = NatsServerProcess.start(binary, forServer, dir, ServerAccounts.GLOBAL);
                NatsClient client = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            for (long seq = 1; seq <= LAST_SEQ; seq++) {
                ObjectNode body = Json.mapper().createObjectNode().put("seq", seq);
                try {
                    served.put(seq, api.request("$JS.API.STREAM.MSG.GET." + damage.stream(), body).path("message"));
                } catch (JsApi.ApiError e) {
                    assertThat(e.errCode()).as("%s: MSG.GET %d: %s", binary, seq, e.getMessage()).isEqualTo(10037);
                }
            }
        }

        assertThat(dump.exitCode()).as("dump's exit status\n%s", dump).isEqualTo(1);
        assertThat(stream.path("problems")).as("dump's problems\n%s", dump).isNotEmpty();
        assertThat(dump.stderr()).as("dump's stderr").contains("jetstart: damage: $G > " + damage.stream());
        assertThat(dumped.keySet()).as("sequences dump printed vs those %s answered\n%s", binary, dump.stderr())
                .isEqualTo(served.keySet());
        for (Map.Entry<Long, JsonNode> e : served.entrySet()) {
            JsonNode ours = dumped.get(e.getKey());
            JsonNode theirs = e.getValue();
            for (String field : List.of("subject", "time", "hdrs", "data")) {
                assertThat(ours.path(field)).as("seq %d field %s", e.getKey(), field).isEqualTo(theirs.path(field));
            }
        }
    }

    private static Path damaged(Path fixtureStore, Path into, Damage damage) throws IOException {
        Path store = StoreFiles.copy(fixtureStore, into);
        Path msgs = store.resolve("jetstream/$G/streams/" + damage.stream() + "/msgs");
        damage.mutation().apply(msgs.resolve("1.blk"));
        if (damage.dropIndex()) {
            Files.delete(msgs.resolve("index.db"));
        }
        return store;
    }

    private static void flip(Path file, int at) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[at] ^= (byte) 0xff;
        Files.write(file, b);
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    /** Offset of the record that holds byte {@code at} (records: u32 length with the header bit, then the rest). */
    private static int recordHolding(Path block, int at) throws IOException {
        byte[] b = Files.readAllBytes(block);
        List<Integer> starts = new ArrayList<>();
        int i = 0;
        while (i + 4 <= b.length) {
            starts.add(i);
            int rl = (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0x7f) << 24;
            if (at < i + rl) {
                return i;
            }
            i += rl;
        }
        throw new IOException("no record of " + block + " holds offset " + at + " (records start at " + starts + ")");
    }
}
