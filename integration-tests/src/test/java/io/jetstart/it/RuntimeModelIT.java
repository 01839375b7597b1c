package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
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
 * the same state; at the end both hold the same messages.
 *
 * <p>The first difference ends the run; every step and both answers are in {@code trace.txt} in
 * the test's work folder, in {@link RuntimeCornersIT}'s step language. The seed is printed;
 * {@code -Djetstart.model.seed=S} replays it, {@code -Djetstart.model.ops=N} (default 600) sets the
 * length. {@code -Djetstart.model.steps=FILE} runs the steps of a file instead (one per line,
 * {@code #} comments, {@code sleep MILLIS}, {@code settle MILLIS} to wait for max_age expiry),
 * printing both answers to each: a difference's reproduction, checked by hand.
 */
class RuntimeModelIT {
    private final Path tmp = Repo.work("RuntimeModelIT");

    @Test
    void theRuntimeAnswersEveryOperationAsTheServerDoes() throws Exception {
        NatsServerBinary newest = NatsServers.discover().requireV214Plus();
        long seed = Long.getLong("jetstart.model.seed", System.nanoTime());
        int ops = Integer.getInteger("jetstart.model.ops", 600);
        String steps = System.getProperty("jetstart.model.steps");
        System.out.println("[it] RuntimeModelIT: " + (steps != null ? "steps of " + steps : ops + " operations, seed " + seed)
                + ", " + newest);
        Path runtimeStore = Files.createDirectories(tmp.resolve("runtime"));
        ModelRun run = new ModelRun(seed, tmp.resolve("trace.txt"));
        List<String> differences = new ArrayList<>();
        try (ModelServerSide server = ModelServerSide.start(newest, tmp.resolve("server-store"), tmp.resolve("server"));
             ModelRuntimeSide runtime = ModelRuntimeSide.open(runtimeStore, 0)) {
            String config = ModelLimits.initial().json();
            assertThat(runtime.create(config)).as("the runtime creates " + config).isEqualTo(server.create(config)).isEqualTo("updated");
            if (steps != null) {
                run.replay(server, runtime, Files.readAllLines(Path.of(steps)));
                return;
            }
            Optional<String> found = run.random(server, runtime, new ModelDraws(new Random(seed)), ops);
            found.ifPresent(differences::add);
            if (found.isEmpty()) {
                differences.addAll(run.sameMessages(server, runtime));
            }
            if (differences.isEmpty()) {
                System.out.println("[it] RuntimeModelIT: " + runtime.state().compared() + "; " + run.summary());
            }
        } finally {
            run.close();
        }
        assertThat(differences).as("seed " + seed + "; trace in " + run.traceFile()).isEmpty();
    }
}
