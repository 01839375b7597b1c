package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.it.CrashReaders.Expected;
import io.jetstart.it.CrashReaders.Seen;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PurgeRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * kill -9 while the runtime purges a stream's oldest messages: a child JVM ({@link PurgeCrashChild})
 * purges a stream of 40,000 messages in 16 KiB blocks up to random cuts, most purges removing whole
 * blocks without a tombstone per message (their files deleted lowest first, then the tombstones of
 * the block the cut falls in, then {@code index.db}), and is killed at a random moment. After each
 * kill the store is read by jetstart's recovery and by nats-server 2.10.x and 2.14+, each with the
 * {@code index.db} the kill left and without any ({@link CrashReaders#readAll}): every one reports
 * the stream purged up to a cut between the last purge acknowledged and the one in flight (a prefix
 * purge: the states a purge passes through), serves the messages from that cut on byte for byte and
 * nothing below it, and all readers of the same files report the same first and last sequence,
 * messages and bytes. The same store then takes a publish in the runtime with the next sequence.
 *
 * <p>{@code -Djetstart.purge.crash.trials=N} (default 6) sets the number of kills; the seed is
 * printed and {@code -Djetstart.purge.crash.seed=S} replays it (the moments of the kills differ).
 */
class PurgeCrashIT {
    private final Path tmp = Repo.work("PurgeCrashIT");

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
            Path err = trial.resolve("child.stderr");
            Process p = CrashReaders.startChild(PurgeCrashChild.class, store, random.nextLong(), out, err);
            CrashReaders.waitForLine(p, out, err, "ready ", context);
            Thread.sleep(random.nextInt(500));
            CrashReaders.kill(p);
            List<String> lines = CrashReaders.lines(out);
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
            TreeSet<Long> live = new TreeSet<>();
            TreeSet<Long> gone = new TreeSet<>();
            for (long seq = 1; seq <= PurgeCrashChild.MESSAGES; seq++) {
                (seq < acked ? gone : live).add(seq);
            }
            live.headSet(inFlight).clear();
            List<Seen> seen = CrashReaders.readAll(store, trial, PurgeCrashChild.STREAM, servers,
                    new Expected(live, gone, PurgeCrashChild::payload), random, window);
            System.out.println("[it] PurgeCrashIT " + window + " (" + lines.size() + " lines): " + seen);
            Seen runtime = seen.getFirst();
            if (runtime.first() != acked && runtime.first() != inFlight) {
                between++;
            }
            for (Seen s : seen) {
                assertThat(s.first()).as(window + ": " + s.who() + " first").isBetween(acked, inFlight);
                assertThat(s.last()).as(window + ": " + s.who() + " last").isEqualTo(PurgeCrashChild.MESSAGES);
                assertThat(s.messages()).as(window + ": " + s.who() + " messages (no gap: a prefix purge)")
                        .isEqualTo(s.last() - s.first() + 1);
            }
            try (JetStartStore js = JetStart.open(store, PurgeCrashChild.options())) {
                JetStartStream s = js.stream(PurgeCrashChild.STREAM).await(Duration.ofSeconds(60));
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
     * tombstone and served no message past it (30,373 messages counted of 30,000). Every such block
     * the runtime starts begins with a skip record of the stream's last sequence, which 2.10.27 and
     * 2.15.1 take as the block's start ({@code last + 1}): the blocks stay in order.
     */
    @Test
    void blocksOfTombstonesAfterTheMessagesAreRebuiltByBothServersAsTheRuntimeReportedThem() throws Exception {
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        Path work = tmp.resolve("by-subject");
        Path store = work.resolve("store");
        Files.createDirectories(store);
        PurgeCrashChild.fill(store);
        long purged;
        long tombstoneBlocks;
        try (JetStartStore js = JetStart.open(store, PurgeCrashChild.options())) {
            JetStartStream s = js.stream(PurgeCrashChild.STREAM).await(Duration.ofSeconds(60));
            purged = s.purge(new PurgeRequest("pc.1", 0, 0));
            s.flush();
            tombstoneBlocks = s.info().blocks().stream().filter(b -> b.messages() == 0).count();
        }
        assertThat(purged).isEqualTo(PurgeCrashChild.MESSAGES / 4);
        assertThat(tombstoneBlocks).as("blocks of tombstones only").isGreaterThan(10);
        TreeSet<Long> live = new TreeSet<>();
        TreeSet<Long> gone = new TreeSet<>();
        for (long seq = 1; seq <= PurgeCrashChild.MESSAGES; seq++) {
            (PurgeCrashChild.subject(seq).equals("pc.1") ? gone : live).add(seq);
        }
        List<Seen> seen = CrashReaders.readAll(store, work, PurgeCrashChild.STREAM, servers,
                new Expected(live, gone, PurgeCrashChild::payload), new Random(1), "purged by subject");
        for (Seen s : seen) {
            assertThat(List.of(s.messages(), s.first(), s.last())).as(s.who())
                    .containsExactly((long) live.size(), live.first(), (long) PurgeCrashChild.MESSAGES);
        }
    }
}
