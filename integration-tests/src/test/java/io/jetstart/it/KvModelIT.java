package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.runtime.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A random KV model with limits, TTLs and restarts: for a few buckets drawn per seed
 * ({@link KvModelConfig}: history 1, 3 or 64, a small {@code max_bytes}, a {@code max_value_size},
 * a TTL of 1 or 2 s, a limit marker of 1 or 2 s), the same random steps ({@link KvModelSteps}: put,
 * create of a new or an existing key, with a TTL of its own or not, update at the right and a wrong
 * revision, delete, purge with a TTL or not, get, get at a revision, history, keys with a filter,
 * restarts of both sides, waits past an expiry) run on nats-server 2.15.1 through jnats's
 * {@code KeyValue} and on the runtime's KV view. Every answer must be the same (revision, entry,
 * operation, value, delta, error code and text), and after each step the bucket's stream state
 * (values, bytes, first and last revision, keys, deleted); after each wait and restart every stored
 * message (headers and value; times are each side's own clock). At the end 2.15.1 is started on a
 * copy of the runtime's closed store and must report the same state, serve the same messages (times
 * included) and give jnats the runtime's keys and values.
 *
 * <p>Expiry is asynchronous on both sides, so no step runs while anything either side holds may
 * expire before the step is done ({@link KvExpiries}); the model then waits past the expiry until
 * neither side holds anything whose time is up (both have written their limit markers), compares,
 * and goes on. A {@code restart} runs when nothing expires during it; otherwise, and for a drawn
 * {@code restart-down}, both sides are down together past the next expiry, so each expires it on
 * its way up.
 *
 * <p>The same runs against nats-server 2.10.27 with the runtime on the 2.10 line, without what 2.10
 * lacks (limit markers, per-key TTLs) and without {@code max_bytes} ({@link KvModelConfig}).
 *
 * <p>The seed is printed; {@code -Djetstart.kvmodel.seed=S} replays it, {@code -Djetstart.kvmodel.ops=N}
 * (default 150) sets the steps per bucket and {@code -Djetstart.kvmodel.buckets=N} (default 4) the
 * buckets; {@code -Djetstart.kvmodel.runs=N} runs N seeds from it and {@code -Djetstart.kvmodel.line=2.10}
 * (or {@code 2.14+}) one line only. Each bucket's steps and both answers are in {@code <bucket>/trace.txt} of the test's
 * work folder.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one work folder for both tests: each bucket's files stay for a look
class KvModelIT {
    /** Plain restarts per bucket: each took 70 to 250 ms here, and the comparisons after it. */
    private static final int MAX_RESTARTS = 2;
    /** Restarts down past an expiry per bucket: each is down until the next expiry, up to 3 s. */
    private static final int MAX_DOWN = 1;
    /**
     * Waits past an expiry per bucket, drawn or needed (each up to the TTL plus the expiry): a bucket
     * with a TTL needs one about every TTL, so its run ends when they are used up.
     */
    private static final int MAX_WAITS = 4;
    /** How long each side's background expiry may take to remove what ran out. */
    private static final long SETTLE_TIMEOUT_MILLIS = 20_000;
    private static final long POLL_MILLIS = 50;
    /** index.db version 4, as 2.15.1 writes it: a limit marker needs per-message TTLs, which version 1 cannot count. */
    private static final RuntimeOptions OPTIONS = RuntimeOptions.defaults().withIndexVersion(4);

    private final Path tmp = Repo.work("KvModelIT");
    private final long seed = Long.getLong("jetstart.kvmodel.seed", System.nanoTime());
    private final int ops = Integer.getInteger("jetstart.kvmodel.ops", 150);
    private final int buckets = Integer.getInteger("jetstart.kvmodel.buckets", 4);

    @Test
    void bucketsWithLimitsAndTtlsAnswerAsOnTheServerAcrossExpiriesAndRestarts() throws Exception {
        runs(ModelLine.newest(NatsServers.discover()));
    }

    /**
     * The same on nats-server 2.10.27, the runtime on the 2.10 line ({@code index.db} v1): buckets
     * without limit markers and steps without per-key TTLs, which 2.10 has neither of (a
     * {@code Nats-TTL} header is stored there as any other header); the bucket TTL ({@code max_age}),
     * history, sizes, restarts and waits past expiries as above, and 2.10.27 started on the runtime's
     * files at the end.
     */
    @Test
    void onThe210LineBucketsAnswerAs2_10_27DoesAcrossExpiriesAndRestarts() throws Exception {
        runs(ModelLine.v210(NatsServers.discover()));
    }

    /**
     * {@link #buckets} buckets of one seed, or with {@code -Djetstart.kvmodel.runs=N} N seeds (the
     * given or a random one, then the next ones), each in its own folder; {@code -Djetstart.kvmodel.line=2.10}
     * (or {@code 2.14+}) runs the one line only. Every seed runs to its end.
     */
    private void runs(ModelLine line) throws Exception {
        String only = System.getProperty("jetstart.kvmodel.line", "");
        org.junit.jupiter.api.Assumptions.assumeTrue(only.isEmpty() || only.equals(line.label()), "jetstart.kvmodel.line=" + only);
        int runs = Math.max(1, Integer.getInteger("jetstart.kvmodel.runs", 1));
        List<String> differences = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            long s = seed + run;
            System.out.println("[it] KvModelIT seed " + s + " (-Djetstart.kvmodel.seed=" + s + "), " + buckets + " buckets of "
                    + ops + " steps, " + line);
            Random r = new Random(s);
            List<String> found = new ArrayList<>();
            for (int i = 0; i < buckets && found.isEmpty(); i++) {
                KvModelConfig config = KvModelConfig.draw(r, i, line);
                KvModelSteps draws = new KvModelSteps(new Random(r.nextLong()), config, line);
                found.addAll(new Bucket(line, s, folder(line, s, runs), config, draws::next).run());
            }
            if (runs > 1) {
                System.out.println("[it] KvModelIT " + line.label() + " seed " + s + ": " + (found.isEmpty() ? "same" : found.get(0)));
            }
            differences.addAll(found);
        }
        assertThat(differences).as("%s, seeds %d to %d (-Djetstart.kvmodel.seed); traces in %s", line.label(), seed, seed + runs - 1, tmp)
                .isEmpty();
    }

    /** Where a run's buckets keep their folders: the test's work folder on 2.14+, else one per line (and per seed of many). */
    private Path folder(ModelLine line, long s, int runs) {
        Path d = line.v210() ? tmp.resolve(line.label()) : tmp;
        return runs > 1 ? d.resolve(Long.toString(s)) : d;
    }

    /** Where a bucket's steps come from: {@link KvModelSteps#next}, or a list. */
    interface Steps {
        /** The next step on a bucket whose last revision is {@code lastRevision}; null: no more. */
        String next(long lastRevision);
    }

    /**
     * 2.15.1 keeps a value that ran out while its bucket has no room for the marker beside it, and so
     * must the runtime ({@link KvExpiries#markerRefused}): a bucket of 600 bytes at 508 after five
     * puts and a create with a TTL of 1 s (raised to the limit marker's 2 s), whose 111-byte marker
     * the bucket refuses. Both sides must keep it, answer the same, hold the same messages; the run
     * ends there, and 2.15.1 on the runtime's files keeps it too.
     */
    @Test
    void aValueWhoseMarkerTheFullBucketHasNoRoomForStaysOnBothSides() throws Exception {
        ModelLine line = ModelLine.newest(NatsServers.discover());
        KvModelConfig config = new KvModelConfig("KVFULL", 64, 0, 600, -1, 2);
        String value = java.util.Base64.getEncoder().encodeToString(new byte[40]);
        java.util.Iterator<String> steps = List.of("put k0 " + value, "put k0 " + value, "put k0 " + value, "put k0 " + value,
                "put k0 " + value, "create k2 - 1", "wait", "get k2").iterator();
        Bucket bucket = new Bucket(line, seed, tmp, config, last -> steps.hasNext() ? steps.next() : null);
        assertThat(bucket.run()).isEmpty();
        assertThat(bucket.markerRefused).as("both sides kept k2's value for want of room for its marker").isTrue();
    }

    /**
     * The same bucket down past the expiry: 2.15.1's first age check after its start finds k2's
     * value the last of its key, proposes its marker, and the full bucket refuses it, so the value
     * stays (counted, read by {@code get}) and the marker is tried again every 2 s; the runtime's
     * open must keep it too, not remove it ahead of the marker (seed 70582671242393).
     */
    @Test
    void aValueThatRanOutWhileBothWereDownStaysWhereTheFullBucketHasNoRoomForItsMarker() throws Exception {
        ModelLine line = ModelLine.newest(NatsServers.discover());
        KvModelConfig config = new KvModelConfig("KVFULLDOWN", 64, 0, 600, -1, 1);
        String value = java.util.Base64.getEncoder().encodeToString(new byte[40]);
        java.util.Iterator<String> steps = List.of("put k0 " + value, "put k0 " + value, "put k0 " + value, "put k0 " + value,
                "put k0 " + value, "create k2 - 1", "restart-down", "get k2").iterator();
        Bucket bucket = new Bucket(line, seed, tmp, config, last -> steps.hasNext() ? steps.next() : null);
        assertThat(bucket.run()).isEmpty();
        assertThat(bucket.markerRefused).as("both sides kept k2's value for want of room for its marker").isTrue();
        assertThat(bucket.downs).as("the step that took both down past the expiry ran").isEqualTo(1);
    }

    /**
     * A bucket whose {@code max_value_size} (70) is below the marker's header (72 bytes) refuses
     * every marker: a value that ran out while both were down stays on 2.15.1, and on the runtime
     * (which had removed it at its open, leaving neither value nor marker).
     */
    @Test
    void aValueThatRanOutWhileBothWereDownStaysWhereItsMarkerIsOverMaxValueSize() throws Exception {
        ModelLine line = ModelLine.newest(NatsServers.discover());
        KvModelConfig config = new KvModelConfig("KVSMALLDOWN", 1, 0, -1, 70, 1);
        java.util.Iterator<String> steps = List.of("put k0 AAAA", "create k1 - 1", "restart-down", "get k1", "get k0").iterator();
        Bucket bucket = new Bucket(line, seed, tmp, config, last -> steps.hasNext() ? steps.next() : null);
        assertThat(bucket.run()).isEmpty();
        assertThat(bucket.markerRefused).as("both sides kept k1's value: its marker is over max_value_size").isTrue();
        assertThat(bucket.downs).as("the step that took both down past the expiry ran").isEqualTo(1);
    }

    /** One bucket's run. */
    private final class Bucket {
        private final ModelLine line;
        private final NatsServerBinary binary;
        private final long seed;
        private final KvModelConfig config;
        private final Steps draws;
        private final Path dir;
        private final KvExpiries expiries;
        /** Every step with both answers, and the comparisons ({@code <bucket>/trace.txt}). */
        private ModelRun trace;
        private KvModelSide server;
        private KvModelSide runtime;
        /** Both sides keep a message whose marker has no room: the run ends (KvExpiries.markerRefused). */
        private boolean markerRefused;
        private int steps;
        private int restarts;
        private int downs;
        private int waits;
        private long waitedMillis;
        private long longestRestartMillis;

        Bucket(ModelLine line, long seed, Path folder, KvModelConfig config, Steps draws) {
            this.line = line;
            this.binary = line.binary();
            this.seed = seed;
            this.config = config;
            this.draws = draws;
            this.dir = folder.resolve(config.bucket());
            this.expiries = new KvExpiries(config);
        }

        List<String> run() throws Exception {
            Files.createDirectories(dir);
            System.out.println("[it] KvModelIT " + config);
            List<String> differences = new ArrayList<>();
            Path runtimeStore = Files.createDirectories(dir.resolve("runtime"));
            Final end = null;
            try (ModelRun t = new ModelRun(seed, dir.resolve("trace.txt"), 0);
                 ModelServerSide s = ModelServerSide.start(binary, dir.resolve("server-store"), dir.resolve("server"), config.streamName());
                 ModelRuntimeSide rt = ModelRuntimeSide.open(runtimeStore, options(), config.streamName())) {
                trace = t;
                trace.note(config.toString());
                server = KvModelSide.server(s, config);
                runtime = KvModelSide.runtime(rt, config);
                steps().ifPresent(differences::add);
                if (differences.isEmpty()) {
                    differences.addAll(trace.sameMessages(s, rt));
                }
                if (differences.isEmpty()) {
                    end = new Final(rt.state(), runtime.messages(), answers(runtime.bucket()));
                }
                System.out.println("[it] KvModelIT " + config.bucket() + ": " + steps + " steps, " + restarts + " restarts, " + downs
                        + " down past an expiry, " + waits + " waits (" + waitedMillis + " ms), longest restart " + longestRestartMillis + " ms");
            }
            if (end != null) {
                differences.addAll(onRuntimeFiles(runtimeStore, end));
            }
            return differences;
        }

        /** index.db v4 as 2.15.1 writes it ({@link #OPTIONS}), or on 2.10 v1 and the 2.10 line. */
        private RuntimeOptions options() {
            return line.v210() ? line.runtime(RuntimeOptions.defaults()) : OPTIONS;
        }

        private Optional<String> steps() throws Exception {
            for (int op = 0; op < ops && !markerRefused; op++) {
                String step = draws.next(runtime.model().state().lastSeq());
                if (step == null) {
                    break;
                }
                String context = config.bucket() + " op " + op;
                Optional<String> d;
                switch (step) {
                    case "wait" -> {
                        if (expiries.never() || waits >= MAX_WAITS) {
                            continue;
                        }
                        d = waitPast(context);
                    }
                    case "restart", "restart-down" -> {
                        // A plain restart only where nothing expires while one side is up and the other down:
                        // otherwise both go down past the expiry, or (those used up) wait past it first.
                        boolean downAllowed = downs < MAX_DOWN && !expiries.never();
                        boolean down = step.equals("restart-down") || !expiries.roomFor(KvExpiries.RESTART) && downAllowed;
                        if (down ? !downAllowed : restarts >= MAX_RESTARTS) {
                            continue;
                        }
                        if (!down && !expiries.roomFor(KvExpiries.RESTART)) {
                            if (waits >= MAX_WAITS) {
                                continue;
                            }
                            d = waitPast(context + " (before a restart)");
                            if (d.isPresent() || markerRefused || !expiries.roomFor(KvExpiries.RESTART)) {
                                if (d.isPresent()) {
                                    return d;
                                }
                                continue;
                            }
                        }
                        d = restart(context, down);
                    }
                    default -> {
                        if (!expiries.roomFor(KvExpiries.STEP)) {
                            if (waits >= MAX_WAITS) {
                                trace.note("the waits are used up: the bucket's run ends before op " + op);
                                return Optional.empty();
                            }
                            d = waitPast(context + " (before '" + step + "')");
                            if (d.isPresent()) {
                                return d;
                            }
                        }
                        d = step(context, step);
                    }
                }
                if (d.isPresent()) {
                    return d;
                }
            }
            // What can still expire goes first, so that 2.15.1 starting on the runtime's files finds what the runtime left.
            while (!markerRefused && !expiries.roomFor(KvExpiries.RESTART)) {
                Optional<String> d = waitPast(config.bucket() + " at the end");
                if (d.isPresent()) {
                    return d;
                }
            }
            return Optional.empty();
        }

        private Optional<String> step(String context, String step) throws Exception {
            int ttl = KvModelSteps.writes(step);
            if (ttl >= 0 && expiries.clashes(ttl)) {
                trace.note("not run: '" + step + "' would run out within " + KvExpiries.CLOSE.toMillis()
                        + " ms of another, one by its TTL (KvExpiries.clashes)");
                return Optional.empty();
            }
            steps++;
            long start = KvExpiries.now();
            String a = KvModelSteps.answer(server.bucket(), step);
            String b = KvModelSteps.answer(runtime.bucket(), step);
            if (ttl >= 0 && (!a.startsWith("error") || !b.startsWith("error"))) {
                expiries.wrote(start, ttl);
            }
            Optional<String> d = trace.compare(context, step, a, b);
            d = d.isPresent() ? d : trace.sameState(context + " after '" + step + "'", server.model(), runtime.model());
            // A step slower than the margin (a loaded machine) may have met an expiry on one side only.
            long late = KvExpiries.now() - expiries.next();
            return late < 0 ? d : d.map(x -> x + "\n[timing: the step and its comparison ended " + late / 1_000_000
                    + " ms past the next expiry; the margin is " + KvExpiries.STEP.toMillis() + " ms]");
        }

        /** Sleeps past the next expiry, then {@link #settle}s. */
        private Optional<String> waitPast(String context) throws Exception {
            waits++;
            long start = System.currentTimeMillis();
            trace.sleep((expiries.next() - KvExpiries.now()) / 1_000_000 + POLL_MILLIS);
            Optional<String> d = settle(context);
            waitedMillis += System.currentTimeMillis() - start;
            return d;
        }

        private Optional<String> restart(String context, boolean down) throws Exception {
            if (down) {
                downs++;
            } else {
                restarts++;
            }
            long start = System.nanoTime();
            server.stop();
            runtime.stop();
            if (down) {
                trace.sleep((expiries.next() - KvExpiries.now()) / 1_000_000 + 4 * POLL_MILLIS);
            }
            server.resume();
            runtime.resume();
            long took = (System.nanoTime() - start) / 1_000_000;
            String step = down ? "restart-down" : "restart";
            if (!down) {
                longestRestartMillis = Math.max(longestRestartMillis, took);
                if (took >= KvExpiries.RESTART.toMillis()) {
                    trace.note("[timing: the restart took " + took + " ms, the margin before an expiry is " + KvExpiries.RESTART.toMillis() + " ms]");
                }
            }
            Optional<String> d = trace.compare(context, step, "restarted", "restarted");
            return d.isPresent() ? d : settle(context + " after '" + step + "'");
        }

        /**
         * Waits until neither side holds a message whose time is up (each side's expiry is given
         * {@link #SETTLE_TIMEOUT_MILLIS}) and nothing expires within a step; then compares the
         * states and every message. A side that still holds one then is the difference.
         */
        private Optional<String> settle(String context) throws Exception {
            long deadline = System.currentTimeMillis() + SETTLE_TIMEOUT_MILLIS;
            while (true) {
                KvModelSide.Listing la = server.listing();
                KvModelSide.Listing lb = runtime.listing();
                List<ModelSide.Msg> a = la.messages();
                List<ModelSide.Msg> b = lb.messages();
                ModelSide.Msg staleA = expiries.overdue(la);
                ModelSide.Msg staleB = expiries.overdue(lb);
                List<Long> keptA = expiries.markerRefused(la).stream().map(ModelSide.Msg::seq).toList();
                List<Long> keptB = expiries.markerRefused(lb).stream().map(ModelSide.Msg::seq).toList();
                if (staleA == null && staleB == null && keptA.equals(keptB)) {
                    long behind = expiries.behind(a, b);
                    if (behind != Long.MIN_VALUE) {
                        trace.sleep((behind - KvExpiries.now()) / 1_000_000 + POLL_MILLIS);
                        continue;
                    }
                    expiries.recount(a, b);
                    if (expiries.roomFor(KvExpiries.STEP)) {
                        if (!keptA.isEmpty()) {
                            // Each side tries the marker again on its own timer once there is room (KvExpiries.markerRefused):
                            // compared here, where both keep the message, and the bucket's run ends.
                            markerRefused = true;
                            trace.note("both keep " + keptA + ": the bucket refuses their markers; the run ends here");
                        }
                        Optional<String> d = trace.sameState(context, server.model(), runtime.model());
                        d = d.isPresent() ? d : sameMessages(context, a, b);
                        return d.isPresent() ? d : trace.compare(context, "keys, gets and histories",
                                String.join("; ", answers(server.bucket())), String.join("; ", answers(runtime.bucket())));
                    }
                    trace.sleep((expiries.next() - KvExpiries.now()) / 1_000_000 + POLL_MILLIS);
                    continue;
                }
                if (System.currentTimeMillis() > deadline) {
                    // A difference even when both sides hold the same: neither expired what its time says it should.
                    String server = (staleA == null ? "expired" : "still holds " + staleA.compared(false)) + ", keeps " + keptA
                            + " for want of room for its marker";
                    String runtime = (staleB == null ? "expired" : "still holds " + staleB.compared(false)) + ", keeps " + keptB
                            + " for want of room for its marker";
                    trace.compare(context, "expiry within " + SETTLE_TIMEOUT_MILLIS + " ms", server, runtime);
                    return Optional.of(context + " (seed " + seed + "): no expiry within " + SETTLE_TIMEOUT_MILLIS + " ms: server "
                            + server + ", runtime " + runtime + " (trace " + dir.resolve("trace.txt") + ")");
                }
                Thread.sleep(POLL_MILLIS);
            }
        }

        private Optional<String> sameMessages(String context, List<ModelSide.Msg> a, List<ModelSide.Msg> b) throws Exception {
            for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
                String x = i < a.size() ? a.get(i).compared(false) : "none";
                String y = i < b.size() ? b.get(i).compared(false) : "none";
                if (!x.equals(y)) {
                    // The whole of both (a bucket of the model holds tens of messages): which differ, and how.
                    return trace.compare(context, "message " + i + " of " + a.size() + " and " + b.size(), x + "; all: " + listed(a),
                            y + "; all: " + listed(b));
                }
            }
            return Optional.empty();
        }

        private static String listed(List<ModelSide.Msg> msgs) {
            return msgs.stream().limit(40).map(m -> m.seq() + " " + m.subject() + " "
                    + new String(java.util.Base64.getDecoder().decode(m.hdrs()), java.nio.charset.StandardCharsets.ISO_8859_1)
                    .replace("\r\n", "|") + " at " + m.timeNanos()).toList().toString();
        }

        /**
         * 2.15.1 on a copy of the runtime's closed store: the state, every message with its time,
         * and jnats's keys and gets, against what the runtime had.
         */
        private List<String> onRuntimeFiles(Path runtimeStore, Final runtimeEnd) throws Exception {
            Path copy = StoreFiles.copy(runtimeStore, dir.resolve("on-server/store"));
            List<String> differences = new ArrayList<>();
            String where = config.bucket() + " (seed " + seed + "), " + binary + " on the runtime's store: ";
            try (ModelServerSide s = ModelServerSide.start(binary, copy, dir.resolve("on-server"), config.streamName())) {
                ModelSide.ModelState state = s.state();
                if (!state.compared().equals(runtimeEnd.state().compared()) || state.firstTsNanos() != runtimeEnd.state().firstTsNanos()) {
                    differences.add(where + "state " + state.compared() + ", first time " + state.firstTsNanos() + "; runtime "
                            + runtimeEnd.state().compared() + ", first time " + runtimeEnd.state().firstTsNanos());
                }
                List<String> served = new ArrayList<>();
                for (long seq = state.firstSeq(); state.messages() > 0 && seq <= state.lastSeq(); seq++) {
                    s.message(seq).ifPresent(m -> served.add(m.compared(true)));
                }
                List<String> held = runtimeEnd.messages().stream().map(m -> m.compared(true)).toList();
                if (!served.equals(held)) {
                    differences.add(where + "messages " + served + "; runtime " + held);
                }
                List<String> read = answers(KvModelBucket.jnats(s.connection().keyValue(config.bucket()),
                        s.connection().jetStreamManagement()));
                if (!read.equals(runtimeEnd.answers())) {
                    differences.add(where + "jnats reads " + read + "; the runtime read " + runtimeEnd.answers());
                }
                if (s.log().contains("Error recreating stream")) {
                    differences.add(where + "the stream was not recreated: " + s.warnings());
                }
            }
            return differences;
        }
    }

    /** What the runtime held when it closed. */
    private record Final(ModelSide.ModelState state, List<ModelSide.Msg> messages, List<String> answers) {
    }

    /** The bucket's keys and each key's value and history, as {@code bucket} reads them. */
    private static List<String> answers(KvModelBucket bucket) throws Exception {
        List<String> out = new ArrayList<>();
        out.add(KvModelSteps.answer(bucket, "keys >"));
        for (String key : KvModelSteps.KEYS) {
            out.add(KvModelSteps.answer(bucket, "get " + key));
            out.add(KvModelSteps.answer(bucket, "history " + key));
        }
        return out;
    }
}
