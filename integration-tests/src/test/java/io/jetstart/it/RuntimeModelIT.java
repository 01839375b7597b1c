package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.runtime.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The same random sequence of what users do to a stream, on nats-server 2.14+ (through jnats) and
 * on the runtime ({@link ModelDraws} draws it, {@link ModelSide} runs it on each): publishes (msg
 * ids, expected last sequence, subject sequence on the message's subject, another or a wildcard,
 * expected stream, expected last msg id, right and wrong; rollups {@code sub}, {@code all} and
 * invalid; empty payloads, headers-only messages, subjects outside the stream), deletes and secure
 * erases, purges (all, by subject, keep with and without a subject, up to a sequence with and
 * without one), reads ({@code get}, last by subject with {@code m.*} and {@code >}, next from a
 * sequence with a filter), config changes (max_msgs, max_bytes, discard old/new, max_msgs_per_subject
 * lowered below what subjects hold, discard_new_per_subject, max_msg_size, allow_rollup_hdrs, refused
 * ones), max_age phases in which messages expire on both sides ({@link AgePhase}), and restarts of
 * both sides on their files. Every step must get the same answer (sequence, duplicate flag, purged
 * count, error code and text, message read, headers included), and after every step both report
 * the same state; at the end both hold the same messages. Then nats-server 2.15.1 and 2.10.27 are
 * started on a copy of the runtime's store, with its {@code index.db} and without: they must report
 * the runtime's state and serve each of its messages byte for byte, time included (the runtime
 * writes files the server reads as its own). Even seeds run the runtime with 2 KiB blocks.
 *
 * <p>The first difference ends the run; every step and both answers are in {@code trace.txt} in
 * the test's work folder, in {@link RuntimeCornersIT}'s step language. The seed is printed;
 * {@code -Djetstart.model.seed=S} replays it, {@code -Djetstart.model.ops=N} (default 600) sets the
 * length. {@code -Djetstart.model.steps=FILE} runs the steps of a file instead (one per line,
 * {@code #} comments, {@code sleep MILLIS}, {@code settle MILLIS} to wait for max_age expiry),
 * printing both answers to each and, at the end, what the servers read from the runtime's files: a
 * difference's reproduction, checked by hand.
 *
 * <p>A second test runs the same against nats-server 2.10.27, the runtime on the 2.10 line
 * ({@code index.db} v1): the draws keep to what 2.10.27 has and leave out where it answers otherwise
 * than the runtime ({@link ModelLine}, {@link ModelDraws}; docs/compatibility.md, "The runtime on the
 * 2.10 line"). {@code -Djetstart.model.runs=N} runs N seeds from the given one (each in its own
 * folder, every difference reported at the end), {@code -Djetstart.model.line=2.10} (or {@code 2.14+})
 * one line only.
 */
class RuntimeModelIT {
    private Path tmp;

    @Test
    void theRuntimeAnswersEveryOperationAsTheServerDoes() throws Exception {
        NatsServers servers = NatsServers.discover();
        runs(ModelLine.newest(servers), servers);
    }

    /**
     * The same on nats-server 2.10.27, the runtime set to the 2.10 line ({@code index.db} v1, the
     * 2.10 rules): the draws keep to what 2.10.27 has ({@link ModelLine}), and at the end both
     * servers start on the runtime's files as above.
     */
    @Test
    void onThe210LineTheRuntimeAnswersEveryOperationAs2_10_27Does() throws Exception {
        NatsServers servers = NatsServers.discover();
        runs(ModelLine.v210(servers), servers);
    }

    /**
     * One seed, or with {@code -Djetstart.model.runs=N} N seeds (the given or a random one, then the
     * next ones), each in its own folder; {@code -Djetstart.model.line=2.10} (or {@code 2.14+}) runs
     * the one line only. Every seed runs to its end: the differences of all are reported together.
     */
    private void runs(ModelLine line, NatsServers servers) throws Exception {
        String only = System.getProperty("jetstart.model.line", "");
        Assumptions.assumeTrue(only.isEmpty() || only.equals(line.label()), "jetstart.model.line=" + only);
        long first = Long.getLong("jetstart.model.seed", System.nanoTime());
        int runs = Math.max(1, Integer.getInteger("jetstart.model.runs", 1));
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            tmp = Repo.work("RuntimeModelIT/" + line.label() + (runs == 1 ? "" : "/" + (first + i)));
            List<String> found = run(line, servers, first + i);
            differences.addAll(found);
            if (runs > 1) {
                System.out.println("[it] RuntimeModelIT " + line.label() + " seed " + (first + i) + ": "
                        + (found.isEmpty() ? "same" : found.size() + " differences: " + found.get(0)));
            }
        }
        if (System.getProperty("jetstart.model.steps") == null) {
            assertThat(differences).as(line.label() + ", seeds " + first + " to " + (first + runs - 1)).isEmpty();
        }
    }

    private List<String> run(ModelLine line, NatsServers servers, long seed) throws Exception {
        List<NatsServerBinary> ends = servers.requireV210AndV214Plus();
        int ops = Integer.getInteger("jetstart.model.ops", 600);
        String steps = System.getProperty("jetstart.model.steps");
        // The even seeds with small blocks: removals, erases, purges and restarts across many blocks and
        // their index.db entries, which the servers read at the end.
        int blockSize = Math.floorMod(seed, 2) == 0 ? 2048 : 0;
        System.out.println("[it] RuntimeModelIT: " + (steps != null ? "steps of " + steps : ops + " operations, seed " + seed)
                + ", " + line + ", runtime blocks of " + (blockSize == 0 ? "the server's size" : blockSize + " bytes"));
        Path runtimeStore = Files.createDirectories(tmp.resolve("runtime"));
        ModelRun run = new ModelRun(seed, tmp.resolve("trace.txt"), ModelRun.MAX_RESTARTS);
        List<String> differences = new ArrayList<>();
        try (ModelServerSide server = ModelServerSide.start(line.binary(), tmp.resolve("server-store"), tmp.resolve("server"));
             ModelRuntimeSide runtime = ModelRuntimeSide.open(runtimeStore,
                     line.runtime(RuntimeOptions.defaults()).withBlockSize(blockSize), ModelLimits.NAME)) {
            String config = ModelLimits.initial().json();
            assertThat(runtime.create(config)).as("the runtime creates " + config).isEqualTo(server.create(config)).isEqualTo("updated");
            if (steps != null) {
                run.replay(server, runtime, Files.readAllLines(Path.of(steps)));
            } else {
                run.random(server, runtime, new ModelDraws(new Random(seed), line), ops).ifPresent(differences::add);
            }
            if (differences.isEmpty()) {
                differences.addAll(run.sameMessages(server, runtime));
            }
            if (differences.isEmpty()) {
                runtime.flush();
                ModelSide.ModelState state = runtime.state();
                List<ModelSide.Msg> messages = new ArrayList<>();
                for (long seq = state.firstSeq(); seq <= state.lastSeq(); seq++) {
                    runtime.message(seq).ifPresent(messages::add);
                }
                runtime.close();
                for (NatsServerBinary binary : ends) {
                    differences.addAll(onRuntimeFiles(binary, runtimeStore, false, state, messages));
                    differences.addAll(onRuntimeFiles(binary, runtimeStore, true, state, messages));
                }
                System.out.println("[it] RuntimeModelIT: " + state.compared() + "; " + run.summary());
            }
        } finally {
            run.close();
        }
        if (steps != null) {
            // A reproduction: what the servers read from the runtime's files is printed like the answers, not failed.
            System.out.println("[it] replay end: " + (differences.isEmpty() ? "the same messages; both servers read the runtime's files"
                    + " as it does, with index.db and without" : String.join("\n       ", differences)));
            return List.of();
        }
        return differences.stream().map(d -> "seed " + seed + " (trace " + run.traceFile() + "): " + d).toList();
    }

    /**
     * {@code binary} started on a copy of the runtime's closed store: the state it reports and every
     * message it serves against the runtime's, the first message's time and each message's included.
     * With {@code loseIndex} every {@code index.db} is deleted first: the server rebuilds from the
     * blocks, where every removal must have left its tombstone (nothing removed comes back).
     */
    private List<String> onRuntimeFiles(NatsServerBinary binary, Path runtimeStore, boolean loseIndex, ModelSide.ModelState state,
                                        List<ModelSide.Msg> messages) throws Exception {
        Path dir = tmp.resolve("on-" + binary.version() + (loseIndex ? "-without-index" : ""));
        Path copy = StoreFiles.copy(runtimeStore, dir.resolve("store"));
        if (loseIndex) {
            StoreFiles.deleteIndexDbs(copy);
        }
        // A stream that never held a message keeps the first 1 a purge gave it in index.db only: rebuilt from
        // the blocks, both servers report first 0 for their own files as for the runtime's.
        ModelSide.ModelState expected = loseIndex && state.lastSeq() == 0 ? state.withFirstSeq(0) : state;
        List<String> differences = new ArrayList<>();
        try (ModelServerSide server = ModelServerSide.start(binary, copy, dir)) {
            ModelSide.ModelState served = server.state();
            String where = binary + " on the runtime's store" + (loseIndex ? " without index.db" : "") + ": ";
            if (!served.compared().equals(expected.compared()) || served.firstTsNanos() != expected.firstTsNanos()) {
                differences.add(where + "state " + served.compared() + ", first time " + served.firstTsNanos() + "; runtime "
                        + state.compared() + ", first time " + state.firstTsNanos());
            }
            int i = 0;
            for (long seq = state.firstSeq(); seq <= state.lastSeq() && differences.size() < 20; seq++) {
                Optional<ModelSide.Msg> s = server.message(seq);
                Optional<ModelSide.Msg> r = i < messages.size() && messages.get(i).seq() == seq ? Optional.of(messages.get(i++))
                        : Optional.empty();
                String a = s.map(m -> m.compared(true)).orElse("none");
                String b = r.map(m -> m.compared(true)).orElse("none");
                if (!a.equals(b)) {
                    differences.add(where + "message " + seq + ": server " + a + ", runtime " + b);
                }
            }
            // The server took the runtime's index.db as its own (it rebuilds from the blocks when it does not).
            for (String refusal : loseIndex ? List.<String>of() : List.of("Recovering stream state from index errored",
                    "Stream state outdated", "internal inconsistency")) {
                if (server.log().contains(refusal)) {
                    differences.add(where + "the log says '" + refusal + "': " + server.warnings());
                }
            }
            if (server.log().contains("Error recreating stream")) {
                differences.add(where + "the stream was not recreated: " + server.warnings());
            }
        }
        return differences;
    }
}
