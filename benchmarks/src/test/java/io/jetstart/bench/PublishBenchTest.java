package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.runtime.SyncPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jetstart bench publish} end to end, tiny and without servers: every row publishes and is
 * acked, the floors replay the runtime's batches, every row of the open target opens its own copy,
 * and the table carries a verdict for every target. No assertion looks at a speed.
 */
class PublishBenchTest {
    private static PublishBench.Settings tiny(Path work, Path cache, String... parts) {
        return new PublishBench.Settings(300, 20, 50, List.of(1, 3), 2, 16, Optional.empty(), work, 1, 1_000,
                "jetstart bench publish (test)", 120_000_000_000L, List.of(), cache, java.util.Set.of(parts));
    }

    @Test
    void everyRowIsAckedInFullInEveryRunAndTheFloorsReplayTheRuntimesBatches(@TempDir Path work, @TempDir Path cache) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PublishBench.Result r = new PublishBench(tiny(work, cache, PublishBench.PUBLISH), new PrintStream(log, true, StandardCharsets.UTF_8)).run();

        assertThat(r.variants()).hasSize(12);
        for (PublishVariant v : r.variants()) {
            long expected = v.always() ? 20 : 300;
            assertThat(r.samples(v)).as(v.label() + "\n" + log).hasSize(2)
                    .allSatisfy(s -> {
                        assertThat(s.ok()).as(s.failure()).isTrue();
                        assertThat(s.messages()).isEqualTo(expected);
                        assertThat(s.elapsedNanos()).isPositive();
                    });
        }
        PublishVariant.InProcess one = new PublishVariant.InProcess(SyncPolicy.ALWAYS, 1, false);
        PublishSample first = r.samples(one).get(0);
        // One publisher waiting for each ack: every batch is one 50-byte message (22 + 5 + 50 + 8 bytes).
        assertThat(first.batchBytes()).hasSize(20).containsOnly(85L);
        assertThat(first.p50Nanos()).isPositive().isLessThanOrEqualTo(first.p99Nanos());
        assertThat(r.openRows()).as("--only publish").isEmpty();
        try (var left = Files.list(work)) {
            assertThat(left.toList()).as("stores deleted after their runs").isEmpty();
        }
    }

    @Test
    void everyOpenRowOpensACopyWithTheSmallStreamWritableBeforeTheRecoveryEnds(@TempDir Path work, @TempDir Path cache) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PublishBench.Settings s = tiny(work, cache, PublishBench.OPEN);
        s = new PublishBench.Settings(s.messages(), s.alwaysMessages(), s.size(), s.publishers(), 1, s.window(), s.server(), work, 2, 1_000,
                s.command(), s.timeoutNanos(), s.notes(), cache, s.parts());
        PublishBench.Result r = new PublishBench(s, new PrintStream(log, true, StandardCharsets.UTF_8)).run();

        assertThat(r.variants()).as("--only open").isEmpty();
        assertThat(r.openRows()).hasSize(OpenBench.rows().size());
        for (OpenBench.Row row : r.openRows()) {
            if (row.jvm() == OpenBench.Jvm.FRESH_AOT && r.openAotFailure() != null) {
                // Surefire's class path has folders, which an AOT cache does not take (the bench's jar does).
                assertThat(r.opens(row)).singleElement().satisfies(o -> assertThat(o.failure()).startsWith("no AOT cache: "));
                continue;
            }
            assertThat(r.opens(row)).as(row.label() + "\n" + log).singleElement().satisfies(o -> {
                assertThat(o.ok()).as(o.failure()).isTrue();
                assertThat(o.smallServedNanos()).isPositive().isLessThanOrEqualTo(o.smallAckNanos());
                assertThat(o.smallAckNanos()).isLessThanOrEqualTo(o.recoveryNanos());
                // 2 x 1,000 in the big streams, 10 written at prepare, one more by the open itself:
                // each open has a new copy.
                assertThat(o.messages()).isEqualTo(2_011L);
            });
        }
        try (var left = Files.list(work)) {
            assertThat(left.toList()).as("stores deleted after their runs").isEmpty();
        }
        String table = PublishTable.render(r);
        assertThat(table).contains("| index.db lost (rebuild) | fresh JVM + AOT cache | defaults (small first) |")
                .contains("| index.db intact | this JVM (warm) | largest first (neither) |")
                .containsPattern("\\| open \\(index.db lost \\(rebuild\\), fresh JVM\\): the small stream writable \\(served\\) in <= 5 % "
                        + "of the whole recovery \\| [0-9.]+ % \\(first ack [0-9.]+ %\\) \\| (PASS|MISS) \\|")
                .containsPattern("\\| open \\(index.db intact, this JVM \\(warm\\), SMALL named first\\): the small stream writable "
                        + "\\(served\\) in <= 5 % of the whole recovery \\| [0-9.]+ % \\(first ack [0-9.]+ %\\) \\| (PASS|MISS) \\|");
    }

    @Test
    void theTableGivesEveryTargetAVerdictAndSaysWhatWasNotMeasured(@TempDir Path work) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "publish", "--messages", "200", "--always-messages", "10", "--size", "10", "--publishers", "1,64", "--runs", "1",
                "--window", "8", "--only", "publish", "--no-servers", "--dir", work.toString());

        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(table).contains("| jetstart sync always, 64 publishers | 10 |")
                .contains("| raw append + fsync floor, batches of: sync always, 1 publisher | 10 |")
                .contains("--no-servers: no server rows")
                .containsPattern("\\| default sync: .* \\| not measured in this run \\| not measured \\|")
                .containsPattern("\\| sync always: 64 publishers >= 20 × 1 publisher msgs/s \\| [0-9.]+ × \\| (PASS|MISS) \\|")
                .doesNotContain("open (");
    }

    @Test
    void cliMdsSynopsisListsExactlyTheCommandsOptions() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("docs/cli.md"))) {
            dir = dir.getParent();
        }
        String doc = Files.readString(dir.resolve("docs/cli.md"));
        int start = doc.indexOf("```\njetstart bench publish", doc.indexOf("## `bench publish`"));
        String synopsis = doc.substring(start + 4, doc.indexOf("```", start + 4));
        java.util.Set<String> documented = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("--[a-z-]+").matcher(synopsis);
        while (m.find()) {
            documented.add(m.group());
        }
        java.util.Set<String> real = new java.util.TreeSet<>(new picocli.CommandLine(new PublishBenchMain(new String[0], System.out, System.err)).getCommandSpec().optionsMap().keySet());
        real.removeIf(o -> !o.startsWith("--") || o.equals("--help") || o.equals("--version"));

        assertThat(documented).isEqualTo(real);
    }

    @Test
    void wrongOptionsExitWith64() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchMain.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                "publish", "--publishers", "0");

        assertThat(status).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--publishers must be 1..10000");
    }

    @Test
    void theFloorWritesExactlyTheBatchesBytes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("floor.blk");
        PublishSample s = AppendFloor.run(file, 7, new long[] {130, 390, 390}, true);

        assertThat(Files.size(file)).isEqualTo(910);
        assertThat(s.messages()).isEqualTo(7);
        assertThat(s.p50Nanos()).isEqualTo(-1);
    }

    @Test
    void theServerConfigListensOnLoopbackAndSyncsAlwaysOnlyWhenAsked() {
        String always = ServerPublish.config(Path.of("/data/js"), 4222, true);
        String dflt = ServerPublish.config(Path.of("/data/js"), 4222, false);

        assertThat(always).contains("listen: \"127.0.0.1:4222\"").contains("store_dir: \"/data/js\"").contains("sync_interval: always");
        assertThat(dflt).contains("store_dir: \"/data/js\"").doesNotContain("sync_interval");
    }

    @Test
    void percentilesAreNearestRankOverAnUnsortedCopy() {
        long[] v = {50, 10, 40, 30, 20, 60, 70, 80, 90, 100};

        assertThat(Latencies.percentile(v, 50)).isEqualTo(50);
        assertThat(Latencies.percentile(v, 99)).isEqualTo(100);
        assertThat(Latencies.percentile(v, 10)).isEqualTo(10);
        assertThat(v[0]).as("the caller's order is kept").isEqualTo(50);
        assertThat(Latencies.percentile(new long[0], 50)).isEqualTo(-1);
    }
}
