package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.cli.Payloads;
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
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * kill -9 while publishing with {@code --sync always}: a child {@code jetstart publish --ack-lines}
 * is killed at a random moment after its first ack, again and again on the same store. After each
 * kill every acknowledged message must be there byte for byte (the payloads check themselves,
 * {@link Payloads}), and the next run's sequences must start above everything acked before: no
 * sequence is reused or goes backwards. At the end nats-server 2.14+ (when present) starts on the
 * store and serves the acknowledged messages with the same bytes (all of them, or 5,000 of them
 * when there are more: the first and last 500 and a seeded sample).
 *
 * <p>{@code -Djetstart.crash.trials=N} (default 10, a CI-sized count; 20 until 2026-12-06, and
 * 200 pass) sets the number of kills; the seed is printed and can be replayed with
 * {@code -Djetstart.crash.seed=S}.
 */
class RuntimeCrashIT {
    /** Acknowledged messages asked of nats-server at the end (see {@link #serverServesTheAcks}). */
    private static final int SERVER_CHECKS = 5_000;
    private final Path tmp = Repo.work("RuntimeCrashIT");

    @Test
    void everyAcknowledgedMessageSurvivesKillNineAndNoSequenceIsReused() throws Exception {
        Trials trials = trials("RuntimeCrashIT", Integer.getInteger("jetstart.crash.trials", 10), "store", "work");
        long seed = trials.seed();
        Random random = trials.random();
        Path store = trials.store();
        TreeMap<Long, byte[]> acked = new TreeMap<>();
        long highestAcked = 0;
        for (int t = 0; t < trials.count(); t++) {
            String context = "trial " + t + " (seed " + seed + ")";
            Path out = trials.work().resolve("publish-" + t + ".stdout");
            Path err = trials.work().resolve("publish-" + t + ".stderr");
            Process p = publish(trials, "CRASH", out, err, "--sync", "always");
            waitForLine(p, out, err, "acked ", seq -> true, context);
            long runFirstAck = acks(out).get(0);
            Thread.sleep(random.nextInt(400));
            kill(p);
            long runLastAck = lastAck(out);
            assertThat(runFirstAck).as(context + ": the first ack of a run is above everything acked before").isGreaterThan(highestAcked);
            StreamSnapshot snap = StreamSnapshot.open(store, "$G", "CRASH");
            assertThat(snap.info().lastSeq()).as(context + ": the stream's last sequence").isGreaterThanOrEqualTo(runLastAck);
            for (long seq = highestAcked + 1; seq <= runLastAck; seq++) {
                Optional<StoredMessage> m = snap.get(seq);
                if (m.isEmpty()) {
                    // Sequences between runs can be gaps (a run's unacked tail) only below its first ack.
                    assertThat(seq).as(context + ": acked sequence " + seq + " is missing").isLessThan(runFirstAck);
                    continue;
                }
                if (seq < runFirstAck) {
                    // Written by the previous run but not acked before its kill: whatever is there must be whole.
                    assertThat(m.get().payload()).as(context + ": unacked seq " + seq).isEqualTo(Payloads.expectedFor(m.get().payload()));
                    continue;
                }
                byte[] payload = m.get().payload();
                assertThat(payload).as(context + ": seq " + seq + " byte for byte").isEqualTo(Payloads.expectedFor(payload));
                acked.put(seq, payload);
            }
            // Messages acked in earlier trials are still there, unchanged.
            for (long seq : sample(acked, random, 50)) {
                assertThat(snap.get(seq).map(StoredMessage::payload).orElse(null)).as(context + ": earlier ack " + seq)
                        .isEqualTo(acked.get(seq));
            }
            highestAcked = Math.max(highestAcked, runLastAck);
        }
        assertThat(acked).as("acknowledged messages over all trials").isNotEmpty();
        serverServesTheAcks(store, "CRASH", acked, random);
    }

    /**
     * kill -9 with {@code --sync interval} (a short, random interval): the child prints
     * {@code synced <seq>} after each completed sync. After each kill, every message up to the
     * last such line is there byte for byte (and unchanged from earlier trials), no synced sequence
     * goes backwards; at the end nats-server 2.14+ serves them with the same bytes.
     * {@code -Djetstart.crash.interval.trials=N} (default 6) sets the number of kills.
     */
    @Test
    void whatTheLastCompletedSyncCoveredSurvivesKillNineWithIntervalSync() throws Exception {
        Trials trials = trials("RuntimeCrashIT (interval sync)", Integer.getInteger("jetstart.crash.interval.trials", 6),
                "interval-store", "interval-work");
        long seed = trials.seed();
        Random random = trials.random();
        Path store = trials.store();
        TreeMap<Long, byte[]> synced = new TreeMap<>();
        long highestSynced = 0;
        for (int t = 0; t < trials.count(); t++) {
            String context = "interval trial " + t + " (seed " + seed + ")";
            Path out = trials.work().resolve("publish-" + t + ".stdout");
            Path err = trials.work().resolve("publish-" + t + ".stderr");
            String interval = (10 + random.nextInt(90)) + "ms";
            Process p = publish(trials, "ICRASH", out, err, "--sync", "interval", "--sync-interval", interval);
            long before = highestSynced;
            waitForLine(p, out, err, "synced ", seq -> seq > before, context);
            Thread.sleep(random.nextInt(400));
            kill(p);
            List<Long> points = lines(out, "synced ");
            long runSynced = points.get(points.size() - 1);
            assertThat(points).as(context + ": sync points only go up").isSorted();
            assertThat(points.get(0)).as(context + ": a run's first sync point is not below the last one before it")
                    .isGreaterThanOrEqualTo(highestSynced);
            StreamSnapshot snap = StreamSnapshot.open(store, "$G", "ICRASH");
            assertThat(snap.info().lastSeq()).as(context + ": the stream's last sequence").isGreaterThanOrEqualTo(runSynced);
            for (long seq = highestSynced + 1; seq <= runSynced; seq++) {
                Optional<StoredMessage> m = snap.get(seq);
                assertThat(m).as(context + ": synced sequence " + seq + " (interval " + interval + ")").isPresent();
                byte[] payload = m.get().payload();
                assertThat(payload).as(context + ": synced seq " + seq + " byte for byte").isEqualTo(Payloads.expectedFor(payload));
                synced.put(seq, payload);
            }
            for (long seq : sample(synced, random, 50)) {
                assertThat(snap.get(seq).map(StoredMessage::payload).orElse(null)).as(context + ": earlier sync point " + seq)
                        .isEqualTo(synced.get(seq));
            }
            highestSynced = Math.max(highestSynced, runSynced);
        }
        assertThat(synced).as("synced messages over all trials").isNotEmpty();
        System.out.println("[it] RuntimeCrashIT (interval sync): " + synced.size() + " messages covered by sync points, last " + highestSynced);
        serverServesTheAcks(store, "ICRASH", synced, random);
    }

    /** Waits for a complete line {@code <prefix><seq>} whose seq passes {@code wanted}. */
    private static void waitForLine(Process p, Path out, Path err, String prefix, java.util.function.LongPredicate wanted,
                                    String context) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (lines(out, prefix).stream().anyMatch(wanted::test)) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError(context + ": publish exited " + p.exitValue() + " before a '" + prefix + "' line:\n"
                        + Files.readString(err));
            }
            Thread.sleep(20);
        }
        kill(p);
        throw new AssertionError(context + ": no '" + prefix + "' line within 60 s:\n" + Files.readString(err));
    }

    /** A test's kills: how many, its seed (printed, to replay it), its random, store and work folder. */
    private record Trials(int count, long seed, Random random, Path store, Path work) {
    }

    private Trials trials(String what, int count, String storeName, String workName) throws IOException {
        long seed = Long.getLong("jetstart.crash.seed", System.nanoTime());
        System.out.println("[it] " + what + ": " + count + " trials, seed " + seed);
        Path store = tmp.resolve(storeName);
        Files.createDirectories(store);
        Path work = tmp.resolve(workName);
        // Build the launcher before timing anything (it rebuilds itself when stale).
        new Jetstart(work).run("--version");
        return new Trials(count, seed, new Random(seed), store, work);
    }

    /**
     * {@code jetstart publish} into {@code stream} (created on subjects {@code <stream>.*}) until it
     * is killed, with ack lines, {@code syncArgs}, and a payload size and publisher count drawn from
     * the trials' random (in that order, so a seed replays).
     */
    private static Process publish(Trials trials, String stream, Path out, Path err, String... syncArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(launcher(), "publish", trials.store().toString(), stream, "--create",
                stream.toLowerCase(java.util.Locale.ROOT) + ".*"));
        command.addAll(List.of(syncArgs));
        // At least 48 bytes: a payload names its run and index in up to 37 bytes ("<hex run>:<i>:"),
        // and a checker needs all of it to know what every other byte must be (Payloads.expectedFor).
        command.addAll(List.of("--ack-lines", "--count", "100000000", "--size", Integer.toString(48 + trials.random().nextInt(200)),
                "--publishers", Integer.toString(1 + trials.random().nextInt(4))));
        return new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    }

    private static String launcher() {
        String configured = System.getProperty("jetstart.launcher");
        return configured != null && !configured.isBlank() ? configured : Repo.root().resolve("jetstart").toString();
    }

    /** SIGKILL to the JVM (the launcher execs it) and anything it started. */
    private static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    private static long lastAck(Path out) throws IOException {
        List<Long> acks = acks(out);
        return acks.isEmpty() ? 0 : acks.get(acks.size() - 1);
    }

    /** The complete "acked N" lines (a line cut by the kill has no newline and does not count). */
    private static List<Long> acks(Path out) throws IOException {
        return lines(out, "acked ");
    }

    /** The complete lines {@code <prefix>N}, in order (a line cut by the kill has no newline and does not count). */
    private static List<Long> lines(Path out, String prefix) throws IOException {
        String text = Files.readString(out, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        List<Long> seqs = new ArrayList<>();
        if (end < 0) {
            return seqs;
        }
        for (String line : text.substring(0, end).split("\n")) {
            if (line.startsWith(prefix)) {
                seqs.add(Long.parseLong(line.substring(prefix.length()).strip()));
            }
        }
        return seqs;
    }

    private static List<Long> sample(TreeMap<Long, byte[]> acked, Random random, int n) {
        List<Long> keys = new ArrayList<>(acked.keySet());
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n && !keys.isEmpty(); i++) {
            out.add(keys.get(random.nextInt(keys.size())));
        }
        return out;
    }

    /**
     * nats-server serves the acknowledged messages byte for byte: all of them up to
     * {@link #SERVER_CHECKS}, else the first and last few hundred and a seeded sample between. One
     * MSG.GET per message is a request-reply round trip: a fast publisher acks a million messages
     * in 20 trials, and asking for each of them took minutes (the requests are pipelined,
     * {@link JsApi#messages}).
     */
    private void serverServesTheAcks(Path store, String stream, TreeMap<Long, byte[]> acked, Random random) throws Exception {
        NatsServers servers = NatsServers.discover();
        Optional<NatsServerBinary> newest = servers.all().stream().filter(b -> b.version().atLeast(2, 14)).reduce((a, b) -> b);
        if (newest.isEmpty()) {
            System.out.println("[it] RuntimeCrashIT: no nats-server 2.14+ found; the server check is skipped");
            return;
        }
        Path copy = StoreFiles.copy(store, tmp.resolve("server-" + stream).resolve("store"));
        Files.deleteIfExists(copy.resolve("jetstart.lock"));
        try (NatsServerProcess server = NatsServerProcess.start(newest.get(), copy, tmp.resolve("server-" + stream), ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            List<String> problems = new ArrayList<>();
            java.util.SortedSet<Long> checked = new java.util.TreeSet<>();
            if (acked.size() <= SERVER_CHECKS) {
                checked.addAll(acked.keySet());
            } else {
                acked.navigableKeySet().stream().limit(SERVER_CHECKS / 10).forEach(checked::add);
                acked.descendingKeySet().stream().limit(SERVER_CHECKS / 10).forEach(checked::add);
                checked.addAll(sample(acked, random, SERVER_CHECKS - checked.size()));
            }
            Map<Long, JsonNode> served = api.messages(stream, checked);
            for (long seq : checked) {
                JsonNode m = served.get(seq);
                if (m == null) {
                    problems.add("seq " + seq + " missing");
                } else if (!Arrays.equals(Base64.getDecoder().decode(m.path("data").asText()), acked.get(seq))) {
                    problems.add("seq " + seq + " differs");
                }
                if (problems.size() > 20) {
                    break;
                }
            }
            assertThat(problems).as(newest.get() + " serving the acknowledged messages").isEmpty();
        }
    }
}
