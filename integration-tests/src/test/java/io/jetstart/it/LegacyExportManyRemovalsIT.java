package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.testing.Legacy29Streams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 14, export of a 2.9 stream with more removals than one added block holds: a synthetic 2.9
 * stream ({@code Legacy29Streams}: two blocks of 160,000 records, the first's {@code .idx}
 * starting at 150,001, the second's at 160,008 with every sequence not a multiple of 8 deleted;
 * 290,000 removals only the {@code .idx} files say, 30,000 messages; {@code max_bytes} 2,000,000,
 * so the servers' block size for it is 4 MiB) exported by
 * {@code jetstart export} gets two added blocks of tombstones (279,619 and 10,381,
 * {@code LegacyRemovalExportTest}). Pushed into nats-server 2.10.27 and the newest build, each
 * must report {@code backup.json}'s state and serve exactly the messages the store keeps, asked
 * sequence by sequence: right after the restore, after a restart, and after a restart with the
 * stream's {@code index.db} removed (the rebuild reads the two added blocks). The sequences asked
 * are every one around the store blocks' edges and the added blocks' edge and every 61st
 * elsewhere (18 s into 2.10.27, 4 s into 2.15.1 on two shared cores);
 * {@code -Djetstart.it.everySequence=true} asks every one from 1 to past the last (56 s and 43 s;
 * both passed it when this test was written).
 */
class LegacyExportManyRemovalsIT {
    private static final String STREAM = "BIG";
    /**
     * Twice what the stream holds (30,000 records of 31 bytes), so nothing is taken by it, and it
     * makes the servers' block size for the stream 4 MiB ({@code dynBlkSize}: a quarter of it,
     * between the 32 KB and 8 MiB bounds, becomes the medium size): the first added block, 8 MiB,
     * is twice that. The servers bound only the blocks they write by it, not those they read.
     */
    private static final long MAX_BYTES = 2_000_000;
    /** nats-server's largest block (8 MiB) over 30-byte records, less the skip record. */
    private static final long TOMBSTONES_IN_FIRST_ADDED_BLOCK = (8 << 20) / 30 - 1;
    private static final long LAST = 320_000;
    private static final List<Legacy29Streams.Block> BLOCKS = List.of(
            new Legacy29Streams.Block(1, 1, 160_000, 150_001, seq -> false),
            new Legacy29Streams.Block(2, 160_001, LAST, 160_008, seq -> seq % 8 != 0));

    /** Emptied when the class starts and kept afterwards: stores, backups and server logs are the evidence. */
    private final Path tmp = Repo.work("LegacyExportManyRemovalsIT");

    @TestFactory
    Stream<DynamicNode> aBackupWithTwoAddedTombstoneBlocksRestoresToItsStateAndServesNoRemovedMessage() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        List<DynamicNode> out = new ArrayList<>();
        for (NatsServerBinary target : NatsServers.discover().requireV210AndV214Plus()) {
            out.add(dynamicTest(target + ": 290,000 removals only .idx files said, in two added blocks", () -> restoreAndCheck(target)));
        }
        return out.stream().map(DynamicNode.class::cast);
    }

    private static TreeSet<Long> live() {
        TreeSet<Long> out = new TreeSet<>();
        for (Legacy29Streams.Block b : BLOCKS) {
            for (long seq = b.lo(); seq <= b.hi(); seq++) {
                if (!b.removes(seq)) {
                    out.add(seq);
                }
            }
        }
        return out;
    }

    private void restoreAndCheck(NatsServerBinary target) throws Exception {
        String label = STREAM + " into " + target.version();
        Path source = tmp.resolve("source-" + target.version());
        Legacy29Streams.write(source.resolve("jetstream/$G/streams").resolve(STREAM), STREAM, BLOCKS, MAX_BYTES);
        Jetstart jetstart = new Jetstart(tmp.resolve("jetstart-work"));
        Path backup = tmp.resolve("backup-" + target.version());
        Jetstart.Result export = jetstart.run("export", source.toString(), STREAM, backup.toString());
        assertThat(export.exitCode()).as(export::toString).isZero();
        JsonNode backupState = Json.mapper().readTree(backup.resolve("backup.json").toFile()).path("state");
        TreeSet<Long> live = live();
        assertThat(backupState.path("messages").asLong()).as(label).isEqualTo(live.size()).isEqualTo(30_000);
        assertThat(backupState.path("first_seq").asLong()).as(label).isEqualTo(150_001);
        assertThat(backupState.path("last_seq").asLong()).as(label).isEqualTo(LAST);
        assertThat(backupState.path("num_deleted").asLong()).as(label).isEqualTo(140_000);

        Path serverStore = tmp.resolve("server-store-" + target.version());
        Path serverWork = tmp.resolve("server-" + target.version());
        try (NatsServerProcess server = NatsServerProcess.start(target, serverStore, serverWork, ServerAccounts.GLOBAL)) {
            Jetstart.Result push = jetstart.run("push", source.toString(), STREAM, "--server", "nats://127.0.0.1:" + server.port());
            assertThat(push.exitCode()).as(push::toString).isZero();
            sameAsBackup(server, backupState, live, label + ", restored");
        }
        try (NatsServerProcess server = NatsServerProcess.start(target, serverStore, serverWork, ServerAccounts.GLOBAL)) {
            sameAsBackup(server, backupState, live, label + ", restarted");
        }
        Path indexDb = serverStore.resolve("jetstream/$G/streams/" + STREAM + "/msgs/index.db");
        assertThat(indexDb).as("written by the server at its stop").exists();
        Files.delete(indexDb);
        try (NatsServerProcess server = NatsServerProcess.start(target, serverStore, serverWork, ServerAccounts.GLOBAL)) {
            sameAsBackup(server, backupState, live, label + ", restarted without index.db");
        }
    }

    /**
     * The sequences to ask: every one within 100 of a store block's edge (its first record, its
     * {@code .idx} first, its last) and of the edge between the two added blocks (the removal that
     * fills the first), every 61st elsewhere, and the two past the last; or every one from 1 with
     * {@code jetstart.it.everySequence}.
     */
    private static TreeSet<Long> asked() {
        TreeSet<Long> out = new TreeSet<>();
        boolean every = Boolean.getBoolean("jetstart.it.everySequence");
        for (long seq = 1; seq <= LAST + 2; seq++) {
            if (every || seq % 61 == 0 || seq > LAST) {
                out.add(seq);
            }
        }
        List<Long> edges = new ArrayList<>();
        long removals = 0;
        for (Legacy29Streams.Block b : BLOCKS) {
            edges.addAll(List.of(b.lo(), b.idxFirst(), b.hi()));
            for (long seq = b.lo(); seq <= b.hi(); seq++) {
                if (b.removes(seq) && ++removals == TOMBSTONES_IN_FIRST_ADDED_BLOCK) {
                    edges.add(seq);
                }
            }
        }
        for (long edge : edges) {
            for (long seq = Math.max(1, edge - 100); seq <= Math.min(LAST, edge + 100); seq++) {
                out.add(seq);
            }
        }
        return out;
    }

    /** The server's state is backup.json's, and of the sequences {@link #asked} it serves exactly those of {@code live}. */
    private static void sameAsBackup(NatsServerProcess server, JsonNode backupState, TreeSet<Long> live, String label) throws Exception {
        try (NatsClient c = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(c.connection(), Json.mapper());
            JsonNode state = api.streamInfo(STREAM).path("state");
            for (String f : List.of("messages", "bytes", "first_seq", "last_seq", "num_deleted")) {
                assertThat(state.path(f).asLong()).as("%s: %s (server %s, backup.json %s)", label, f, state, backupState)
                        .isEqualTo(backupState.path(f).asLong());
            }
            TreeSet<Long> asked = asked();
            SortedMap<Long, JsonNode> served = api.messages(STREAM, asked);
            TreeSet<Long> expected = new TreeSet<>(live);
            expected.retainAll(asked);
            // Compared as sets, not with AssertJ's element diff: its message would print 30,000 numbers.
            TreeSet<Long> wrong = new TreeSet<>(served.keySet());
            wrong.removeAll(expected);
            TreeSet<Long> missing = new TreeSet<>(expected);
            missing.removeAll(served.keySet());
            assertThat(wrong).as("%s: removed messages served", label).isEmpty();
            assertThat(missing).as("%s: messages not served", label).isEmpty();
            served.forEach((seq, m) -> {
                if (!m.path("subject").asText().equals(Legacy29Streams.SUBJECT)) {
                    throw new AssertionError(label + ": seq " + seq + " served as " + m);
                }
            });
        }
    }
}
