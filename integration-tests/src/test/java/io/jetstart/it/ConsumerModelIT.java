package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StreamView;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.ConsumerStatus;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same random sequence of publishes, purges (everything, by subject, keeping some, up to a
 * sequence) and rollups (see {@link #purge}), fetches (no wait), acks, naks (with and without delay),
 * terms, in-progress answers, waits past ack_wait and backoff, and restarts runs on nats-server
 * 2.14+ (raw pull requests through jnats) and on the runtime, for a limits, an interest and a
 * work-queue stream with three pull consumers (explicit with max_deliver 2, a filtered one with
 * backoff, ack all). After every operation both must have delivered the same messages (stream
 * sequence, consumer sequence, delivery count) and report the same consumer info (delivered, ack
 * floor, ack pending, redelivered, pending, waiting) and the same stream state, and at every restart
 * and at the end each consumer's {@code o.dat} must hold the same ({@link #storedStates}); at the end the
 * runtime's store with every index.db deleted reopens to the state the server restarted on its own
 * files reports (a restart applies the stored ack floors, see the end of the test), with nothing
 * that was gone back, and the server started on that store reports it too (every retention
 * removal left a tombstone).
 *
 * <p>Timing: which messages expire in the same ack-wait check decides the redelivery order, so the
 * operations follow a {@link ModelClock}: ack waits are 2 s, backoff 2 s and 3 s, nak delays 1 s (every
 * deadline a whole number of seconds after the operation that set it), operations that set a
 * deadline are at least 100 ms apart and within 400 ms of the first after a wait, and a wait lasts
 * until 0.7 s past the last deadline. Every expiry then falls inside a wait on both sides, and any
 * two deadlines are far enough apart that a late timer still takes them in separate checks, so the
 * order is compared exactly. After a restart the segments also keep clear of the checks each side
 * repeats on what its consumers restored, timed from its own start ({@link ModelClock}). The seed
 * is printed; {@code -Djetstart.consumer.model.seed=S} replays it,
 * {@code -Djetstart.consumer.model.ops=N} (default 100; about 40 s per stream, mostly waits) sets the length, and
 * {@code -Djetstart.consumer.model.retention=interest} (or limits, workqueue) runs one stream only,
 * {@code -Djetstart.consumer.model.restartAfterPurge=false} draws no restart after a purge,
 * {@code -Djetstart.consumer.model.runs=N} runs N seeds from the given one,
 * {@code -Djetstart.consumer.model.maxDeliver=false} gives E and B no max_deliver (as the 2.10 draws),
 * {@code -Djetstart.consumer.model.verbose=true} prints every operation with both infos as answered and
 * both streams' live messages, {@code -Djetstart.consumer.model.steps=FILE} runs the steps of a file
 * instead ({@link #replay}), and
 * {@code -Djetstart.consumer.model.line=2.10} (or {@code 2.14+}) runs only the streams on nats-server
 * 2.10.27, the runtime on the 2.10 line ({@link #onThe210LineTheRuntimeDeliversAndCountsAs2_10_27Does}), or only
 * those on the newest build. Maven passes
 * its {@code -D} user properties on to the failsafe JVM, e.g.
 * {@code ./mvnw -pl integration-tests -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=ConsumerModelIT -Djetstart.consumer.model.seed=S}; a failure names the seed in its message.
 *
 * <p>The three streams run at the same time ({@link ExecutionMode#CONCURRENT}; the failsafe
 * configuration enables JUnit's parallel execution for the tests that ask for it): each on its own
 * server, store and folder, each with its own clock and random sequence. A run is mostly waits on
 * its clock, so one after the other the three took 88 s of the CI run and side by side 39-46 s
 * (docs/benchmarks-passes.md, "CI time"); every operation, comparison and check is the same either way.
 * Side by side a restart took longer (the runtime's open and await 82 ms, against 13-28 ms in
 * sequence), which once let an operation fall between the two sides' repeated checks of what their
 * consumers restored; the clock now keeps the segments clear of those ({@link ModelClock}).
 */
class ConsumerModelIT {
    private static final long ACK_WAIT = 2 * ModelClock.UNIT;
    private static final long NAK_DELAY = ModelClock.UNIT;
    private static final int SEGMENT = 25;
    /**
     * How long a 2.10 run waits for the server's answer to a no-wait request the runtime delivered
     * nothing for (ModelPull): the server answers one within milliseconds, and this adds to the
     * segment's time ({@link ModelClock}: a segment's operations have 900 ms).
     */
    private static final Duration UNANSWERED = Duration.ofMillis(200);
    /** {@code -Djetstart.consumer.model.verbose=true}: every operation and both sides' infos after it, as answered. */
    private static final boolean VERBOSE = Boolean.getBoolean("jetstart.consumer.model.verbose");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"limits", "interest", "workqueue"})
    @Execution(ExecutionMode.CONCURRENT)
    void theRuntimeDeliversAndCountsAsTheServerDoes(String retention) throws Exception {
        Optional<NatsServerBinary> newest = NatsServers.discover().all().stream().filter(b -> b.version().atLeast(2, 14))
                .reduce((a, b) -> b);
        org.junit.jupiter.api.Assumptions.assumeTrue(newest.isPresent() || NatsServers.isCi(), "no nats-server 2.14+");
        runs(retention, new ModelLine(newest.orElseThrow(), false));
    }

    /**
     * The same on nats-server 2.10.27, the runtime on the 2.10 line ({@code index.db} v1): the streams,
     * consumers and operations above, all of which 2.10 has, less what 2.10.27 handles by rules later
     * releases changed and the runtime keeps (docs/compatibility.md, "The runtime on the 2.10 line",
     * six cases, reproduced by {@code model-steps/v210-consumer-answers.steps}): E and B have no
     * max_deliver ({@link #maxDeliver}), a purge that would drop a pending message is made one of
     * everything ({@link #dropsPending}), a purge is never up to 1; and two the draws cannot avoid are
     * compared as the runtime keeps them: a position 2.10.27 reports from memory past the stored one
     * ({@link #serverInfoAsStored}), a no-wait pull it leaves unanswered ({@link ModelPull}). Runs
     * beside the 2.14+ run (six streams side by side: 39.1 s for the class against 38.9 s for the three
     * 2.14+ streams alone, one after the other on a shared 2-core machine; seeds 1 to 14 and
     * 1796672000000 to 1796672000005 ran without a difference); {@code -Djetstart.consumer.model.line=2.10} or {@code 2.14+} runs one line.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"limits", "interest", "workqueue"})
    @Execution(ExecutionMode.CONCURRENT)
    void onThe210LineTheRuntimeDeliversAndCountsAs2_10_27Does(String retention) throws Exception {
        runs(retention, ModelLine.v210(NatsServers.discover()));
    }

    /**
     * One seed, or with {@code -Djetstart.consumer.model.runs=N} N seeds (the given or a random one,
     * then the next ones) one after the other; {@code -Djetstart.consumer.model.line=2.10} (or
     * {@code 2.14+}) runs the one line only. Every seed runs to its end.
     */
    private void runs(String retention, ModelLine line) throws Exception {
        String only = System.getProperty("jetstart.consumer.model.retention", "");
        org.junit.jupiter.api.Assumptions.assumeTrue(only.isEmpty() || only.equals(retention),
                "jetstart.consumer.model.retention=" + only);
        String onlyLine = System.getProperty("jetstart.consumer.model.line", "");
        org.junit.jupiter.api.Assumptions.assumeTrue(onlyLine.isEmpty() || onlyLine.equals(line.label()),
                "jetstart.consumer.model.line=" + onlyLine);
        String steps = System.getProperty("jetstart.consumer.model.steps");
        if (steps != null) {
            org.junit.jupiter.api.Assumptions.assumeTrue(retention.equals(only.isEmpty() ? "limits" : only),
                    "steps run on one stream: limits, or jetstart.consumer.model.retention");
            replay(retention, line, Files.readAllLines(Path.of(steps)));
            return;
        }
        long first = Long.getLong("jetstart.consumer.model.seed", System.nanoTime());
        int runs = Math.max(1, Integer.getInteger("jetstart.consumer.model.runs", 1));
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            List<String> found = run(retention, line, first + i);
            if (runs > 1) {
                System.out.println("[it] ConsumerModelIT " + line.label() + " " + retention + " seed " + (first + i) + ": "
                        + (found.isEmpty() ? "same" : found.size() + " differences, the first: " + found.get(0)));
            }
            long seed = first + i;
            differences.addAll(found.stream().map(d -> "seed " + seed + ": " + d).toList());
        }
        assertThat(differences).as(line.label() + " " + retention + ", seeds " + first + " to " + (first + runs - 1)).isEmpty();
    }

    /**
     * Runs the steps of a file ({@code -Djetstart.consumer.model.steps=FILE}) on the model's stream and
     * consumers, on the server and the runtime, and prints both answers and both consumers' infos after
     * each, whatever they are: a reproduction, which fails nothing. Steps: {@code pub SUBJECT},
     * {@code fetch CONSUMER BATCH} (no wait; an answer the server does not send within 2 s is printed
     * as {@code no answer}), {@code ack|nak|term CONSUMER STREAM_SEQ} (a message the last fetches
     * delivered), {@code purge JSON} (a purge request's body), {@code sleep MILLIS}, {@code restart};
     * {@code #} starts a comment.
     */
    private void replay(String retention, ModelLine line, List<String> lines) throws Exception {
        Path dir = Repo.work("ConsumerModelIT/steps/" + line.label() + "/" + retention);
        Path runtimeStore = Files.createDirectories(dir.resolve("runtime"));
        Path serverStore = dir.resolve("server-store");
        RuntimeOptions options = line.runtime(RuntimeOptions.defaults());
        List<String> consumers = retention.equals("workqueue") ? List.of("E", "B", "X") : List.of("E", "B", "A");
        NatsServerProcess nats = NatsServerProcess.start(line.binary(), serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
        NatsClient client = nats.connect(Account.GLOBAL);
        JetStartStore store = JetStart.open(runtimeStore, options);
        System.out.println("[it] ConsumerModelIT steps on " + line.binary() + " and the runtime as the " + line.label() + " line, " + retention);
        try {
            client.connection().jetStreamManagement().addStream(StreamConfiguration.builder().name("M").subjects("m.*")
                    .storageType(StorageType.File).retentionPolicy(RetentionPolicy.get(retention)).allowRollup(true).build());
            JetStartStream rt = store.createStream("$G", StreamConfig.parse(("{\"name\":\"M\",\"subjects\":[\"m.*\"],\"retention\":\""
                    + retention + "\",\"allow_rollup_hdrs\":true}").getBytes(StandardCharsets.UTF_8)));
            for (String c : consumers) {
                client.connection().jetStreamManagement().addOrUpdateConsumer("M", serverConsumer(c, retention, true));
                rt.createConsumer(runtimeConsumer(c, retention, true));
            }
            Map<String, ServerPull.Delivered> serverOut = new LinkedHashMap<>();
            Map<String, ConsumedMessage> runtimeOut = new LinkedHashMap<>();
            for (String raw : lines) {
                String step = raw.replaceAll("#.*", "").strip();
                if (step.isEmpty()) {
                    continue;
                }
                String[] w = step.split(" ");
                String server;
                String runtime;
                switch (w[0]) {
                    case "sleep" -> {
                        Thread.sleep(Long.parseLong(w[1]));
                        continue;
                    }
                    case "pub" -> {
                        server = "" + client.connection().jetStream().publish(w[1], new byte[] {1}).getSeqno();
                        runtime = "" + rt.publish(w[1], new byte[] {1}).seq();
                    }
                    case "fetch" -> {
                        List<ConsumedMessage> r;
                        Optional<List<ServerPull.Delivered>> answered;
                        try (ModelPull sent = ModelPull.noWait(client.connection(), "M", w[1], Integer.parseInt(w[2]))) {
                            r = rt.consumer(w[1]).fetch(Integer.parseInt(w[2]), 0, Duration.ZERO);
                            answered = sent.answer(Duration.ofSeconds(2));
                        }
                        for (ConsumedMessage m : r) {
                            runtimeOut.put(w[1] + " " + m.streamSeq(), m);
                        }
                        answered.ifPresent(l -> l.forEach(d -> serverOut.put(w[1] + " " + d.streamSeq(), d)));
                        server = answered.map(l -> l.stream().map(d -> d.streamSeq() + "/" + d.consumerSeq() + "/" + d.deliveries())
                                .toList().toString()).orElse("no answer");
                        runtime = r.stream().map(m -> m.streamSeq() + "/" + m.consumerSeq() + "/" + m.deliveries()).toList().toString();
                    }
                    case "ack", "nak", "term" -> {
                        String key = w[1] + " " + w[2];
                        String body = switch (w[0]) {
                            case "ack" -> "+ACK";
                            case "nak" -> "-NAK";
                            default -> "+TERM";
                        };
                        ServerPull.Delivered sd = serverOut.get(key);
                        ConsumedMessage rm = runtimeOut.get(key);
                        server = sd == null ? "not delivered" : new ServerPull(client.connection(), "M", w[1]).answer(sd, body) ? "answered" : "no reply";
                        if (rm == null) {
                            runtime = "not delivered";
                        } else {
                            switch (w[0]) {
                                case "ack" -> rm.ack();
                                case "nak" -> rm.nak();
                                default -> rm.term();
                            }
                            runtime = "answered";
                        }
                    }
                    case "purge" -> {
                        String body = step.substring("purge ".length());
                        com.fasterxml.jackson.databind.JsonNode answer = Json.mapper().readTree(client.connection().request(
                                "$JS.API.STREAM.PURGE.M", body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5)).getData());
                        com.fasterxml.jackson.databind.JsonNode q = Json.mapper().readTree(body);
                        server = answer.has("error") ? answer.path("error").toString() : "purged " + answer.path("purged").asLong();
                        runtime = "purged " + rt.purge(new io.jetstart.runtime.PurgeRequest(q.path("filter").asText(""),
                                q.path("keep").asLong(0), q.path("seq").asLong(0)));
                    }
                    case "restart" -> {
                        client.close();
                        nats.close();
                        store.close();
                        store = null;
                        nats = NatsServerProcess.start(line.binary(), serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
                        client = nats.connect(Account.GLOBAL);
                        store = JetStart.open(runtimeStore, options);
                        rt = store.stream("M").await(Duration.ofSeconds(30));
                        serverOut.clear();
                        runtimeOut.clear();
                        server = "restarted";
                        runtime = "restarted";
                    }
                    default -> throw new IllegalArgumentException("not a step: " + step);
                }
                StringBuilder out = new StringBuilder("[it] step " + step + "\n       "
                        + (server.equals(runtime) ? "same: " + server : "DIFFERENT: server " + server + ", runtime " + runtime));
                for (String name : consumers) {
                    String ri = runtimeInfo(rt.consumerInfo(name));
                    ServerPull pull = new ServerPull(client.connection(), "M", name);
                    String si = settled(() -> {
                        io.nats.client.api.ConsumerInfo i = pull.info();
                        return serverInfo(i, i.getDelivered().getStreamSequence(), i.getAckFloor().getStreamSequence());
                    }, ri);
                    out.append("\n       info ").append(name).append(si.equals(ri) ? " same: " + si : " DIFFERENT: server " + si + ", runtime " + ri);
                }
                System.out.println(out);
            }
        } finally {
            client.close();
            nats.close();
            if (store != null) {
                store.close();
            }
        }
    }

    private List<String> run(String retention, ModelLine line, long seed) throws Exception {
        NatsServerBinary binary = line.binary();
        RuntimeOptions options = line.runtime(RuntimeOptions.defaults());
        int ops = Integer.getInteger("jetstart.consumer.model.ops", 100);
        System.out.println("[it] ConsumerModelIT " + retention + ": " + ops + " operations, seed " + seed + ", " + binary);
        Random random = new Random(seed);
        // Each stream's own folder, emptied by its own run only (the runs overlap).
        Path dir = Repo.work("ConsumerModelIT/" + (line.v210() ? line.label() + "/" : "") + retention);
        Path runtimeStore = Files.createDirectories(dir.resolve("runtime"));
        Path serverStore = dir.resolve("server-store");
        List<String> consumers = retention.equals("workqueue") ? List.of("E", "B", "X") : List.of("E", "B", "A");
        // E and B at max_deliver 2, not on 2.10 (maxDeliver); -Djetstart.consumer.model.maxDeliver=false
        // leaves it out on 2.14+ too, to see the 2.10 draws' sequence on the newest build.
        boolean atMost = !line.v210() && Boolean.parseBoolean(System.getProperty("jetstart.consumer.model.maxDeliver", "true"));
        List<String> differences = new ArrayList<>();
        NatsServerProcess nats = NatsServerProcess.start(binary, serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
        NatsClient client = nats.connect(Account.GLOBAL);
        JetStartStore store = JetStart.open(runtimeStore, options);
        try {
            JetStreamManagement jsm = client.connection().jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("M").subjects("m.*").storageType(StorageType.File)
                    .retentionPolicy(RetentionPolicy.get(retention)).allowRollup(true).build());
            JetStartStream rt = store.createStream("$G", StreamConfig.parse(("{\"name\":\"M\",\"subjects\":[\"m.*\"],\"retention\":\""
                    + retention + "\",\"allow_rollup_hdrs\":true}").getBytes(StandardCharsets.UTF_8)));
            for (String c : consumers) {
                jsm.addOrUpdateConsumer("M", serverConsumer(c, retention, atMost));
                rt.createConsumer(runtimeConsumer(c, retention, atMost));
            }
            Map<String, List<ServerPull.Delivered>> serverOut = new LinkedHashMap<>();
            Map<String, List<ConsumedMessage>> runtimeOut = new LinkedHashMap<>();
            consumers.forEach(c -> {
                serverOut.put(c, new ArrayList<>());
                runtimeOut.put(c, new ArrayList<>());
            });
            int sinceWait = 0;
            ModelClock clock = new ModelClock();
            boolean deliveryDumped = false;
            List<String> trace = new ArrayList<>();
            int purges = 0;
            // On 2.10: no-wait requests 2.10.27 left unanswered, and infos that reported a position the
            // consumer skipped to in memory, not the stored one (ModelLine).
            int unanswered = 0;
            int skipsReported = 0;
            int purgesOfAll = 0;
            // On 2.10, the messages delivered to each consumer and not acked or termed since (as far
            // as the model knows: more rather than fewer), which a purge must not drop (dropsPending).
            Map<String, java.util.Set<Long>> unacked = new LinkedHashMap<>();
            consumers.forEach(c -> unacked.put(c, new java.util.TreeSet<>()));
            // How often E and B (max_deliver 2) reached max_deliver, and answers came to a message
            // that had (a late ack, nak, term or progress: MaxDeliverIT walks through the same steps).
            int atMax = 0;
            int answeredAtMax = 0;
            java.util.Set<String> reachedMax = new java.util.HashSet<>();
            // -Djetstart.consumer.model.restartAfterPurge=false draws a restart after a purge as a wait
            // (as before the restored consumers were the server's: ConsumerPurgeIT's "an acked entry
            // below the first sequence, restored" and "purged pending messages below the floor").
            boolean purgedSinceRestart = false;
            boolean restartAfterPurge = Boolean.parseBoolean(System.getProperty("jetstart.consumer.model.restartAfterPurge", "true"));
            for (int op = 0; op < ops && differences.size() < 10; op++) {
                int known = differences.size();
                boolean fetched = false;
                int kind = random.nextInt(100);
                String c = consumers.get(random.nextInt(consumers.size()));
                boolean wait = sinceWait >= SEGMENT || kind < 4;
                String budget = "";
                if (!wait && kind >= 6 && clock.segmentFull()) {
                    // The segment's deadlines must stay close together (ModelClock): the operation waits
                    // until they have passed (it draws nothing from the random sequence).
                    clock.waitPastDeadlines();
                    sinceWait = 0;
                    budget = " (after a wait: segment full)";
                }
                String context = retention + " op " + op + " (seed " + seed + ", " + clock.segmentMillis()
                        + " ms into the segment)" + budget;
                if (wait || kind < 6 && purgedSinceRestart && !restartAfterPurge) {
                    clock.waitPastDeadlines();
                    sinceWait = 0;
                    context += wait ? " wait" : " wait (a restart after a purge: left out)";
                } else if (kind < 6) {
                    // Every pending message old enough that the first check after the restart expires them
                    // all: both make that check as the consumer starts (the server's setLeader checkPending).
                    clock.waitPastDeadlines();
                    client.close();
                    nats.close();
                    store.close();
                    storedStates(differences, context + " restart", serverStore, runtimeStore, consumers);
                    // Each side starts its consumers somewhere in here, and checks again what they restored
                    // every ack wait (+ 1 ms) and every last backoff step from then on (ModelClock).
                    long from = System.nanoTime();
                    nats = NatsServerProcess.start(binary, serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
                    store = JetStart.open(runtimeStore, options);
                    rt = store.stream("M").await(Duration.ofSeconds(30));
                    long to = System.nanoTime();
                    client = nats.connect(Account.GLOBAL);
                    serverOut.values().forEach(List::clear);
                    runtimeOut.values().forEach(List::clear);
                    // No wait for the restored messages to expire: they all did at the start's check (each
                    // restored time, the message's publish time in whole seconds, is before its deadline).
                    clock.restarted(from, to, ACK_WAIT + ModelClock.TIMER_SLACK, ModelClock.LONGEST);
                    sinceWait = 0;
                    purgedSinceRestart = false;
                    context += " restart (" + (to - from) / 1_000_000 + " ms)";
                } else if (kind < 50 && kind >= 45) {
                    String what = purge(random, rt, line.v210());
                    if (line.v210() && !what.equals("purge {}") && dropsPending(rt, what, unacked)) {
                        // 2.10.27 leaves the store out of the pending messages a purge drops (ModelLine).
                        what = "purge {}";
                        purgesOfAll++;
                        context += " (2.10: a purge that drops a pending message, made one of everything)";
                    }
                    purges++;
                    purgedSinceRestart = true;
                    String s;
                    String r;
                    if (what.startsWith("rollup ")) {
                        String[] w = what.split(" ");
                        io.nats.client.impl.Headers h = new io.nats.client.impl.Headers().add("Nats-Rollup", w[1]);
                        s = "" + client.connection().jetStream().publish(io.nats.client.impl.NatsMessage.builder().subject(w[2])
                                .headers(h).data(new byte[] {7}).build()).getSeqno();
                        r = "" + rt.publish(w[2], io.jetstart.runtime.Headers.of("Nats-Rollup", w[1]), new byte[] {7}).seq();
                    } else {
                        String body = what.substring("purge ".length());
                        io.nats.client.Message m = client.connection().request("$JS.API.STREAM.PURGE.M",
                                body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
                        com.fasterxml.jackson.databind.JsonNode answer = Json.mapper().readTree(m.getData());
                        com.fasterxml.jackson.databind.JsonNode q = Json.mapper().readTree(body);
                        s = answer.has("error") ? answer.path("error").toString() : "purged " + answer.path("purged").asLong();
                        r = "purged " + rt.purge(new io.jetstart.runtime.PurgeRequest(q.path("filter").asText(""),
                                q.path("keep").asLong(0), q.path("seq").asLong(0)));
                    }
                    context += " " + what + " -> " + r;
                    compare(differences, context, s, r);
                    JetStartStream purged = rt;
                    for (java.util.Set<Long> held : unacked.values()) {
                        held.removeIf(seq -> {
                            try {
                                return purged.get(seq).isEmpty();
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                    }
                    sinceWait++;
                } else if (kind < 50) {
                    String subject = "m." + random.nextInt(4);
                    byte[] payload = new byte[random.nextInt(30)];
                    random.nextBytes(payload);
                    long s = client.connection().jetStream().publish(subject, payload).getSeqno();
                    long r = rt.publish(subject, payload).seq();
                    context += " publish " + subject + " -> " + r;
                    compare(differences, context + " publish " + subject, "" + s, "" + r);
                    sinceWait++;
                } else if (kind < 72) {
                    int batch = 1 + random.nextInt(4);
                    clock.beforeSetting();
                    // The server's request goes first, its answer is read after the runtime's: how long to
                    // wait for it depends on what the runtime delivered (ModelPull).
                    List<ConsumedMessage> r;
                    Optional<List<ServerPull.Delivered>> answered;
                    try (ModelPull sent = ModelPull.noWait(client.connection(), "M", c, batch)) {
                        r = rt.consumer(c).fetch(batch, 0, Duration.ZERO);
                        answered = sent.answer(line.v210() && r.isEmpty() ? UNANSWERED : Duration.ofSeconds(5));
                    }
                    clock.afterSetting();
                    List<ServerPull.Delivered> s = answered.orElse(List.of());
                    if (answered.isEmpty() && line.v210() && r.isEmpty()) {
                        // 2.10.27 leaves a no-wait request that delivers nothing unanswered once it counted
                        // messages pending or queued (ModelLine); 2.11.11, 2.12.2 and 2.14.0 answer 404, as
                        // the runtime answers it (empty). The deliveries are the same: none.
                        unanswered++;
                        context += " (no answer: 2.10.27's processWaiting)";
                    } else if (answered.isEmpty()) {
                        compare(differences, context + " fetch " + c + " " + batch, "no answer", r.toString());
                    }
                    serverOut.get(c).addAll(s);
                    runtimeOut.get(c).addAll(r);
                    r.forEach(m -> unacked.get(c).add(m.streamSeq()));
                    for (ServerPull.Delivered d : s) {
                        if (d.deliveries() == maxDeliver(c, atMost)) {
                            atMax++;
                            reachedMax.add(c + " " + d.streamSeq());
                        }
                    }
                    // With the num_pending each ack reply carries (ConsumedMessage.pending()).
                    String sl = s.stream().map(d -> d.streamSeq() + "/" + d.consumerSeq() + "/" + d.deliveries() + "/" + pending(d))
                            .toList().toString();
                    String rl = r.stream().map(m -> m.streamSeq() + "/" + m.consumerSeq() + "/" + m.deliveries() + "/" + m.pending())
                            .toList().toString();
                    context += " fetch " + c + " " + batch + " -> " + rl;
                    compare(differences, context, sl, rl);
                    fetched = !sl.equals(rl);
                    sinceWait++;
                } else {
                    List<ServerPull.Delivered> so = serverOut.get(c);
                    List<ConsumedMessage> ro = runtimeOut.get(c);
                    if (so.isEmpty() || so.size() != ro.size()) {
                        continue;
                    }
                    int i = random.nextInt(so.size());
                    ServerPull.Delivered sd = so.remove(i);
                    ConsumedMessage rm = ro.remove(i);
                    if (reachedMax.contains(c + " " + sd.streamSeq())) {
                        answeredAtMax++;
                    }
                    int how = random.nextInt(10);
                    String body = how < 5 ? "+ACK" : how < 7 ? "-NAK" : how < 8 ? "-NAK {\"delay\":" + NAK_DELAY + "}" : how < 9 ? "+TERM" : "+WPI";
                    boolean sets = how == 7 || how == 9;
                    if (sets) {
                        clock.beforeSetting();
                    }
                    new ServerPull(client.connection(), "M", c).answer(sd, body);
                    switch (body) {
                        case "+ACK" -> rm.ack();
                        case "-NAK" -> rm.nak();
                        case "+TERM" -> rm.term();
                        case "+WPI" -> rm.inProgress();
                        default -> rm.nak(Duration.ofNanos(NAK_DELAY));
                    }
                    if (sets) {
                        clock.afterSetting();
                    }
                    if (body.equals("+ACK") && c.equals("A")) {
                        unacked.get(c).removeIf(seq -> seq <= sd.streamSeq());
                    } else if (body.equals("+ACK") || body.equals("+TERM")) {
                        unacked.get(c).remove(sd.streamSeq());
                    }
                    if (body.equals("+WPI") || body.startsWith("-NAK")) {
                        // Still pending: it may be answered again.
                        so.add(i, sd);
                        ro.add(i, rm);
                    }
                    context += " " + body + " " + c + " " + sd.streamSeq() + "/" + rm.streamSeq();
                    sinceWait++;
                }
                context += clock.overrun();
                trace.add(context);
                if (trace.size() > 40) {
                    trace.remove(0);
                }
                for (String name : consumers) {
                    ConsumerStatus status = rt.consumerInfo(name);
                    String runtimeInfo = runtimeInfo(status);
                    ServerPull pull = new ServerPull(client.connection(), "M", name);
                    String[] reported = new String[1];
                    JetStartStream now = rt;
                    String server = settled(() -> {
                        io.nats.client.api.ConsumerInfo i = pull.info();
                        reported[0] = serverInfo(i, i.getDelivered().getStreamSequence(), i.getAckFloor().getStreamSequence());
                        return line.v210() ? serverInfoAsStored(i, status, now) : reported[0];
                    }, runtimeInfo);
                    if (!server.equals(reported[0])) {
                        skipsReported++;
                        context += " [" + name + ": 2.10.27 reported " + reported[0].replaceFirst(" ack pending.*", "") + "]";
                    }
                    compare(differences, context + " info " + name, server, runtimeInfo);
                    if (VERBOSE) {
                        System.out.println("[it] " + context + " info " + name + ": server " + reported[0] + ", runtime " + runtimeInfo);
                    }
                }
                rt.flush();
                String runtimeStream = runtimeStream(rt.info());
                NatsClient cl = client;
                compare(differences, context + " stream",
                        settled(() -> serverStream(cl.connection().jetStreamManagement().getStreamInfo("M")), runtimeStream), runtimeStream);
                if (VERBOSE) {
                    System.out.println("[it] " + context + " stream: runtime " + runtimeStream + ", live " + liveSeqs(rt)
                            + "; server live " + serverLive(client, rt.info().lastSeq()));
                }
                boolean firstDeliveryDifference = fetched && !deliveryDumped;
                if ((known == 0 && !differences.isEmpty()) || firstDeliveryDifference) {
                    deliveryDumped |= fetched;
                    System.out.println("[it] the operations before the first " + (fetched ? "delivery " : "") + "difference:\n  "
                            + String.join("\n  ", trace));
                    Thread.sleep(300);
                    for (String name : consumers) {
                        System.out.println("[it] o.dat " + name + ": server " + odat(serverStore, name) + "\n    runtime " + odat(runtimeStore, name));
                    }
                }
            }
            System.out.println("[it] ConsumerModelIT " + retention + ": " + clock.summary() + "; " + purges + " purges and rollups; "
                    + atMax + " deliveries at max_deliver, " + answeredAtMax + " answers to a message that reached it"
                    + (line.v210() ? "; " + unanswered + " no-wait requests 2.10.27 left unanswered, " + skipsReported
                    + " infos of 2.10.27 with a skipped position, " + purgesOfAll + " purges made of everything" : ""));
            rt.flush();
            List<String> live = liveSeqs(rt);
            compare(differences, "live messages at the end", serverLive(client, rt.info().lastSeq()).toString(), live.toString());
            long last = rt.info().lastSeq();
            store.close();
            store = null;
            client.close();
            nats.close();
            storedStates(differences, "at the end", serverStore, runtimeStore, consumers);
            // A restart applies the stored ack floors: on an interest stream a message that a
            // consumer still held in memory below its store's floor (a purge moved the store's floor
            // past the consumer's) goes, on the server as on the runtime. So the runtime's store
            // after the index.db loss is held to what the server restarted on its own files reports.
            nats = NatsServerProcess.start(binary, serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
            client = nats.connect(Account.GLOBAL);
            String restarted = serverStream(client.connection().jetStreamManagement().getStreamInfo("M"));
            List<String> restartedLive = serverLive(client, last);
            client.close();
            nats.close();
            try (Stream<Path> files = Files.walk(runtimeStore)) {
                for (Path p : files.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                    Files.delete(p);
                }
            }
            String after;
            try (JetStartStore again = JetStart.open(runtimeStore, options)) {
                JetStartStream s = again.stream("M").await(Duration.ofSeconds(30));
                after = runtimeStream(s.info());
                List<String> afterLive = liveSeqs(s);
                compare(differences, "after the index.db loss, the runtime (against " + binary + " restarted)", restarted, after);
                compare(differences, "after the index.db loss, live messages", restartedLive.toString(), afterLive.toString());
                List<String> back = new ArrayList<>(afterLive);
                back.removeAll(live);
                compare(differences, "after the index.db loss, messages back that were gone", "[]", back.toString());
            }
            Path copy = StoreFiles.copy(runtimeStore, dir.resolve("server-on-runtime"));
            try (Stream<Path> files = Files.walk(copy)) {
                for (Path p : files.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                    Files.delete(p);
                }
            }
            nats = NatsServerProcess.start(binary, copy, dir.resolve("server-on-runtime-log"), ServerAccounts.GLOBAL);
            client = nats.connect(Account.GLOBAL);
            compare(differences, "after the index.db loss, " + binary + " on the runtime's store", after,
                    serverStream(client.connection().jetStreamManagement().getStreamInfo("M")));
        } finally {
            client.close();
            nats.close();
            if (store != null) {
                store.close();
            }
        }
        return differences;
    }

    /**
     * A purge request's body ({@code purge JSON}) or a rollup ({@code rollup sub|all SUBJECT}): of
     * everything, by subject ({@code m.N}, {@code m.*}, {@code >}), keeping some, up to a sequence.
     * Left out, as {@code ModelDraws} leaves them out (stream-level differences, not the consumers'):
     * a purge of the whole stream before it held a message, and a purge up to a sequence beyond the
     * last but one, or with no live message from it to the last (then up to last + 1: everything).
     * And one server quirk, not copied: a purge by a wildcard subject ({@code m.*}, {@code >}, a
     * {@code keep} without subject, a rollup of the stream) that removes exactly one message goes
     * down the store's single-removal path, which decrements {@code num_pending} only of the
     * consumers whose filters match the purge's subject taken literally; a consumer filtered on
     * {@code m.0} then reports one pending message too many until something makes it recount
     * (2.15.1, seed 6: purge {"filter":"m.*","seq":9} removing 8, an m.0, left the work queue's E at
     * pending 1 with no m.0 in the stream). Such a draw becomes a purge of everything.
     */
    private static String purge(Random random, JetStartStream rt, boolean v210) throws InterruptedException {
        String drawn = drawPurge(random, rt, v210);
        return removesOneByWildcard(rt, drawn) || racesItsTerm(rt, drawn) ? "purge {}" : drawn;
    }

    /**
     * Whether {@code drawn}, a purge by subject or keep (a rollup by subject too), removes exactly one
     * message that a consumer may hold pending (above its ack floor, at or below its delivered
     * sequence, on its filter). The store reports such a removal alone, and nats-server's
     * {@code decStreamPending} terminates the message on a goroutine of its own
     * ({@code go o.processTerm}) that races the purge's own {@code consumer.purge}: the server's
     * outcome depends on which takes the consumer's lock first (the runtime always terminates after
     * the purge, the order 2.15.1 took in 238 of 240 tries: two messages pending on an ack-all
     * consumer, a purge by the second's subject). On an ack-all consumer the term first acks every
     * pending message below it too, the purge first leaves them pending (seed 1130705193959, limits,
     * op 35: purge {"filter":"m.0"} removing 13, pending on A with 12: 2.15.1 reported A with nothing
     * pending, in a run beside two others, the runtime with 12). Such a draw becomes a purge of everything.
     */
    private static boolean racesItsTerm(JetStartStream rt, String drawn) throws InterruptedException {
        String subject;
        long keep;
        long below;
        if (drawn.startsWith("rollup sub ")) {
            subject = drawn.substring("rollup sub ".length());
            keep = 0;
            below = 0;
        } else if (drawn.startsWith("purge ")) {
            com.fasterxml.jackson.databind.JsonNode q;
            try {
                q = Json.mapper().readTree(drawn.substring("purge ".length()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            subject = q.path("filter").asText("");
            keep = q.path("keep").asLong(0);
            below = q.path("seq").asLong(0);
        } else {
            return false;
        }
        if (subject.isEmpty() && keep == 0) {
            // A purge of everything or up to a sequence: the store reports a batch.
            return false;
        }
        List<Long> matching = new ArrayList<>();
        List<String> subjects = new ArrayList<>();
        StreamView v = rt.info();
        for (long seq = v.firstSeq(); v.messages() > 0 && seq <= v.lastSeq() && (below == 0 || seq < below); seq++) {
            Optional<io.jetstart.core.store.StoredMessage> m = rt.get(seq);
            if (m.isPresent() && (subject.isEmpty() || new io.jetstart.core.store.SubjectFilter(List.of(subject)).matches(m.get().subject()))) {
                matching.add(seq);
                subjects.add(m.get().subject());
            }
        }
        if (matching.size() - keep != 1) {
            return false;
        }
        // keep leaves the newest: the one removed is the oldest.
        long removed = matching.get(0);
        for (String name : rt.consumerNames()) {
            ConsumerStatus c = rt.consumerInfo(name);
            List<String> filters = c.config().filterSubjects();
            boolean on = filters.isEmpty() || new io.jetstart.core.store.SubjectFilter(filters).matches(subjects.get(0));
            if (on && c.ackFloor().streamSeq() < removed && removed <= c.delivered().streamSeq()) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code drawn} is a purge by a wildcard subject (see {@link #purge}) that would remove exactly one message. */
    private static boolean removesOneByWildcard(JetStartStream rt, String drawn) throws InterruptedException {
        if (drawn.startsWith("rollup ")) {
            // A rollup of the stream removes every message before it; by subject it purges a literal subject.
            return drawn.startsWith("rollup all") && rt.info().messages() == 1;
        }
        com.fasterxml.jackson.databind.JsonNode q;
        try {
            q = Json.mapper().readTree(drawn.substring("purge ".length()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String subject = q.path("filter").asText("");
        long keep = q.path("keep").asLong(0);
        long below = q.path("seq").asLong(0);
        boolean wildcard = subject.contains("*") || subject.contains(">") || (subject.isEmpty() && keep > 0);
        if (!wildcard || (subject.isEmpty() || subject.equals(">")) && keep == 0) {
            // Without keep, no subject and '>' purge everything or compact: the store reports a batch.
            return false;
        }
        long matching = 0;
        StreamView v = rt.info();
        for (long seq = v.firstSeq(); v.messages() > 0 && seq <= v.lastSeq() && (below == 0 || seq < below); seq++) {
            Optional<io.jetstart.core.store.StoredMessage> m = rt.get(seq);
            if (m.isPresent() && (subject.isEmpty() || new io.jetstart.core.store.SubjectFilter(List.of(subject)).matches(m.get().subject()))) {
                matching++;
            }
        }
        return (keep > 0 ? matching - keep : matching) == 1;
    }

    /**
     * Whether {@code what} (a purge request or a rollup) removes a message one of the consumers may
     * hold pending ({@code unacked}): consumer.purge then drops it, and from 2.12.9 and 2.14.1 (commit
     * 831f08693, "Cleanup pending on stream purge") tells the store of it as of an ack, whose floor
     * may then pass the consumer's (up to below its next pending message) and stay there, the
     * purge's own state write being refused as older; 2.10.27 writes the consumer's floor. The
     * runtime keeps the newer rule, so the 2.10 draws make such a purge one of everything, after
     * which nothing is pending and both floors are the delivered position.
     */
    private static boolean dropsPending(JetStartStream rt, String what, Map<String, java.util.Set<Long>> unacked)
            throws InterruptedException {
        String subject;
        long keep = 0;
        long below = 0;
        if (what.startsWith("rollup ")) {
            subject = what.startsWith("rollup sub ") ? what.substring("rollup sub ".length()) : "";
        } else {
            com.fasterxml.jackson.databind.JsonNode q;
            try {
                q = Json.mapper().readTree(what.substring("purge ".length()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            subject = q.path("filter").asText("");
            keep = q.path("keep").asLong(0);
            below = q.path("seq").asLong(0);
        }
        List<Long> removed = new ArrayList<>();
        StreamView v = rt.info();
        io.jetstart.core.store.SubjectFilter filter = subject.isEmpty() ? null : new io.jetstart.core.store.SubjectFilter(List.of(subject));
        for (long seq = v.firstSeq(); v.messages() > 0 && seq <= v.lastSeq() && (below == 0 || seq < below); seq++) {
            Optional<io.jetstart.core.store.StoredMessage> m = rt.get(seq);
            if (m.isPresent() && (filter == null || filter.matches(m.get().subject()))) {
                removed.add(seq);
            }
        }
        // keep leaves the newest of them.
        List<Long> gone = removed.subList(0, (int) Math.max(0, removed.size() - keep));
        return unacked.values().stream().anyMatch(held -> gone.stream().anyMatch(held::contains));
    }

    private static String drawPurge(Random random, JetStartStream rt, boolean v210) throws InterruptedException {
        StreamView v = rt.info();
        long first = v.firstSeq();
        long last = v.lastSeq();
        int f = random.nextInt(10);
        String subject = f < 2 ? "m.*" : f == 2 ? ">" : "m." + random.nextInt(4);
        int kind = random.nextInt(100);
        if (last == 0) {
            return "purge {\"filter\":\"" + (subject.equals(">") ? "m.*" : subject) + "\"}";
        }
        if (kind < 12) {
            return "purge {}";
        }
        if (kind < 30) {
            return "purge {\"filter\":\"" + subject + "\"}";
        }
        if (kind < 42) {
            return "purge {\"keep\":" + random.nextInt(4) + "}";
        }
        if (kind < 56) {
            return "purge {\"filter\":\"" + subject + "\",\"keep\":" + random.nextInt(3) + "}";
        }
        if (kind < 74) {
            long seq = switch (random.nextInt(4)) {
                case 0 -> 1 + random.nextInt((int) Math.max(1, first));
                case 1 -> last + 1;
                default -> first + random.nextInt((int) Math.max(1, last - first + 1));
            };
            if (seq <= last && rt.next(seq, ">").isEmpty()) {
                seq = last + 1;
            }
            // On 2.10 never up to 1: 2.10.27 purges everything then (ModelDraws.upTo).
            return "purge {\"seq\":" + (v210 && seq <= 1 ? 2 : Math.max(1, seq)) + "}";
        }
        if (kind < 86) {
            long seq = 1 + random.nextInt((int) last + 3);
            if (subject.equals(">") && (seq > last + 1 || seq <= last && rt.next(seq, ">").isEmpty())) {
                seq = last + 1;
            }
            return "purge {\"filter\":\"" + subject + "\",\"seq\":" + (v210 && seq == 1 ? 2 : seq) + "}";
        }
        return "rollup " + (kind < 95 ? "sub" : "all") + " m." + random.nextInt(4);
    }

    /** The last token of a v1 ack reply, or the one after the timestamp of a v2 reply: the consumer's num_pending. */
    private static long pending(ServerPull.Delivered d) {
        String[] t = d.reply().split("\\.");
        return Long.parseLong(t[(t.length == 9 ? 4 : 6) + 4]);
    }

    /**
     * The max_deliver of consumer {@code c} (see {@link #serverConsumer}); 0 for none. 2: a message
     * left unanswered over a wait, or naked once, reaches it (with 3 and 4 a 100-operation run
     * reached it about never: 0 deliveries at max_deliver on interest, seed 49588860474634). Without
     * {@code atMost} (the 2.10 draws) -1, none: 2.10.27 handles a message past max_deliver by rules
     * later releases changed, which the runtime keeps (docs/compatibility.md, "The runtime on the 2.10
     * line"): it moves no ack floor past it (982db7699, 2.12.9 and 2.14.1), keeps its redelivery count
     * once it is removed (3c65cdb56) and drops the counts at or below the floor as the consumer starts
     * (d1a711a32, both 2.12.9 and 2.14.1), so its files and answers differ wherever one is reached.
     */
    private static long maxDeliver(String c, boolean atMost) {
        if (!atMost) {
            return c.equals("E") || c.equals("B") ? -1 : 0;
        }
        return switch (c) {
            case "E", "B" -> 2;
            default -> 0;
        };
    }

    private static ConsumerConfiguration serverConsumer(String c, String retention, boolean atMost) {
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder().durable(c);
        return switch (c) {
            case "E" -> b.ackPolicy(AckPolicy.Explicit).ackWait(Duration.ofNanos(ACK_WAIT)).maxDeliver(maxDeliver("E", atMost))
                    .filterSubject(retention.equals("workqueue") ? "m.0" : null).build();
            case "B" -> b.ackPolicy(AckPolicy.Explicit).filterSubject("m.1").maxDeliver(maxDeliver("B", atMost))
                    .backoff(Duration.ofNanos(2 * ModelClock.UNIT), Duration.ofNanos(ModelClock.LONGEST)).build();
            case "A" -> b.ackPolicy(AckPolicy.All).ackWait(Duration.ofNanos(ACK_WAIT)).build();
            default -> b.ackPolicy(AckPolicy.Explicit).ackWait(Duration.ofNanos(ACK_WAIT)).filterSubject("m.2").build();
        };
    }

    private static String runtimeConsumer(String c, String retention, boolean atMost) {
        return switch (c) {
            case "E" -> "{\"durable_name\":\"E\",\"ack_policy\":\"explicit\",\"ack_wait\":" + ACK_WAIT + ",\"max_deliver\":" + maxDeliver("E", atMost)
                    + (retention.equals("workqueue") ? ",\"filter_subject\":\"m.0\"" : "") + "}";
            case "B" -> "{\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"filter_subject\":\"m.1\",\"max_deliver\":" + maxDeliver("B", atMost) + ","
                    + "\"backoff\":[" + 2 * ModelClock.UNIT + "," + ModelClock.LONGEST + "]}";
            case "A" -> "{\"durable_name\":\"A\",\"ack_policy\":\"all\",\"ack_wait\":" + ACK_WAIT + "}";
            default -> "{\"durable_name\":\"X\",\"ack_policy\":\"explicit\",\"ack_wait\":" + ACK_WAIT + ",\"filter_subject\":\"m.2\"}";
        };
    }

    /**
     * 2.10.27's info as 2.10.29 and 2.11.3 report it, from the consumer's store, which the runtime
     * reports on every line (ModelLine, docs/compatibility.md): 2.10.27 reports the delivered and ack
     * floor stream sequences from memory, where a pull that reached the end of the stream moved the
     * next sequence past the last and an ack that emptied the pending list moved the floor there too;
     * such a skip ({@link ModelLine#asStored}) is taken as the stored sequence. Everything else is
     * compared as it is, and the files at every restart and at the end exactly ({@link #storedStates}).
     */
    private static String serverInfoAsStored(io.nats.client.api.ConsumerInfo i, ConsumerStatus runtime, JetStartStream rt)
            throws InterruptedException {
        List<String> filters = runtime.config().filterSubjects();
        return serverInfo(i, ModelLine.asStored(i.getDelivered().getStreamSequence(), runtime.delivered().streamSeq(), rt, filters),
                ModelLine.asStored(i.getAckFloor().getStreamSequence(), runtime.ackFloor().streamSeq(), rt, filters));
    }

    /** The info, with the stream sequences of delivered and the ack floor given (2.10's, as stored: {@link #serverInfoAsStored}). */
    private static String serverInfo(io.nats.client.api.ConsumerInfo i, long deliveredStream, long ackFloorStream) {
        return "delivered " + i.getDelivered().getConsumerSequence() + "/" + deliveredStream
                + " ack floor " + i.getAckFloor().getConsumerSequence() + "/" + ackFloorStream
                + " ack pending " + i.getNumAckPending() + " redelivered " + i.getRedelivered() + " pending " + i.getNumPending()
                + " waiting " + i.getNumWaiting();
    }

    private static String runtimeInfo(ConsumerStatus s) {
        return "delivered " + s.delivered().consumerSeq() + "/" + s.delivered().streamSeq()
                + " ack floor " + s.ackFloor().consumerSeq() + "/" + s.ackFloor().streamSeq()
                + " ack pending " + s.numAckPending() + " redelivered " + s.numRedelivered() + " pending " + s.numPending()
                + " waiting " + s.numWaiting();
    }

    private static String serverStream(StreamInfo i) {
        var s = i.getStreamState();
        return s.getMsgCount() + " msgs, first " + (s.getMsgCount() == 0 ? "-" : s.getFirstSequence()) + ", last " + s.getLastSequence();
    }

    private static String runtimeStream(StreamView v) {
        return v.messages() + " msgs, first " + (v.messages() == 0 ? "-" : v.firstSeq()) + ", last " + v.lastSeq();
    }

    private static List<String> liveSeqs(JetStartStream s) throws Exception {
        List<String> out = new ArrayList<>();
        for (long seq = 1; seq <= s.info().lastSeq(); seq++) {
            if (s.get(seq).isPresent()) {
                out.add("" + seq);
            }
        }
        return out;
    }

    private static List<String> serverLive(NatsClient client, long last) throws Exception {
        JsApi api = new JsApi(client.connection(), Json.mapper());
        List<String> out = new ArrayList<>();
        for (long seq = 1; seq <= last; seq++) {
            if (api.message("M", seq).isPresent()) {
                out.add("" + seq);
            }
        }
        return out;
    }

    interface Answer {
        String get() throws Exception;
    }

    /**
     * The server's answer once it has caught up: it tells consumers about a new message
     * asynchronously (num_pending can lag a publish by a moment), so it is asked again for up to
     * 500 ms while it differs from the runtime's (which answers synchronously).
     */
    static String settled(Answer server, String runtime) throws Exception {
        String s = server.get();
        for (int i = 0; i < 10 && !s.equals(runtime); i++) {
            Thread.sleep(50);
            s = server.get();
        }
        return s;
    }

    /**
     * Compares what each consumer's {@code o.dat} holds on both sides, both closed: delivered, ack
     * floor, the pending messages (stream and consumer sequences) and the redelivery counts; not the
     * delivery times (each side its own, seconds apart at a second's edge). What a restart starts
     * from, and on 2.10 what its info does not show ({@link #serverInfoAsStored}).
     */
    private static void storedStates(List<String> differences, String context, Path serverStore, Path runtimeStore,
                                     List<String> consumers) {
        for (String name : consumers) {
            compare(differences, context + " o.dat " + name, stored(serverStore, name), stored(runtimeStore, name));
        }
    }

    private static String stored(Path store, String consumer) {
        try {
            io.jetstart.core.format.ConsumerState s = io.jetstart.core.format.ConsumerStateCodec.decode(Files.readAllBytes(
                    store.resolve("jetstream/$G/streams/M/obs").resolve(consumer).resolve("o.dat")));
            return "delivered " + s.delivered().consumerSeq() + "/" + s.delivered().streamSeq()
                    + " ack floor " + s.ackFloor().consumerSeq() + "/" + s.ackFloor().streamSeq()
                    + " pending " + s.pending().stream().sorted(java.util.Comparator.comparingLong(
                            io.jetstart.core.format.ConsumerState.Pending::streamSeq)).map(p -> p.streamSeq() + "/" + p.consumerSeq()).toList()
                    + " redelivered " + s.redelivered().stream().sorted(java.util.Comparator.comparingLong(
                            io.jetstart.core.format.ConsumerState.Redelivery::streamSeq)).map(r -> r.streamSeq() + ":" + r.count()).toList();
        } catch (java.nio.file.NoSuchFileException e) {
            return "no o.dat";
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String odat(Path store, String consumer) {
        try {
            return io.jetstart.core.format.ConsumerStateCodec.decode(Files.readAllBytes(
                    store.resolve("jetstream/$G/streams/M/obs").resolve(consumer).resolve("o.dat"))).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static void compare(List<String> differences, String what, String server, String runtime) {
        if (!server.equals(runtime)) {
            differences.add(what + ": server " + server + ", runtime " + runtime);
            System.out.println("[it] DIFF " + what + ": server " + server + ", runtime " + runtime);
        }
    }
}
