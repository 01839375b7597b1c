package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.JetStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 11, "nothing resurrected", for a backup of a 2.9 stream: 2.9 keeps a removed message's
 * record in its block and the removal only in the block's {@code .idx}, which the backup leaves
 * out; {@code jetstart export} carries those removals as tombstones in a block after the last. Each
 * stream is pushed (export, then the JetStream restore API) into nats-server 2.10.27 and the newest
 * build, which must report exactly {@code backup.json}'s state and serve exactly the messages
 * {@code jetstart dump} reads of the store, asked sequence by sequence from 1 (a removed message
 * served is a failure): right after the restore, after a restart, and after a restart with the
 * stream's {@code index.db} removed (a rebuild from the blocks alone).
 *
 * <p>The streams: the 2.9.10 fixture's {@code INT1} (interest: 1-301 below its first sequence and 14
 * acknowledged ones, records untouched; 699 messages after the restore before this) and
 * {@code MAX1} (1-200 taken by {@code max_msgs}), and {@code DEL}, written here by the real 2.9.10:
 * three blocks of 32,000 bytes, plain deletes ({@code no_erase}) at the head, every 10th, and every
 * message from 601 on, which empties the last block (2.9 leaves it an empty file whose
 * {@code .idx} alone keeps the last sequence, 1000); and {@code DEL} again from a 2.9.10 with a
 * {@code jetstream} key (chachapoly), exported and pushed with the key, which sends it as plaintext.
 * 2.9 seals each {@code .idx} with its block's key; jetstart opens it with the stream's key, so both
 * {@code DEL} backups hold what 2.9.10 reports (537 messages, 4..1000), not the 642 of a rebuild
 * from the blocks alone (as it did before it opened a sealed {@code .idx}: issue 11, resurrected
 * deletes).
 */
class LegacyExportIT {
    private static final int DEL_MESSAGES = 1_000;
    /** A test key, not a secret. */
    private static final String KEY = "LegacyExportIT-test-key-not-a-secret";
    private static final String ENCRYPTED = "jetstream {\n  key: \"" + KEY + "\"\n  cipher: chachapoly\n}\n";

    /** Emptied when the class starts and kept afterwards: stores, backups and server logs are the evidence. */
    private final Path tmp = Repo.work("LegacyExportIT");

    @TestFactory
    Stream<DynamicNode> aBackupOfA29StreamRestoresToItsStateAndServesNoRemovedMessage() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServers servers = NatsServers.discover();
        NatsServerBinary v29 = servers.require("2.9.x", v -> v.isLine(2, 9));
        List<NatsServerBinary> targets = servers.requireV210AndV214Plus();
        Once<Path> written = new Once<>(() -> writeWithDeletes(v29, "written-by-2.9", null));
        Once<Path> encrypted = new Once<>(() -> writeWithDeletes(v29, "written-by-2.9-encrypted", ENCRYPTED));
        List<DynamicNode> out = new ArrayList<>();
        for (NatsServerBinary target : targets) {
            for (String stream : List.of("INT1", "MAX1")) {
                out.add(dynamicTest(target + ": " + stream + " of nats-2.9.10-small", () -> restoreAndCheck(target,
                        StoreFiles.copy(Fixtures.dir().resolve("nats-2.9.10-small").resolve("store"),
                                tmp.resolve("source-" + stream + "-" + target.version())), stream)));
            }
            out.add(dynamicTest(target + ": DEL, plain deletes and an emptied last block, written by " + v29,
                    () -> restoreAndCheck(target, StoreFiles.copy(written.get(), tmp.resolve("source-DEL-" + target.version())), "DEL")));
            out.add(dynamicTest(target + ": DEL encrypted (chachapoly) by " + v29 + ", exported with its key, its sealed .idx opened",
                    () -> restoreAndCheck(target, StoreFiles.copy(encrypted.get(), tmp.resolve("source-DELENC-" + target.version())),
                            "DEL", "--key", KEY)));
        }
        return out.stream().map(DynamicNode.class::cast);
    }

    /** A 2.9.10 store with the stream {@code DEL} (see the class note), stopped cleanly; encrypted with {@code serverConfig}'s key when given. */
    private Path writeWithDeletes(NatsServerBinary v29, String folder, String serverConfig) throws Exception {
        Path store = tmp.resolve(folder);
        try (NatsServerProcess server = NatsServerProcess.start(v29, store, tmp.resolve("server-" + folder), ServerAccounts.GLOBAL,
                serverConfig);
             NatsClient c = server.connect(Account.GLOBAL)) {
            writeDel(c);
        }
        Path msgs = store.resolve("jetstream/$G/streams/DEL/msgs");
        List<String> blocks = new ArrayList<>();
        try (Stream<Path> s = Files.list(msgs)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".blk")).sorted().forEach(blocks::add);
        }
        // The shape this test is about: more than one block, the last one emptied.
        assertThat(blocks).as("DEL's blocks").hasSizeGreaterThan(1);
        String last = blocks.stream().max(java.util.Comparator.comparingLong(n -> Long.parseLong(n.replace(".blk", "")))).orElseThrow();
        assertThat(Files.size(msgs.resolve(last))).as("DEL's last block, " + last + ", emptied").isZero();
        return store;
    }

    /**
     * Creates {@code DEL} (see the class note) on a running 2.9 server: 1,000 messages in blocks of
     * 32,000 bytes, removed with {@code no_erase} at the head, every 10th, and from 601 on. The
     * encrypted 2.9.10 fixture ({@code Encrypted29FixtureMakerIT}) holds the same stream.
     */
    static void writeDel(NatsClient c) throws Exception {
        JsApi api = new JsApi(c.connection(), Json.mapper());
        // max_bytes under 128,000: the block size auto-tune picks its minimum, 32,000 bytes.
        ObjectNode config = Json.mapper().createObjectNode().put("name", "DEL").put("storage", "file")
                .put("max_bytes", 120_000);
        config.putArray("subjects").add("del.*");
        api.request("$JS.API.STREAM.CREATE.DEL", config);
        JetStream js = c.connection().jetStream();
        for (int i = 1; i <= DEL_MESSAGES; i++) {
            js.publish("del." + (i % 3), ("del message " + i).getBytes(StandardCharsets.UTF_8));
        }
        List<Long> deletes = new ArrayList<>(List.of(1L, 2L, 3L));
        LongStream.rangeClosed(1, 60).map(k -> k * 10).forEach(deletes::add);
        LongStream.rangeClosed(601, DEL_MESSAGES).forEach(deletes::add);
        for (long seq : deletes) {
            api.request("$JS.API.STREAM.MSG.DELETE.DEL", Json.mapper().createObjectNode().put("seq", seq).put("no_erase", true));
        }
    }

    private void restoreAndCheck(NatsServerBinary target, Path source, String stream, String... keyArgs) throws Exception {
        String label = source.getFileName() + " into " + target.version();
        Jetstart jetstart = new Jetstart(tmp.resolve("jetstart-work"));
        Jetstart.Result dump = jetstart.run(with(keyArgs, "dump", source.toString(), "--json"));
        assertThat(dump.exitCode()).as(dump::toString).isZero();
        SortedMap<Long, JsonNode> live = new TreeMap<>();
        for (JsonNode s : dump.json().path("streams")) {
            if (s.path("name").asText().equals(stream)) {
                s.path("messages").forEach(m -> live.put(m.path("seq").asLong(), m));
            }
        }
        Path backup = tmp.resolve("backup-" + label.replace(' ', '-'));
        Jetstart.Result export = jetstart.run(with(keyArgs, "export", source.toString(), stream, backup.toString()));
        assertThat(export.exitCode()).as(export::toString).isZero();
        if (keyArgs.length > 0) {
            assertThat(export.stderr()).as("every sealed .idx opened").doesNotContain("legacy index ignored");
        }
        JsonNode backupState = Json.mapper().readTree(backup.resolve("backup.json").toFile()).path("state");
        if (stream.equals("DEL")) {
            // 2.9.10's own report on these files, its .idx deletes applied (oracle.json of nats-2.9.10-chacha, the same DEL).
            assertThat(backupState.path("messages").asLong()).as("%s: DEL's messages as 2.9.10 reports them", label).isEqualTo(537);
            assertThat(backupState.path("first_seq").asLong()).as("%s: DEL's first", label).isEqualTo(4);
            assertThat(backupState.path("last_seq").asLong()).as("%s: DEL's last", label).isEqualTo(DEL_MESSAGES);
        }
        assertThat(backupState.path("messages").asLong()).as("%s: backup.json and dump", label).isEqualTo(live.size());

        Path serverStore = tmp.resolve("server-store-" + label.replace(' ', '-'));
        Path serverWork = tmp.resolve("server-" + label.replace(' ', '-'));
        try (NatsServerProcess server = NatsServerProcess.start(target, serverStore, serverWork, ServerAccounts.GLOBAL)) {
            Jetstart.Result push = jetstart.run(with(keyArgs, "push", source.toString(), stream, "--server",
                    "nats://127.0.0.1:" + server.port()));
            assertThat(push.exitCode()).as(push::toString).isZero();
            sameAsBackup(server, stream, backupState, live, label + ", restored");
        }
        try (NatsServerProcess server = NatsServerProcess.start(target, serverStore, serverWork, ServerAccounts.GLOBAL)) {
            sameAsBackup(server, stream, backupState, live, label + ", restarted");
        }
        Path indexDb = serverStore.resolve("jetstream/$G/streams/" + stream + "/msgs/index.db");
        assertThat(indexDb).as("written by the server at its stop").exists();
        Files.delete(indexDb);
        try (NatsServerProcess server = NatsServerProcess.start(target, serverStore, serverWork, ServerAccounts.GLOBAL)) {
            sameAsBackup(server, stream, backupState, live, label + ", restarted without index.db");
        }
    }

    private static String[] with(String[] keyArgs, String... args) {
        String[] out = java.util.Arrays.copyOf(args, args.length + keyArgs.length);
        System.arraycopy(keyArgs, 0, out, args.length, keyArgs.length);
        return out;
    }

    /** The server's state is backup.json's, and it serves exactly {@code live}, asked from sequence 1 to past the last. */
    private static void sameAsBackup(NatsServerProcess server, String stream, JsonNode backupState, SortedMap<Long, JsonNode> live,
            String label) throws Exception {
        try (NatsClient c = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(c.connection(), Json.mapper());
            JsonNode state = api.streamInfo(stream).path("state");
            for (String f : List.of("messages", "bytes", "first_seq", "last_seq", "num_deleted")) {
                assertThat(state.path(f).asLong()).as("%s: %s (server %s, backup.json %s)", label, f, state, backupState)
                        .isEqualTo(backupState.path(f).asLong());
            }
            List<Long> seqs = new ArrayList<>();
            for (long seq = 1; seq <= backupState.path("last_seq").asLong() + 2; seq++) {
                seqs.add(seq);
            }
            SortedMap<Long, JsonNode> served = api.messages(stream, seqs);
            assertThat(served.keySet()).as("%s: the sequences served", label).containsExactlyElementsOf(live.keySet());
            List<String> problems = ServedMessages.differences("the store", Json.mapper().createArrayNode().add(
                    Json.mapper().createObjectNode().put("name", stream).set("messages", Json.mapper().valueToTree(List.copyOf(live.values())))),
                    Map.of(stream, List.copyOf(served.values())));
            assertThat(problems).as(() -> label + ":\n  " + String.join("\n  ", problems)).isEmpty();
        }
    }
}
