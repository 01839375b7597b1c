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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

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
 * opens the store, removes the temp files the kill left (none is left once it took a publish) and
 * publishes with the next sequence.
 *
 * <p>The same on other writer paths ({@link CrashVariant}): S2-compressed blocks, encrypted stores
 * (both ciphers, with and without S2), 2 KiB blocks, a max_age that expires while the child runs,
 * and max_msgs / max_bytes with discard old. A child that stopped before its kill (an exception)
 * fails the trial with its stderr. Chained kills (each on the store the previous kill left) start the
 * writer on what a kill left again and again.
 *
 * <p>One difference is tolerated, and printed when seen: nats-server 2.10.x may report a first
 * sequence below jetstart's, all else the same, when the kill fell between the tombstones that
 * removed every message of the first blocks and the removal of those blocks
 * ({@link CrashReaders#only210FirstOfABlockWithoutMessages}).
 *
 * <p>{@code -Djetstart.removal.crash.trials=N} (default 4, a CI-sized count: 24 kills, every
 * variant at least once) sets the number of kills of the plain stream; the other variants take a
 * share of it (S2, 2 KiB blocks, max_age and the chained kills a half, the limits a third each, the
 * encrypted a quarter each; at least one: at the default each chained test kills twice, the second
 * kill on what the first left). {@code -Djetstart.removal.crash.trials=6} runs the 35 kills that were the default
 * until 2026-12-06, {@code =24} runs 148. The seed is printed and
 * {@code -Djetstart.removal.crash.seed=S} replays the operations drawn (the moments of the kills
 * differ).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RemovalCrashIT {
    /** One instance for the class: its work folder, and the filled stores its tests share. */
    private final Path tmp = Repo.work("RemovalCrashIT");
    /** Per variant name, the store {@link RemovalCrashChild#fill} wrote; every trial starts on a copy of it. */
    private final Map<String, Path> bases = new HashMap<>();

    @Test
    void whatWasAcknowledgedHoldsAndEveryReaderOfTheSameFilesAgreesAfterKillNine() throws Exception {
        kills(CrashVariant.PLAIN, trials(1));
    }

    /**
     * The same with S2-compressed blocks: a block the writer rolls past is rewritten compressed,
     * and a compaction rewrites one compressed again, each by an atomic replace a kill can cut.
     */
    @Test
    void theSameHoldsWithS2CompressedBlocks() throws Exception {
        kills(CrashVariant.S2, trials(2));
    }

    /**
     * The same on encrypted stores, XChaCha20-Poly1305 and AES-256-GCM, with and without S2: a key
     * file written before each block, ciphertext appends, compactions and whole-block removals of
     * encrypted blocks (their key files too), an encrypted {@code index.db}; the servers are started
     * with the key and cipher in their {@code jetstream} block.
     */
    @Test
    void theSameHoldsOnEncryptedStoresWithBothCiphersWithAndWithoutS2() throws Exception {
        for (CrashVariant v : CrashVariant.ENCRYPTED) {
            kills(v, trials(4));
        }
    }

    /**
     * The same with 2 KiB blocks: ~1,000 blocks of ~20 messages, so whole blocks are emptied and
     * removed all the time and the servers' rebuilds find blocks by binary search (2.10's
     * {@code selectMsgBlockWithIndex} from 33 blocks on); plain, and encrypted and compressed (a key
     * file per block).
     */
    @Test
    void theSameHoldsWithTwoKibBlocks() throws Exception {
        kills(CrashVariant.TINY, trials(2));
        kills(CrashVariant.TINY_SEALED, trials(2));
    }

    /**
     * The same on a stream with a max_age of 1.5 s: the writer expires messages in the background
     * while the child publishes and removes (the 20,000 it opens with all at once). A message may be
     * gone if it was published more than max_age before the kill; one published later, whose
     * publish was acknowledged and which no removal touched, must be there. The readers read a copy
     * whose {@code meta.inf} has no max_age (else each would expire by its own clock while they take
     * their turns); the runtime then opens the store as the kill left it.
     */
    @Test
    void theSameHoldsWhileTheWriterExpiresByAge() throws Exception {
        kills(CrashVariant.AGE, trials(2));
    }

    /**
     * The same with max_msgs and with max_bytes, discard old: the writer removes the oldest messages
     * while it stores new ones. The child reports the stream's first sequence with each
     * acknowledgement; what is below it is gone, and a publish in flight may have removed up to two
     * of the oldest per message it stored.
     */
    @Test
    void theSameHoldsWhileLimitsDiscardTheOldest() throws Exception {
        for (CrashVariant v : CrashVariant.LIMITS) {
            kills(v, trials(3));
        }
    }

    /**
     * Each kill on the store the previous one left (after the runtime reopened it and published one
     * message): the writer starts on what a kill left (a stale {@code index.db}, a torn tail, temp
     * files) again and again. The state before each child is what jetstart's recovery reads there:
     * what it serves must stay until removed, what it does not serve up to its last sequence must
     * never come back. Plain, 2 KiB encrypted and compressed, and AES with S2.
     */
    @Test
    void theSameHoldsWhenEachKillFallsOnTheStoreThePreviousKillLeft() throws Exception {
        for (CrashVariant v : List.of(CrashVariant.PLAIN, CrashVariant.TINY_SEALED, CrashVariant.named("aes-s2"))) {
            kills(v, trials(2), true);
        }
    }

    /**
     * The filled store of variant {@code v}, written on first use: the plain, the 2 KiB sealed and the
     * AES S2 variants are killed in two tests each (alone and chained), which start from the same
     * filled store, never changed (each trial writes on a copy); filling one again took seconds.
     */
    private Path base(CrashVariant v) throws Exception {
        Path base = bases.get(v.name());
        if (base == null) {
            base = Files.createDirectories(tmp.resolve("base-" + v.name()));
            long start = System.nanoTime();
            RemovalCrashChild.fill(base, v);
            System.out.println("[it] RemovalCrashIT " + v.name() + ": filled in " + (System.nanoTime() - start) / 1_000_000 + " ms");
            bases.put(v.name(), base);
        }
        return base;
    }

    /**
     * The trials per variant: {@code -Djetstart.removal.crash.trials} (default 4) divided by
     * {@code share}, at least 1. Each kill costs 2-6 s here (the child's start, the random moment,
     * six readers); 4 keeps every variant in CI and takes about 11 kills off the 35 of the old default 6.
     */
    private static int trials(int share) {
        return Math.max(1, Integer.getInteger("jetstart.removal.crash.trials", 4) / share);
    }

    private void kills(CrashVariant v, int trials) throws Exception {
        kills(v, trials, false);
    }

    private void kills(CrashVariant v, int trials, boolean chained) throws Exception {
        String kind = v.name() + (chained ? "-chained" : "");
        long seed = Long.getLong("jetstart.removal.crash.seed", System.nanoTime());
        System.out.println("[it] RemovalCrashIT " + kind + ": " + trials + " trials, seed " + seed);
        Random random = new Random(seed);
        List<NatsServerBinary> servers = NatsServers.discover().requireV210AndV214Plus();
        Path base = base(v);
        CrashReaders.Keys keys = new CrashReaders.Keys(v.key(), v.serverConfig());
        int leftovers = 0;
        for (int t = 0; t < trials; t++) {
            String context = kind + " trial " + t + " (seed " + seed + ")";
            Path trial = tmp.resolve(kind).resolve("trial-" + t);
            Path store = StoreFiles.copy(chained && t > 0 ? tmp.resolve(kind).resolve("trial-" + (t - 1)).resolve("store") : base,
                    trial.resolve("store"));
            Replay r = chained && t > 0 ? Replay.of(store, v) : Replay.filled();
            Path out = trial.resolve("child.stdout");
            Path err = trial.resolve("child.stderr");
            // A sync interval of 10-200 ms: index.db writes and compactions happen while it runs.
            long syncMs = 10 + random.nextInt(191);
            Process p = CrashReaders.startChild(RemovalCrashChild.class, store, random.nextLong(), out, err, Long.toString(syncMs), v.name());
            CrashReaders.waitForLine(p, out, err, "ready", context);
            // With max_age, long enough for the child's own messages to expire too.
            Thread.sleep(v.maxAge().isZero() ? 200 + random.nextInt(1300) : 300 + random.nextInt(3700));
            // A child that stopped on an exception would make the kill test nothing.
            assertThat(p.isAlive()).as(context + ": the child is still running at the kill:\n" + Files.readString(err)).isTrue();
            long killedAt = System.currentTimeMillis();
            CrashReaders.kill(p);
            replay(r, CrashReaders.lines(out), v);
            if (!v.maxAge().isZero()) {
                r.mayHaveExpired(killedAt - v.maxAge().toMillis() + AGE_MARGIN_MS);
            }
            String at = context + ", sync every " + syncMs + " ms: after " + r.done + " operations" + (r.inFlight == null ? "" : ", in flight: " + r.inFlight);
            Path read = v.maxAge().isZero() ? store : CrashReaders.withoutMaxAge(store, RemovalCrashChild.STREAM, trial.resolve("read"));
            List<Seen> seen = CrashReaders.readAll(read, trial, RemovalCrashChild.STREAM, servers,
                    new Expected(r.live, r.gone, RemovalCrashChild::payload), random, at, keys, true);
            System.out.println("[it] RemovalCrashIT " + at + ": " + seen.getFirst() + ", " + seen.get(1)
                    + (r.mayHaveExpired == 0 ? "" : ", " + r.mayHaveExpired + " old enough to have expired"));
            for (Seen s : seen) {
                assertThat(s.last()).as(at + ": " + s.who() + " last").isGreaterThanOrEqualTo(r.published);
            }
            List<String> leftTemps = CrashReaders.leftoverTemps(store);
            try (JetStartStore js = JetStart.open(store, v.options())) {
                JetStartStream s = js.stream(RemovalCrashChild.STREAM).await(Duration.ofSeconds(60));
                if (v.maxAge().isZero()) {
                    assertThat(s.info().messages()).as(at + ": the runtime opened again").isEqualTo(seen.getFirst().messages());
                }
                long next = seen.getFirst().last() + 1;
                assertThat(s.publish(RemovalCrashChild.subject(next), RemovalCrashChild.payload(next)).seq()).as(at + ": the next sequence")
                        .isEqualTo(next);
                // The writer removed the temp files the kill left before it took the publish.
                assertThat(CrashReaders.leftoverTemps(store)).as(at + ": temp files after the writer started, "
                        + leftTemps + " before").isEmpty();
            }
            if (!leftTemps.isEmpty()) {
                leftovers++;
                System.out.println("[it] RemovalCrashIT " + at + ": the kill left " + leftTemps);
            }
        }
        System.out.println("[it] RemovalCrashIT " + kind + ": " + leftovers + " of " + trials + " kills left a temp file");
    }

    /** A message published this close to its expiry at the kill may have expired (clock reads, the writer's timer). */
    private static final long AGE_MARGIN_MS = 100;

    /** The child's lines replayed: what must be there, what must not, the last acknowledged publish. */
    private static final class Replay {
        final TreeSet<Long> live = new TreeSet<>();
        final TreeSet<Long> gone = new TreeSet<>();
        /** Sequences the operation in flight may have removed (in neither set). */
        TreeSet<Long> touched = new TreeSet<>();
        String inFlight;
        long published = RemovalCrashChild.MESSAGES;
        int done;
        /** The acknowledged batches: first, last, and the epoch ms before they were published. */
        final List<long[]> batches = new java.util.ArrayList<>();
        /** How many messages {@link #mayHaveExpired(long)} took from the live ones. */
        int mayHaveExpired;

        /** Before the child of a store {@link RemovalCrashChild#fill} wrote: every message live. */
        static Replay filled() {
            Replay r = new Replay();
            for (long seq = 1; seq <= RemovalCrashChild.MESSAGES; seq++) {
                r.live.add(seq);
            }
            return r;
        }

        /**
         * Before the child of a store a kill left and the runtime reopened: what jetstart's recovery
         * serves there is live, every other sequence up to its last is gone for good.
         */
        static Replay of(Path store, CrashVariant v) throws Exception {
            java.util.Map<Long, byte[]> served = new java.util.HashMap<>();
            Seen before = CrashReaders.jetstart(store, RemovalCrashChild.STREAM, "jetstart before the child", served, v.key());
            Replay r = new Replay();
            r.live.addAll(served.keySet());
            for (long seq = 1; seq <= before.last(); seq++) {
                if (!served.containsKey(seq)) {
                    r.gone.add(seq);
                }
            }
            r.published = before.last();
            return r;
        }

        /**
         * With max_age: the messages published before {@code before} (the filled ones and the batches
         * begun earlier) may have expired, so they are no longer required; one removed is still gone.
         */
        void mayHaveExpired(long before) {
            int was = live.size();
            live.headSet((long) RemovalCrashChild.MESSAGES, true).clear();
            for (long[] b : batches) {
                if (b[2] < before) {
                    live.subSet(b[0], true, b[1], true).clear();
                }
            }
            mayHaveExpired = was - live.size();
        }
    }

    private static void replay(Replay r, List<String> lines, CrashVariant v) {
        long publishingAt = 0;
        for (String whole : lines) {
            // With limits an acknowledgement ends with the stream's first sequence after it.
            int cut = whole.indexOf(" first ");
            String line = cut < 0 ? whole : whole.substring(0, cut);
            String[] w = line.split(" ");
            switch (w[0]) {
                case "ready" -> {
                }
                case "publishing", "deleting", "erasing", "purging" -> {
                    r.inFlight = line;
                    r.touched = switch (w[0]) {
                        case "deleting", "erasing" -> new TreeSet<>(List.of(Long.parseLong(w[1])));
                        case "purging" -> purged(r.live, w[1], Long.parseLong(w[2]));
                        // Discard old: each message stored may push out the oldest (two, by bytes).
                        default -> v.limits() ? r.live.stream().limit(2L * Long.parseLong(w[1]) + 2)
                                .collect(java.util.stream.Collectors.toCollection(TreeSet::new)) : new TreeSet<>();
                    };
                    if (w[0].equals("publishing")) {
                        publishingAt = Long.parseLong(w[3]);
                    }
                    r.live.removeAll(r.touched);
                }
                case "published" -> {
                    for (long seq = Long.parseLong(w[1]); seq <= Long.parseLong(w[2]); seq++) {
                        r.live.add(seq);
                    }
                    r.live.addAll(r.touched);
                    r.touched = new TreeSet<>();
                    r.batches.add(new long[] {Long.parseLong(w[1]), Long.parseLong(w[2]), publishingAt});
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
                default -> throw new AssertionError("child line not understood: " + whole);
            }
            if (cut >= 0) {
                // The limits removed every message below the first sequence.
                java.util.NavigableSet<Long> below = r.live.headSet(Long.parseLong(whole.substring(cut + 7)), false);
                r.gone.addAll(below);
                below.clear();
            }
        }
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
