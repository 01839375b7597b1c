package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.runtime.StreamSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * kill -9 while the runtime purges a stream's oldest messages: a child JVM ({@link PurgeCrashChild})
 * purges a stream of 40,000 messages in 16 KiB blocks up to random cuts, most purges removing whole
 * blocks without a tombstone per message (their files deleted lowest first, then the tombstones of
 * the block the cut falls in, then {@code index.db}), and is killed at a random moment. After each
 * kill the store is read by jetstart's recovery and by nats-server 2.10.x and 2.14+, each with the
 * {@code index.db} the kill left and without any: every one reports the stream purged up to a cut
 * between the last purge acknowledged and the one in flight (a prefix purge: the states a purge
 * passes through), serves the messages from that cut on byte for byte and nothing below it, and
 * all readers of the same files report the same first and last sequence, messages and bytes. The same store then takes a publish in the runtime
 * with the next sequence.
 *
 * <p>{@code -Djetstart.purge.crash.trials=N} (default 6) sets the number of kills; the seed is
 * printed and {@code -Djetstart.purge.crash.seed=S} replays it (the moments of the kills differ).
 */
class PurgeCrashIT {
    /** Messages asked of each server per store: the first and last live ones and a sample between. */
    private static final int SERVER_CHECKS = 300;
    private final Path tmp = Repo.work("PurgeCrashIT");

    /** What one reader reports of the stream after a kill. */
    private record Seen(String who, long first, long last, long messages, long bytes) {
    }

    @Test
    void aKillDuringPurgesLeavesTheStreamPurgedUpToACutBetweenTheLastAcknowledgedAndTheOneInFlight() throws Exception {
        int trials = Integer.getInteger("jetstart.purge.crash.trials", 6);
        long seed = Long.getLong("jetstart.purge.crash.seed", System.nanoTime());
        System.out.println("[it] PurgeCrashIT: " + trials + " trials, seed " + seed);
        Random random = new Random(seed);
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        Path base = tmp.resolve("base");
        Files.createDirectories(base);
        PurgeCrashChild.fill(base);
        int caughtInFlight = 0;
        int between = 0;
        for (int t = 0; t < trials; t++) {
            String context = "trial " + t + " (seed " + seed + ")";
            Path trial = tmp.resolve("trial-" + t);
            Path store = StoreFiles.copy(base, trial.resolve("store"));
            Path out = trial.resolve("child.stdout");
            Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                    System.getProperty("java.class.path"), PurgeCrashChild.class.getName(), store.toString(),
                    Long.toString(random.nextLong()))
                    .redirectOutput(out.toFile()).redirectError(trial.resolve("child.stderr").toFile()).start();
            waitForReady(p, out, trial, context);
            Thread.sleep(random.nextInt(500));
            kill(p);
            List<String> lines = lines(out);
            long acked = 1;
            long inFlight = 1;
            for (String line : lines) {
                if (line.startsWith("purged ")) {
                    acked = Long.parseLong(line.substring(7));
                    inFlight = acked;
                } else if (line.startsWith("purging ")) {
                    inFlight = Long.parseLong(line.substring(8));
                }
            }
            if (inFlight != acked) {
                caughtInFlight++;
            }
            String window = context + ": first in [" + acked + ", " + inFlight + "]";
            List<Seen> seen = new ArrayList<>();
            Path bare = StoreFiles.copy(store, trial.resolve("bare"));
            Files.deleteIfExists(bare.resolve("jetstart.lock"));
            StoreFiles.deleteIndexDbs(bare);
            seen.add(jetstartSees(store, "jetstart, index.db as left", window));
            seen.add(jetstartSees(bare, "jetstart, without index.db", window));
            for (NatsServerBinary b : servers) {
                for (boolean loseIndex : new boolean[] {false, true}) {
                    Path copy = StoreFiles.copy(loseIndex ? bare : store, trial.resolve(b.version() + (loseIndex ? "-bare" : "")).resolve("store"));
                    Files.deleteIfExists(copy.resolve("jetstart.lock"));
                    seen.add(serverSees(b, copy, trial, (loseIndex ? "without" : "with") + " index.db", window, random));
                }
            }
            System.out.println("[it] PurgeCrashIT " + window + " (" + lines.size() + " lines): " + seen);
            // With the index.db the kill left, and without one: each reader in the window, and all
            // readers of the same files alike. The two can differ: a kill after index.db said the
            // purge in flight was done, before its blocks' files went, leaves files that say it
            // was not (neither is a removal acknowledged and then undone).
            Seen runtime = seen.getFirst();
            Seen rebuilt = seen.get(1);
            if (runtime.first() != acked && runtime.first() != inFlight) {
                between++;
            }
            for (Seen s : seen) {
                Seen same = s.who().contains("without") ? rebuilt : runtime;
                assertThat(s.first()).as(window + ": " + s.who() + " first").isBetween(acked, inFlight);
                assertThat(s.last()).as(window + ": " + s.who() + " last").isEqualTo(PurgeCrashChild.MESSAGES);
                assertThat(s.messages()).as(window + ": " + s.who() + " messages (no gap: a prefix purge)")
                        .isEqualTo(s.last() - s.first() + 1);
                assertThat(s).as(window + ": " + s.who() + " against " + same.who())
                        .usingRecursiveComparison().ignoringFields("who").isEqualTo(same);
            }
            try (io.jetstart.runtime.JetStartStore js = io.jetstart.runtime.JetStart.open(store, PurgeCrashChild.options())) {
                io.jetstart.runtime.JetStartStream s = js.stream(PurgeCrashChild.STREAM).await(java.time.Duration.ofSeconds(60));
                assertThat(s.info().firstSeq()).as(window + ": the runtime opened again").isEqualTo(runtime.first());
                assertThat(s.publish("pc.0", PurgeCrashChild.payload(0)).seq()).as(window + ": the next sequence")
                        .isEqualTo(PurgeCrashChild.MESSAGES + 1);
            }
        }
        System.out.println("[it] PurgeCrashIT: " + caughtInFlight + " of " + trials + " kills caught a purge in flight, "
                + between + " of them part way (the stream purged up to a cut between the two)");
    }

    /**
     * A purge by subject over a stream of ~200 blocks writes ~20 blocks of tombstones after its
     * message blocks. nats-server 2.10.27's rebuild (no {@code index.db}) finds a block by binary
     * search over the blocks in file order ({@code selectMsgBlockWithIndex}, from 33 blocks on),
     * which takes their sequences to ascend; a block of tombstones only starts at its lowest
     * tombstone + 1 there, below the messages of the blocks before it, and 2.10.27 then applied no
     * tombstone and served no message (2,512 messages counted where 2,358 were live). Every such
     * block the runtime starts begins with a skip record of the stream's last sequence, which
     * 2.10.27 and 2.15.1 take as the block's start ({@code last + 1}): the blocks stay in order.
     */
    @Test
    void blocksOfTombstonesAfterTheMessagesAreRebuiltByBothServersAsTheRuntimeReportedThem() throws Exception {
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        Path store = tmp.resolve("by-subject").resolve("store");
        Files.createDirectories(store);
        PurgeCrashChild.fill(store);
        long purged;
        long tombstoneBlocks;
        try (io.jetstart.runtime.JetStartStore js = io.jetstart.runtime.JetStart.open(store, PurgeCrashChild.options())) {
            io.jetstart.runtime.JetStartStream s = js.stream(PurgeCrashChild.STREAM).await(java.time.Duration.ofSeconds(60));
            purged = s.purge(new io.jetstart.runtime.PurgeRequest("pc.1", 0, 0));
            s.flush();
            tombstoneBlocks = s.info().blocks().stream().filter(b -> b.messages() == 0).count();
        }
        assertThat(purged).isEqualTo(PurgeCrashChild.MESSAGES / 4);
        assertThat(tombstoneBlocks).as("blocks of tombstones only").isGreaterThan(10);
        long first = 1;
        while (PurgeCrashChild.subject(first).equals("pc.1")) {
            first++;
        }
        Path bare = StoreFiles.copy(store, tmp.resolve("by-subject").resolve("bare"));
        StoreFiles.deleteIndexDbs(bare);
        List<String> problems = new ArrayList<>();
        for (NatsServerBinary b : servers) {
            for (Path from : List.of(store, bare)) {
                String who = b + (from == bare ? " without index.db" : " with index.db");
                Path copy = StoreFiles.copy(from, tmp.resolve("by-subject").resolve(b.version() + "-" + from.getFileName()).resolve("store"));
                Files.deleteIfExists(copy.resolve("jetstart.lock"));
                try (NatsServerProcess server = NatsServerProcess.start(b, copy, copy.getParent(), ServerAccounts.GLOBAL);
                     NatsClient client = server.connect(Account.GLOBAL)) {
                    JsApi api = new JsApi(client.connection(), Json.mapper());
                    JsonNode state = api.streamInfo(PurgeCrashChild.STREAM).path("state");
                    String got = state.path("messages").asLong() + " msgs, first " + state.path("first_seq").asLong() + ", last "
                            + state.path("last_seq").asLong();
                    String want = (PurgeCrashChild.MESSAGES - purged) + " msgs, first " + first + ", last " + PurgeCrashChild.MESSAGES;
                    if (!got.equals(want)) {
                        problems.add(who + ": " + got + ", the runtime " + want);
                    }
                    for (long seq = 1; seq <= PurgeCrashChild.MESSAGES; seq += 97) {
                        Optional<JsonNode> m = api.message(PurgeCrashChild.STREAM, seq);
                        boolean live = !PurgeCrashChild.subject(seq).equals("pc.1");
                        if (m.isPresent() != live) {
                            problems.add(who + ": seq " + seq + (live ? " not served" : " served, purged"));
                        } else if (live && !Arrays.equals(Base64.getDecoder().decode(m.get().path("data").asText()),
                                PurgeCrashChild.payload(seq))) {
                            problems.add(who + ": seq " + seq + " differs");
                        }
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    /** jetstart's recovery of {@code store}: every message from its first on is there, byte for byte. */
    private static Seen jetstartSees(Path store, String who, String context) throws Exception {
        StreamSnapshot snap = StreamSnapshot.open(store, "$G", PurgeCrashChild.STREAM);
        long first = snap.info().firstSeq();
        long last = snap.info().lastSeq();
        for (long seq = first; seq <= last; seq++) {
            Optional<StoredMessage> m = snap.get(seq);
            assertThat(m).as(context + ": " + who + " seq " + seq).isPresent();
            assertThat(m.get().payload()).as(context + ": " + who + " seq " + seq).isEqualTo(PurgeCrashChild.payload(seq));
        }
        if (first > 1) {
            assertThat(snap.get(first - 1)).as(context + ": " + who + " seq " + (first - 1) + ", purged").isEmpty();
        }
        return new Seen(who, first, last, snap.info().messages(), snap.info().bytes());
    }

    /** What {@code binary} reports and serves of the stream: the first and last live messages and a sample between. */
    private Seen serverSees(NatsServerBinary binary, Path store, Path trial, String how, String context, Random random)
            throws Exception {
        String who = binary + " " + how;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, store.getParent(), ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            JsonNode state = api.streamInfo(PurgeCrashChild.STREAM).path("state");
            long first = state.path("first_seq").asLong();
            long last = state.path("last_seq").asLong();
            TreeSet<Long> asked = new TreeSet<>();
            for (long seq = first; seq <= last && asked.size() < SERVER_CHECKS / 3; seq++) {
                asked.add(seq);
            }
            for (long seq = last; seq >= first && asked.size() < 2 * SERVER_CHECKS / 3; seq--) {
                asked.add(seq);
            }
            while (last >= first && asked.size() < Math.min(SERVER_CHECKS, last - first + 1)) {
                asked.add(first + (long) (random.nextDouble() * (last - first + 1)));
            }
            List<String> problems = new ArrayList<>();
            for (long seq : asked) {
                Optional<JsonNode> m = api.message(PurgeCrashChild.STREAM, seq);
                if (m.isEmpty()) {
                    problems.add("seq " + seq + " missing");
                } else if (!Arrays.equals(Base64.getDecoder().decode(m.get().path("data").asText()), PurgeCrashChild.payload(seq))) {
                    problems.add("seq " + seq + " differs");
                }
            }
            if (first > 1 && api.message(PurgeCrashChild.STREAM, first - 1).isPresent()) {
                problems.add("seq " + (first - 1) + ", below the first, is served");
            }
            assertThat(problems).as(context + ": " + who).isEmpty();
            return new Seen(who, first, last, state.path("messages").asLong(), state.path("bytes").asLong());
        }
    }

    private static void waitForReady(Process p, Path out, Path trial, String context) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (lines(out).stream().anyMatch(l -> l.startsWith("ready "))) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError(context + ": the child exited " + p.exitValue() + " before it was ready:\n"
                        + Files.readString(trial.resolve("child.stderr")));
            }
            Thread.sleep(5);
        }
        kill(p);
        throw new AssertionError(context + ": the child was not ready within 60 s:\n" + Files.readString(trial.resolve("child.stderr")));
    }

    /** SIGKILL to the child JVM. */
    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** The complete lines (a line cut by the kill has no newline and does not count). */
    private static List<String> lines(Path out) throws IOException {
        String text = Files.readString(out, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    }
}
