package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.it.CrashReaders.Expected;
import io.jetstart.it.CrashReaders.Seen;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * kill -9 while the runtime publishes and removes at random: a child JVM ({@link RemovalCrashChild})
 * publishes batches, deletes and erases messages, purges subjects, purges up to a sequence and
 * keeps the newest N on a stream of 16 KiB blocks, with a sync interval of 10-200 ms (so that
 * {@code index.db} writes and compactions of blocks less than half live happen while it runs), and
 * is killed at a random moment. The test replays
 * the child's lines: a message whose publish was acknowledged and which no removal has touched since
 * must be there, one whose removal was acknowledged must not, and what the operation in flight
 * touched may be either. jetstart's recovery and nats-server 2.10.x and 2.14+, each with the
 * {@code index.db} the kill left and without any ({@link CrashReaders#readAll}), must all meet that,
 * byte for byte, and every reader of the same files must report the same state; the runtime then
 * opens the store and publishes with the next sequence.
 *
 * <p>{@code -Djetstart.removal.crash.trials=N} (default 6; half of it with S2-compressed blocks) sets the number of kills; the seed is
 * printed and {@code -Djetstart.removal.crash.seed=S} replays the operations drawn (the moments of
 * the kills differ).
 */
class RemovalCrashIT {
    private final Path tmp = Repo.work("RemovalCrashIT");

    @Test
    void whatWasAcknowledgedHoldsAndEveryReaderOfTheSameFilesAgreesAfterKillNine() throws Exception {
        kills("plain", "", Integer.getInteger("jetstart.removal.crash.trials", 6));
    }

    /**
     * The same with S2-compressed blocks: a block the writer rolls past is rewritten compressed,
     * and a compaction rewrites one compressed again, each by an atomic replace a kill can cut.
     */
    @Test
    void theSameHoldsWithS2CompressedBlocks() throws Exception {
        kills("s2", ",\"compression\":\"s2\"", Math.max(1, Integer.getInteger("jetstart.removal.crash.trials", 6) / 2));
    }

    private void kills(String kind, String moreConfig, int trials) throws Exception {
        long seed = Long.getLong("jetstart.removal.crash.seed", System.nanoTime());
        System.out.println("[it] RemovalCrashIT " + kind + ": " + trials + " trials, seed " + seed);
        Random random = new Random(seed);
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        Path base = tmp.resolve(kind).resolve("base");
        Files.createDirectories(base);
        RemovalCrashChild.fill(base, moreConfig);
        for (int t = 0; t < trials; t++) {
            String context = kind + " trial " + t + " (seed " + seed + ")";
            Path trial = tmp.resolve(kind).resolve("trial-" + t);
            Path store = StoreFiles.copy(base, trial.resolve("store"));
            Path out = trial.resolve("child.stdout");
            Path err = trial.resolve("child.stderr");
            // A sync interval of 10-200 ms: index.db writes and compactions happen while it runs.
            long syncMs = 10 + random.nextInt(191);
            Process p = CrashReaders.startChild(RemovalCrashChild.class, store, random.nextLong(), out, err, Long.toString(syncMs));
            CrashReaders.waitForLine(p, out, err, "ready", context);
            Thread.sleep(200 + random.nextInt(1300));
            CrashReaders.kill(p);
            Replay r = replay(CrashReaders.lines(out));
            String at = context + ", sync every " + syncMs + " ms: after " + r.done + " operations" + (r.inFlight == null ? "" : ", in flight: " + r.inFlight);
            List<Seen> seen = CrashReaders.readAll(store, trial, RemovalCrashChild.STREAM, servers,
                    new Expected(r.live, r.gone, RemovalCrashChild::payload), random, at);
            System.out.println("[it] RemovalCrashIT " + at + ": " + seen.getFirst() + ", " + seen.get(1));
            for (Seen s : seen) {
                assertThat(s.last()).as(at + ": " + s.who() + " last").isGreaterThanOrEqualTo(r.published);
            }
            try (JetStartStore js = JetStart.open(store, RemovalCrashChild.options())) {
                JetStartStream s = js.stream(RemovalCrashChild.STREAM).await(Duration.ofSeconds(60));
                assertThat(s.info().messages()).as(at + ": the runtime opened again").isEqualTo(seen.getFirst().messages());
                assertThat(s.publish("rc.0", RemovalCrashChild.payload(0)).seq()).as(at + ": the next sequence")
                        .isEqualTo(seen.getFirst().last() + 1);
            }
        }
    }

    /** The child's lines replayed: what must be there, what must not, the last acknowledged publish. */
    private static final class Replay {
        final TreeSet<Long> live = new TreeSet<>();
        final TreeSet<Long> gone = new TreeSet<>();
        /** Sequences the operation in flight may have removed (in neither set). */
        TreeSet<Long> touched = new TreeSet<>();
        String inFlight;
        long published = RemovalCrashChild.MESSAGES;
        int done;
    }

    private static Replay replay(List<String> lines) {
        Replay r = new Replay();
        for (long seq = 1; seq <= RemovalCrashChild.MESSAGES; seq++) {
            r.live.add(seq);
        }
        for (String line : lines) {
            String[] w = line.split(" ");
            switch (w[0]) {
                case "ready" -> {
                }
                case "publishing", "deleting", "erasing", "purging" -> {
                    r.inFlight = line;
                    r.touched = switch (w[0]) {
                        case "deleting", "erasing" -> new TreeSet<>(List.of(Long.parseLong(w[1])));
                        case "purging" -> purged(r.live, w[1], Long.parseLong(w[2]));
                        default -> new TreeSet<>();
                    };
                    r.live.removeAll(r.touched);
                }
                case "published" -> {
                    for (long seq = Long.parseLong(w[1]); seq <= Long.parseLong(w[2]); seq++) {
                        r.live.add(seq);
                    }
                    r.published = Long.parseLong(w[2]);
                    r.inFlight = null;
                    r.done++;
                }
                case "deleted", "erased", "purged" -> {
                    r.gone.addAll(r.touched);
                    r.touched = new TreeSet<>();
                    r.inFlight = null;
                    r.done++;
                }
                default -> throw new AssertionError("child line not understood: " + line);
            }
        }
        return r;
    }

    /** The live messages a purge removes. */
    private static TreeSet<Long> purged(TreeSet<Long> live, String kind, long n) {
        TreeSet<Long> out = new TreeSet<>();
        switch (kind) {
            case "subject" -> live.stream().filter(seq -> RemovalCrashChild.subject(seq).equals("rc." + n)).forEach(out::add);
            case "upto" -> out.addAll(live.headSet(n));
            case "keep" -> live.stream().limit(Math.max(0, live.size() - n)).forEach(out::add);
            default -> throw new AssertionError("purge not understood: " + kind);
        }
        return out;
    }
}
