package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench end to end on a tiny store, without servers: it generates, caches, runs fresh JVMs and
 * reports. Nothing here looks at a time except that one was measured.
 */
class StartupBenchTest {
    private static final Workload TINY = Workload.custom(GeneratorSpec.of(3, 2_000, 20).withConsumers(1));

    private StartupBench.Settings settings(Path cache, Set<String> only) {
        return new StartupBench.Settings(TINY, 1, false, cache, null, List.of("-Xmx64m"), EnumSet.allOf(Mode.class), only,
                "jetstart bench (test)", 120_000_000_000L);
    }

    @Test
    void aRunRecoversEveryMessageOnBothPathsAndReportsMemory(@TempDir Path cache) throws IOException, InterruptedException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchResult r = new StartupBench(settings(cache, Set.of("parallel", "floor")), new PrintStream(log, true, StandardCharsets.UTF_8))
                .run();
        BenchResult.Row fast = r.section(Mode.FAST).orElseThrow().row("parallel").orElseThrow();
        BenchResult.Row rebuild = r.section(Mode.REBUILD).orElseThrow().row("parallel").orElseThrow();
        BenchResult.Row floor = r.section(Mode.REBUILD).orElseThrow().row("floor").orElseThrow();
        assertThat(List.of(fast, rebuild, floor)).allSatisfy(row -> assertThat(row.measured()).as(log.toString()).isTrue());
        assertThat(rebuild.samples().get(0).messages()).isEqualTo(6_000);
        assertThat(rebuild.samples().get(0).heapPeak()).isPositive();
        assertThat(rebuild.samples().get(0).innerNanos()).isPositive().isLessThan(rebuild.samples().get(0).fromExecNanos());
        assertThat(floor.samples().get(0).innerNanos()).isPositive();
    }

    @Test
    void theRebuildCopyHasEmptyIndexesAndTheCacheIsReusedOnTheNextRun(@TempDir Path cache) throws IOException, InterruptedException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        WorkloadCache wc = new WorkloadCache(cache);
        WorkloadCache.Prepared first = wc.prepare(TINY, quiet);
        Path block = RawReadFloor.blockFiles(first.store()).get(0);
        long modified = Files.getLastModifiedTime(block).toMillis();
        WorkloadCache.Prepared again = wc.prepare(TINY, quiet);
        assertThat(Files.getLastModifiedTime(RawReadFloor.blockFiles(again.store()).get(0)).toMillis()).isEqualTo(modified);
        try (var s = Files.walk(first.rebuild())) {
            assertThat(s.filter(p -> p.getFileName().toString().equals("index.db")).toList()).hasSize(3)
                    .allSatisfy(p -> assertThat(Files.size(p)).isZero());
        }
        assertThat(first.blockBytes()).isPositive();
    }

    @Test
    void theLauncherStyleTrainingRecoversTheWarmupStoreWithAndWithoutIndexDb(@TempDir Path work)
            throws IOException, InterruptedException {
        Path cacheFile = work.resolve("jetstart.aot");
        String why = new JetstartRunner(List.of(), 120_000_000_000L).trainLauncherAotCache(work, work, cacheFile);
        // From a jar (./jetstart bench) the JVM writes the cache; from the test's class directories it
        // refuses to (a JDK rule), but only after the recovery it trains on has run: the result line
        // is of the rebuild of WarmupCommand's store (4 x 20,000 messages).
        if (why != null) {
            assertThat(why).contains("messages=80000", "rebuilt=4", "ok=true", "non-empty directory");
        } else {
            assertThat(cacheFile).isNotEmptyFile();
        }
        assertThat(Variant.Recover.PARALLEL_LAUNCHER.label()).isEqualTo("jetstart parallel (default), as ./jetstart starts it (its AOT cache)");
        assertThat(Variant.Recover.PARALLEL_LAUNCHER.key()).isEqualTo("parallel-launcher");
    }

    @Test
    void theRebuildPlanHasEveryJetstartVariantAndBothFloors(@TempDir Path cache) {
        var plan = new StartupBench(settings(cache, Set.of()), System.err).plan(java.util.Optional.empty(), java.util.Optional.empty());
        assertThat(plan.get(Mode.REBUILD)).extracting(Variant::key).contains("parallel", "parallel-launcher", "parallel-aot",
                "workers1", "sequential", "floor", "floor1");
        assertThat(plan.get(Mode.FAST)).extracting(Variant::key).doesNotContain("floor", "floor1");
    }
}
