package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.recovery.ConsumerOutcome;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.recovery.StreamReport;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.ConsumerStatus;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PullConsumer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * kill -9 while the runtime publishes into an interest (or a work-queue) stream and its durable
 * pull consumers fetch, ack out of order, nak and term, one of them deleted and created again
 * ({@link InterestCrashChild}), with a sync interval of 10-200 ms so that {@code index.db} and
 * {@code o.dat} writes land under the kills. After each kill the store is read by jetstart's
 * recovery (as nats-server 2.15 and as 2.10 settle consumers), by nats-server 2.15.1 and 2.10.27,
 * each with the {@code index.db} the kill left and without any, and by the runtime. Proven:
 * <ul>
 *   <li>no message whose removal the consumers' {@code o.dat} files make due (every consumer whose
 *       filter matches it has it acknowledged there) is served by any of them;</li>
 *   <li>no message a consumer still needs (published, matching a consumer in the files that
 *       existed when it was published, not acked by it; on a work queue: never acked) is gone;</li>
 *   <li>each server reports the stream (first, last, messages, bytes) and every consumer
 *       (delivered, ack floor, num_pending, num_ack_pending) as jetstart's recovery of the same
 *       files does for that server's line; the runtime the stream as jetstart's recovery for the
 *       line it detects in the files (2.10 for the v1 {@code index.db} the runtime writes), and
 *       each consumer as that line or as 2.15 (it reports 2.15's stored ack floor, not 2.10.27's
 *       drifted one);</li>
 *   <li>the runtime goes on: the next publish takes the next sequence, and each consumer's first
 *       new delivery is the first live message past its delivered sequence that it matches.</li>
 * </ul>
 *
 * <p>Where the two server lines differ on the same files, each server is held to jetstart's
 * recovery for its own line ({@code ServerLine}) and the difference is printed. Seen: ack floors
 * only; a consumer a kill left without {@code o.dat} (its create or delete cut) has its start as
 * its floor on 2.15.1 and 0 on 2.10.27, and 2.10.27 reports a floor more than 50 behind the
 * stream's first sequence as that first - 1 (its drifted floor). The runtime reports the store's
 * line where {@code o.dat} is missing, as for a store nats-server wrote ({@code EmptyOdatIT}), and
 * 2.15's stored floor where 2.10.27 would report the drifted one.
 *
 * <p>Found and fixed on its first runs: a consumer's delete removed its files before the writer had
 * written the removals of the messages only it needed (a kill between left them for good); the
 * messages the writer appended to a last block that recovery had rebuilt were reported as damage
 * once the writer rolled past it.
 *
 * <p>{@code -Djetstart.interest.crash.trials=N} (default 5 per retention, about 15 s each here) sets the number of kills; the
 * seed is printed and {@code -Djetstart.interest.crash.seed=S} replays the operations drawn (the
 * moments of the kills differ).
 */
class InterestCrashIT {
    private final Path tmp = Repo.work("InterestCrashIT");

    @Test
    void anInterestStreamsConsumersAndMessagesReadTheSameByEveryReaderAfterKillNine() throws Exception {
        kills("interest");
    }

    @Test
    void aWorkQueueStreamsConsumersAndMessagesReadTheSameByEveryReaderAfterKillNine() throws Exception {
        kills("workqueue");
    }

    /** A consumer's state as a reader reports it. */
    record Cs(long deliveredConsumer, long deliveredStream, long ackFloorConsumer, long ackFloorStream, long numPending,
              long numAckPending) {
    }

    /** A stream and its consumers as one reader reports them. */
    record Seen(String who, long first, long last, long messages, long bytes, Map<String, Cs> consumers) {
        String streamState() {
            return "first " + first + ", last " + last + ", messages " + messages + ", bytes " + bytes;
        }
    }

    private void kills(String retention) throws Exception {
        int trials = Integer.getInteger("jetstart.interest.crash.trials", 5);
        long seed = Long.getLong("jetstart.interest.crash.seed", System.nanoTime());
        System.out.println("[it] InterestCrashIT " + retention + ": " + trials + " trials, seed " + seed);
        Random random = new Random(seed);
        NatsServerBinary v210 = NatsServers.discover().requireV210();
        NatsServerBinary v215 = NatsServers.discover().require("2.15.x", v -> v.atLeast(2, 15));
        for (int t = 0; t < trials; t++) {
            String context = retention + " trial " + t + " (seed " + seed + ")";
            Path trial = tmp.resolve(retention).resolve("trial-" + t);
            StoreFiles.deleteTree(trial);
            Path store = Files.createDirectories(trial.resolve("store"));
            Path out = trial.resolve("child.stdout");
            Path err = trial.resolve("child.stderr");
            long syncMs = 10 + random.nextInt(191);
            Process p = CrashReaders.startChild(InterestCrashChild.class, store, random.nextLong(), out, err, retention,
                    Long.toString(syncMs));
            CrashReaders.waitForLine(p, out, err, "ready", context);
            Thread.sleep(300 + random.nextInt(1_700));
            CrashReaders.kill(p);
            Files.deleteIfExists(store.resolve("jetstart.lock"));
            Replay r = replay(CrashReaders.lines(out));
            Map<String, ConsumerState> files = consumerFiles(store);
            String at = context + ", sync every " + syncMs + " ms: " + r.published.size() + " published, " + r.acks
                    + " acks, consumers in the files " + files.keySet() + (r.inFlight == null ? "" : ", in flight: " + r.inFlight);
            TreeSet<Long> due = due(r, files);
            TreeSet<Long> needed = needed(retention, r, files);
            System.out.println("[it] InterestCrashIT " + at + ": " + due.size() + " due for removal by o.dat, " + needed.size()
                    + " still needed");
            check(store, trial, retention, r, due, needed, v210, v215, random, at);
        }
    }

    private void check(Path store, Path trial, String retention, Replay r, TreeSet<Long> due, TreeSet<Long> needed,
                       NatsServerBinary v210, NatsServerBinary v215, Random random, String at) throws Exception {
        Path bare = StoreFiles.copy(store, trial.resolve("bare"));
        StoreFiles.deleteIndexDbs(bare);
        List<String> differences = new ArrayList<>();
        for (Path from : List.of(store, bare)) {
            String how = from == bare ? "without index.db" : "index.db as left";
            Seen j215 = recovery(copy(from, trial.resolve("recovery-2.15-" + how.replace(' ', '-'))), ServerLine.parse("2.15"),
                    "jetstart as 2.15, " + how);
            Seen j210 = recovery(copy(from, trial.resolve("recovery-2.10-" + how.replace(' ', '-'))), ServerLine.parse("2.10"),
                    "jetstart as 2.10, " + how);
            TreeSet<Long> asked = sample(due, needed, random);
            for (NatsServerBinary b : List.of(v215, v210)) {
                Seen expected = b == v215 ? j215 : j210;
                Map<Long, byte[]> served = new HashMap<>();
                Seen s = server(b, copy(from, trial.resolve(b.version() + "-" + how.replace(' ', '-')).resolve("store")), asked,
                        served, b + ", " + how);
                meets(s.who(), asked, served, due, needed, at);
                assertThat(s.streamState()).as(at + ": " + s.who() + " against " + expected.who()).isEqualTo(expected.streamState());
                assertThat(s.consumers()).as(at + ": " + s.who() + "'s consumers against " + expected.who())
                        .isEqualTo(expected.consumers());
            }
            if (!j215.streamState().equals(j210.streamState()) || !j215.consumers().equals(j210.consumers())) {
                differences.add(how + ": 2.15 " + j215 + " / 2.10 " + j210);
            }
            if (from == store) {
                // The runtime reports the store's line (EmptyOdatIT): 2.10 for the v1 index.db it writes.
                Seen own = recovery(copy(from, trial.resolve("recovery-own-line")), null, "jetstart as the store's line, " + how);
                runtimeGoesOn(trial, store, own, j215, due, needed, at);
            }
        }
        for (String d : differences) {
            System.out.println("[it] InterestCrashIT " + at + ": the lines differ, " + d);
        }
    }

    /** jetstart's recovery of {@code store} settling consumers as {@code line} does (null: the line it detects). */
    private static Seen recovery(Path store, ServerLine line, String who) throws Exception {
        RecoveryOptions options = line == null ? RecoveryOptions.defaults() : RecoveryOptions.defaults().withServerLine(line);
        RecoveryReport report = StoreRecovery.recover(store, options);
        StreamReport s = report.streams().stream().filter(x -> x.name().equals(InterestCrashChild.STREAM)).findFirst().orElseThrow();
        assertThat(s.state()).as(who + ": " + s.outcome() + " " + s.problems()).isNotNull();
        Map<String, Cs> consumers = new TreeMap<>();
        for (ConsumerOutcome o : s.consumers()) {
            if (o instanceof ConsumerOutcome.Failed f) {
                // A delete cut by the kill (o.dat and meta.sum go first): the servers skip such a
                // consumer too ("Missing consumer checksum"), so it is in no reader's list.
                assertThat(f.cause().serverAction()).as(who + ": consumer " + o.name() + ", " + f.cause())
                        .isEqualTo(io.jetstart.core.store.ServerAction.SKIP_CONSUMER);
                continue;
            }
            ConsumerInfo c = ((ConsumerOutcome.Restored) o).info();
            consumers.put(c.name(), new Cs(c.delivered().consumerSeq(), c.delivered().streamSeq(), c.ackFloor().consumerSeq(),
                    c.ackFloor().streamSeq(), c.numPending(), c.numAckPending()));
        }
        return new Seen(who, s.state().firstSeq(), s.state().lastSeq(), s.state().messages(), s.state().bytes(), consumers);
    }

    /** nats-server on {@code store}: its state, each consumer's, and the messages at {@code asked} it serves. */
    private static Seen server(NatsServerBinary binary, Path store, Set<Long> asked, Map<Long, byte[]> served, String who)
            throws Exception {
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, store.getParent(), ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            JsonNode state = api.streamInfo(InterestCrashChild.STREAM).path("state");
            Map<String, Cs> consumers = new TreeMap<>();
            for (String name : api.consumerNames(InterestCrashChild.STREAM)) {
                JsonNode c = api.consumerInfo(InterestCrashChild.STREAM, name);
                consumers.put(name, new Cs(c.path("delivered").path("consumer_seq").asLong(),
                        c.path("delivered").path("stream_seq").asLong(), c.path("ack_floor").path("consumer_seq").asLong(),
                        c.path("ack_floor").path("stream_seq").asLong(), c.path("num_pending").asLong(),
                        c.path("num_ack_pending").asLong()));
            }
            api.messages(InterestCrashChild.STREAM, asked)
                    .forEach((seq, m) -> served.put(seq, Base64.getDecoder().decode(m.path("data").asText())));
            return new Seen(who, state.path("first_seq").asLong(), state.path("last_seq").asLong(),
                    state.path("messages").asLong(), state.path("bytes").asLong(), consumers);
        }
    }

    /**
     * The runtime on the store as left: the same as jetstart's recovery for the store's line, every message
     * checked; then a publish and each consumer's next deliveries.
     */
    private void runtimeGoesOn(Path trial, Path store, Seen expected, Seen newest, TreeSet<Long> due, TreeSet<Long> needed,
                               String at)
            throws Exception {
        Path copy = copy(store, trial.resolve("runtime"));
        try (JetStartStore js = JetStart.open(copy, InterestCrashChild.options())) {
            JetStartStream s = js.stream(JetStartStore.DEFAULT_ACCOUNT, InterestCrashChild.STREAM).await(Duration.ofSeconds(60));
            Map<String, Cs> consumers = new TreeMap<>();
            Map<String, ConsumerStatus> status = new TreeMap<>();
            for (String name : s.consumerNames()) {
                ConsumerStatus c = s.consumerInfo(name);
                status.put(name, c);
                consumers.put(name, new Cs(c.delivered().consumerSeq(), c.delivered().streamSeq(), c.ackFloor().consumerSeq(),
                        c.ackFloor().streamSeq(), c.numPending(), c.numAckPending()));
            }
            Seen runtime = new Seen("the runtime", s.info().firstSeq(), s.info().lastSeq(), s.info().messages(), s.info().bytes(),
                    consumers);
            assertThat(runtime.streamState()).as(at + ": the runtime against " + expected.who()).isEqualTo(expected.streamState());
            // Each consumer as the store's line reports it, or as 2.15 does: the runtime takes the
            // store's line where o.dat is missing (EmptyOdatIT) but reports the stored ack floor as
            // 2.10.29+ and 2.14+ do, not 2.10.27's drifted one (docs/runtime.md, Restored consumers).
            assertThat(runtime.consumers().keySet()).as(at + ": the runtime's consumers").isEqualTo(expected.consumers().keySet());
            for (Map.Entry<String, Cs> e : runtime.consumers().entrySet()) {
                Cs own = expected.consumers().get(e.getKey());
                if (!e.getValue().equals(own)) {
                    assertThat(e.getValue()).as(at + ": the runtime's " + e.getKey() + " against " + expected.who() + " (" + own
                            + ") and " + newest.who()).isEqualTo(newest.consumers().get(e.getKey()));
                    System.out.println("[it] InterestCrashIT " + at + ": the runtime reports " + e.getKey() + " as 2.15 does: "
                            + e.getValue() + ", the store's line " + own);
                }
            }
            TreeSet<Long> all = new TreeSet<>();
            Map<Long, byte[]> served = new HashMap<>();
            long last = s.info().lastSeq();
            for (long seq = 1; seq <= Math.max(last, needed.isEmpty() ? 0 : needed.last()); seq++) {
                all.add(seq);
                Optional<StoredMessage> m = s.get(seq);
                if (m.isPresent()) {
                    served.put(seq, m.get().payload());
                }
            }
            meets("the runtime", all, served, due, needed, at);
            long next = s.publish(InterestCrashChild.subject(last + 1), InterestCrashChild.payload(last + 1)).seq();
            assertThat(next).as(at + ": the runtime's next sequence").isEqualTo(last + 1);
            // On an interest stream a message no consumer matches is removed as it is published.
            if (s.get(next).isPresent()) {
                served.put(next, InterestCrashChild.payload(next));
            }
            for (Map.Entry<String, ConsumerStatus> e : status.entrySet()) {
                nextDeliveries(s.consumer(e.getKey()), e.getValue(), served, at);
            }
        }
    }

    /** Fetches (acking everything) until the first new delivery: the first live matching message past delivered. */
    private static void nextDeliveries(PullConsumer c, ConsumerStatus st, Map<Long, byte[]> live, String at) throws Exception {
        String name = st.name();
        long delivered = st.delivered().streamSeq();
        Long expected = new TreeSet<>(live.keySet()).stream().filter(seq -> seq > delivered && InterestCrashChild.matches(name, seq))
                .findFirst().orElse(null);
        for (int round = 0; round < 50; round++) {
            List<ConsumedMessage> batch = c.fetch(200, 0, Duration.ofMillis(200));
            if (batch.isEmpty()) {
                break;
            }
            for (ConsumedMessage m : batch) {
                assertThat(InterestCrashChild.matches(name, m.streamSeq())).as(at + ": " + name + " delivered seq " + m.streamSeq())
                        .isTrue();
                assertThat(m.payload()).as(at + ": " + name + "'s payload of seq " + m.streamSeq())
                        .isEqualTo(InterestCrashChild.payload(m.streamSeq()));
                assertThat(m.streamSeq()).as(at + ": " + name + " delivered below its ack floor").isGreaterThan(st.ackFloor().streamSeq());
                if (m.streamSeq() > delivered) {
                    assertThat(m.streamSeq()).as(at + ": " + name + "'s first new delivery after " + delivered).isEqualTo(expected);
                    return;
                }
                m.ack();
            }
        }
        assertThat(expected).as(at + ": " + name + " delivered nothing new after " + delivered).isNull();
    }

    /** None due for removal served, every needed one served, each served one intact. */
    private static void meets(String who, Set<Long> asked, Map<Long, byte[]> served, Set<Long> due, Set<Long> needed, String at) {
        List<String> problems = new ArrayList<>();
        for (long seq : asked) {
            byte[] got = served.get(seq);
            if (got != null && due.contains(seq)) {
                problems.add("seq " + seq + " (" + InterestCrashChild.subject(seq) + ") served, acked in o.dat by every consumer it matches");
            } else if (got == null && needed.contains(seq)) {
                problems.add("seq " + seq + " (" + InterestCrashChild.subject(seq) + ") missing, still needed");
            } else if (got != null && !java.util.Arrays.equals(got, InterestCrashChild.payload(seq))) {
                problems.add("seq " + seq + " differs");
            }
            if (problems.size() > 20) {
                break;
            }
        }
        assertThat(problems).as(at + ": " + who).isEmpty();
    }

    private static TreeSet<Long> sample(TreeSet<Long> due, TreeSet<Long> needed, Random random) {
        TreeSet<Long> asked = new TreeSet<>();
        for (TreeSet<Long> set : List.of(due, needed)) {
            List<Long> l = new ArrayList<>(set);
            for (int i = 0; i < Math.min(10, l.size()); i++) {
                asked.add(l.get(i));
                asked.add(l.get(l.size() - 1 - i));
            }
            for (int i = 0; i < 100 && !l.isEmpty(); i++) {
                asked.add(l.get(random.nextInt(l.size())));
            }
        }
        return asked;
    }

    /**
     * Messages whose removal the files make due: published, matched by at least one consumer in the
     * files, and acknowledged in the {@code o.dat} of every consumer there that matches it (at or
     * below its ack floor, or delivered and not pending). A message a consumer whose delete was in
     * flight matches is left out: its removals were not yet due.
     */
    private static TreeSet<Long> due(Replay r, Map<String, ConsumerState> files) {
        TreeSet<Long> due = new TreeSet<>();
        Map<String, Set<Long>> pending = new HashMap<>();
        files.forEach((name, st) -> {
            Set<Long> p = new HashSet<>();
            st.pending().forEach(x -> p.add(x.streamSeq()));
            pending.put(name, p);
        });
        for (long seq : r.published) {
            boolean matched = false;
            boolean acked = true;
            for (Map.Entry<String, ConsumerState> e : files.entrySet()) {
                if (!InterestCrashChild.matches(e.getKey(), seq)) {
                    continue;
                }
                matched = true;
                ConsumerState st = e.getValue();
                acked &= seq <= st.ackFloor().streamSeq() || seq <= st.delivered().streamSeq() && !pending.get(e.getKey()).contains(seq);
            }
            boolean deleting = r.deleting != null && InterestCrashChild.matches(r.deleting, seq);
            if (matched && acked && !deleting) {
                due.add(seq);
            }
        }
        return due;
    }

    /**
     * Messages that must still be there: on a work queue every published message no consumer began
     * to ack; on an interest stream one that a consumer in the files (not being deleted) matches,
     * was created before, and did not begin to ack.
     */
    private static TreeSet<Long> needed(String retention, Replay r, Map<String, ConsumerState> files) {
        TreeSet<Long> needed = new TreeSet<>();
        for (long seq : r.published) {
            if (retention.equals("workqueue")) {
                if (r.acking.values().stream().noneMatch(s -> s.contains(seq))) {
                    needed.add(seq);
                }
                continue;
            }
            for (String name : files.keySet()) {
                if (InterestCrashChild.matches(name, seq) && !name.equals(r.deleting) && seq > r.createdAfter.getOrDefault(name, 0L)
                        && !r.acking.getOrDefault(name, Set.of()).contains(seq)) {
                    needed.add(seq);
                    break;
                }
            }
        }
        return needed;
    }

    /** The consumers in the files (a directory with a {@code meta.inf}) and their {@code o.dat} (empty state when none). */
    private static Map<String, ConsumerState> consumerFiles(Path store) throws Exception {
        Path obs = store.resolve("jetstream/$G/streams/" + InterestCrashChild.STREAM + "/obs");
        Map<String, ConsumerState> out = new TreeMap<>();
        if (!Files.isDirectory(obs)) {
            return out;
        }
        try (Stream<Path> dirs = Files.list(obs)) {
            for (Path dir : dirs.toList()) {
                if (!Files.exists(dir.resolve("meta.inf"))) {
                    continue;
                }
                Path oDat = dir.resolve("o.dat");
                out.put(dir.getFileName().toString(), Files.exists(oDat) ? ConsumerStateCodec.decode(Files.readAllBytes(oDat))
                        : ConsumerState.EMPTY);
            }
        }
        return out;
    }

    private static Path copy(Path store, Path to) throws Exception {
        StoreFiles.copy(store, to);
        Files.deleteIfExists(to.resolve("jetstart.lock"));
        return to;
    }

    /** The child's lines replayed. */
    private static final class Replay {
        final TreeSet<Long> published = new TreeSet<>();
        final Map<String, Set<Long>> acking = new HashMap<>();
        /** Each consumer created while the child ran: the stream's last sequence before its create. */
        final Map<String, Long> createdAfter = new HashMap<>();
        /** The consumer whose delete was in flight at the kill, if any. */
        String deleting;
        String inFlight;
        int acks;
    }

    private static Replay replay(List<String> lines) {
        Replay r = new Replay();
        for (String line : lines) {
            String[] w = line.split(" ");
            switch (w[0]) {
                case "ready", "acked", "created" -> r.inFlight = null;
                case "publishing" -> r.inFlight = line;
                case "published" -> {
                    for (long seq = Long.parseLong(w[1]); seq <= Long.parseLong(w[2]); seq++) {
                        r.published.add(seq);
                    }
                    r.inFlight = null;
                }
                case "acking" -> {
                    r.acking.computeIfAbsent(w[1], k -> new HashSet<>()).add(Long.parseLong(w[2]));
                    r.acks++;
                    r.inFlight = line;
                }
                case "creating" -> {
                    r.createdAfter.put(w[1], Long.parseLong(w[2]));
                    r.inFlight = line;
                }
                case "deleting" -> {
                    r.deleting = w[1];
                    r.inFlight = line;
                }
                case "deleted" -> {
                    r.deleting = null;
                    r.inFlight = null;
                }
                default -> throw new AssertionError("child line not understood: " + line);
            }
        }
        return r;
    }
}
