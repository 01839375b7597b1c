package io.jetstart.it;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * One run of {@link RuntimeModelIT}: each step on the server, then on the runtime, the two answers
 * compared, then the two states; every step written to the trace with the server's answer (and
 * the runtime's where it differs), so a failure can be read back as a {@link RuntimeCornersIT}
 * scenario. Not thread-safe: the test's thread owns it.
 */
final class ModelRun implements AutoCloseable {
    /**
     * At most this many restarts in a run: each costs a second or so. Both sides restart, so that each
     * starts from its files only (the server's duplicate window and last msg id rebuilt from its
     * messages, as the runtime's are); the runtime against a server that kept its memory would
     * compare a restart with no restart.
     */
    static final int MAX_RESTARTS = 5;
    /** At most this many max_age phases in a run: each waits about 10 s for expiries, and CI runs the test on 2 shared cores. */
    static final int MAX_AGE_PHASES = 2;
    /** How long a side's background expiry may take to remove what max_age expired. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration SETTLE_POLL = Duration.ofMillis(50);
    private static final int RECENT = 25;

    private final long seed;
    private final Path traceFile;
    private final BufferedWriter trace;
    private final Deque<String> recent = new ArrayDeque<>();
    private final int maxRestarts;
    private int steps;
    private int restarts;
    private int phases;
    private long settleMillis;

    /** @param maxRestarts at most {@link #MAX_RESTARTS} */
    ModelRun(long seed, Path traceFile, int maxRestarts) throws IOException {
        this.seed = seed;
        this.maxRestarts = Math.min(maxRestarts, MAX_RESTARTS);
        this.traceFile = traceFile;
        this.trace = Files.newBufferedWriter(traceFile, StandardCharsets.UTF_8);
        note("seed " + seed);
    }

    /** {@code ops} drawn steps (a max_age phase counts as one); the first difference, or empty. */
    Optional<String> random(ModelServerSide server, ModelRuntimeSide runtime, ModelDraws draws, int ops) throws Exception {
        for (int op = 0; op < ops; op++) {
            String step = draws.next(runtime.stream());
            Optional<String> d;
            if (step.equals(ModelDraws.AGE_PHASE)) {
                if (phases >= MAX_AGE_PHASES) {
                    continue;
                }
                phases++;
                d = new AgePhase(this, draws, server, runtime, "op " + op).run();
            } else {
                if (step.equals("restart")) {
                    if (restarts >= maxRestarts) {
                        continue;
                    }
                    restarts++;
                }
                d = step("op " + op, step, server, runtime, draws);
            }
            if (d.isPresent()) {
                return d;
            }
        }
        return Optional.empty();
    }

    /** Runs {@code step} on both sides; the difference in the answers or in the states after it, or empty. */
    Optional<String> step(String context, String step, ModelServerSide server, ModelRuntimeSide runtime, ModelDraws draws)
            throws Exception {
        String a = server.run(step);
        String b = runtime.run(step);
        draws.answered(step, a);
        if (step.startsWith("update ")) {
            // A refused config is compared by its code: core's config check words the reason its own way
            // and does not claim the server's text (RuntimeCornersIT, known).
            a = a.replaceAll("^(error \\d+) .*", "$1");
            b = b.replaceAll("^(error \\d+) .*", "$1");
        }
        Optional<String> d = compare(context, step, a, b);
        return d.isPresent() ? d : sameState(context + " after '" + step + "'", server, runtime);
    }

    /**
     * Writes {@code step} to the trace with the server's answer (and the runtime's where it differs);
     * the difference, or empty. For a model with steps of its own ({@link KvModelIT}).
     */
    Optional<String> compare(String context, String step, String server, String runtime) throws IOException {
        steps++;
        write(step + "   # " + server + (server.equals(runtime) ? "" : "   # runtime: " + runtime));
        return server.equals(runtime) ? Optional.empty() : Optional.of(difference(context, "'" + step + "'", server, runtime));
    }

    /** The difference between the two sides' states, or empty. */
    Optional<String> sameState(String context, ModelSide server, ModelSide runtime) throws Exception {
        String a = server.state().compared();
        String b = runtime.state().compared();
        return a.equals(b) ? Optional.empty() : Optional.of(difference(context, "state", a, b));
    }

    /** Sleeps; both sides age on the one wall clock. */
    void sleep(long millis) throws InterruptedException, IOException {
        if (millis > 0) {
            write("sleep " + millis);
            Thread.sleep(millis);
        }
    }

    /**
     * Waits until neither side holds a message older than {@code maxAgeMillis} (each side's
     * background expiry is given {@link #SETTLE_TIMEOUT}), then compares the states. A side that
     * still holds one then is the difference.
     */
    Optional<String> settle(String context, long maxAgeMillis, ModelServerSide server, ModelRuntimeSide runtime) throws Exception {
        write("settle " + maxAgeMillis);
        long start = System.nanoTime();
        long deadline = start + SETTLE_TIMEOUT.toNanos();
        while (true) {
            boolean serverStale = stale(server.state(), maxAgeMillis);
            boolean runtimeStale = stale(runtime.state(), maxAgeMillis);
            if (!serverStale && !runtimeStale) {
                settleMillis = Math.max(settleMillis, (System.nanoTime() - start) / 1_000_000);
                return sameState(context + " after the messages older than " + maxAgeMillis + " ms expired", server, runtime);
            }
            if (System.nanoTime() > deadline) {
                return Optional.of(difference(context, "expiry after " + SETTLE_TIMEOUT.toSeconds() + " s",
                        (serverStale ? "still holds " : "expired ") + server.state().compared(),
                        (runtimeStale ? "still holds " : "expired ") + runtime.state().compared()));
            }
            Thread.sleep(SETTLE_POLL);
        }
    }

    private static boolean stale(ModelSide.ModelState s, long maxAgeMillis) {
        Instant now = Instant.now();
        long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return s.messages() > 0 && s.firstTsNanos() <= nowNanos - maxAgeMillis * 1_000_000L;
    }

    /** Every message either side holds, compared (without times: each side stamps from its own clock). */
    List<String> sameMessages(ModelSide server, ModelSide runtime) throws Exception {
        List<String> differences = new ArrayList<>();
        long last = Math.max(server.state().lastSeq(), runtime.state().lastSeq());
        for (long seq = 1; seq <= last && differences.size() < 20; seq++) {
            String a = server.message(seq).map(m -> m.compared(false)).orElse("none");
            String b = runtime.message(seq).map(m -> m.compared(false)).orElse("none");
            if (!a.equals(b)) {
                differences.add("at the end, message " + seq + " (seed " + seed + "): server " + a + ", runtime " + b);
            }
        }
        return differences;
    }

    /**
     * Runs {@code lines} (steps, {@code sleep MILLIS}, {@code settle MILLIS}; {@code #} starts a
     * comment) and prints both answers and states after each, whatever they are: a reproduction.
     */
    void replay(ModelServerSide server, ModelRuntimeSide runtime, List<String> lines) throws Exception {
        ModelDraws unused = new ModelDraws(new java.util.Random(0));
        for (String line : lines) {
            String step = line.replaceAll("#.*", "").strip();
            if (step.isEmpty()) {
                continue;
            }
            String[] w = step.split(" ");
            if (w[0].equals("sleep")) {
                sleep(Long.parseLong(w[1]));
                continue;
            }
            String outcome;
            if (w[0].equals("settle")) {
                outcome = settle("replay", Long.parseLong(w[1]), server, runtime).orElse("same");
            } else {
                String a = server.run(step);
                String b = runtime.run(step);
                unused.answered(step, a);
                outcome = a.equals(b) ? "same: " + a : "DIFFERENT: server " + a + ", runtime " + b;
            }
            String sa = server.state().compared();
            String sb = runtime.state().compared();
            System.out.println("[it] replay " + step + "\n       " + outcome + "\n       state "
                    + (sa.equals(sb) ? "same: " + sa : "DIFFERENT: server " + sa + ", runtime " + sb));
        }
    }

    private String difference(String context, String what, String server, String runtime) {
        return context + " (seed " + seed + "): " + what + ": server " + server + ", runtime " + runtime
                + "\nthe steps before it (trace " + traceFile + "):\n  " + String.join("\n  ", recent);
    }

    void note(String comment) throws IOException {
        write("# " + comment);
    }

    private void write(String line) throws IOException {
        trace.write(line);
        trace.newLine();
        recent.addLast(line);
        if (recent.size() > RECENT) {
            recent.removeFirst();
        }
    }

    Path traceFile() {
        return traceFile;
    }

    String summary() {
        return steps + " steps, " + restarts + " restarts, " + phases + " max_age phases (longest expiry wait " + settleMillis + " ms)";
    }

    @Override
    public void close() throws IOException {
        trace.close();
    }
}
