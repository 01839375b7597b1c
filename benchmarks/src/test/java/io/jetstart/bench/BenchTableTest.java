package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchTableTest {
    private static final ServerBuild V215 = new ServerBuild(Path.of("nats-server-2.15.1"), new ServerBuild.Version(2, 15, 1));
    private static final ServerBuild V29 = new ServerBuild(Path.of("nats-server-2.9.10"), new ServerBuild.Version(2, 9, 10));

    private static Sample jetstart(long ms) {
        return new Sample((ms + 200) * 1_000_000L, ms * 1_000_000L, 10 << 20, 80 << 20, (ms + 300) * 1_000_000L, 8_000_000, 4, null);
    }

    private static Sample server(long ms) {
        return new Sample(ms * 1_000_000L, (ms - 10) * 1_000_000L, -1, 30 << 20, ms * 1_000_000L, 8_000_000, -1, null);
    }

    private static BenchResult result(String workload, List<BenchResult.Row> rebuild) {
        Workload w = workload.equals("custom") ? Workload.custom(GeneratorSpec.of(1, 10, 1)) : Workload.named(workload, 2);
        var prepared = new WorkloadCache.Prepared(w, Path.of("d"), Path.of("d/store"), Path.of("d/rebuild"), 136, 1_072_000_000L);
        return new BenchResult(prepared, new Machine(2, "CPU", 1L << 34, "25", "Linux"), 3, List.of(), "jetstart bench " + workload,
                "warm", List.of(new BenchResult.Section(Mode.REBUILD, rebuild)), List.of());
    }

    @Test
    void theServerRatioDividesJetstartsRecoveryWallByTheServersExecToReady() {
        String t = BenchTable.render(result("custom", List.of(
                new BenchResult.Row(Variant.Recover.PARALLEL, List.of(jetstart(100), jetstart(120), jetstart(110)), null),
                new BenchResult.Row(new Variant.Server(V215, true), List.of(server(400), server(440), server(420)), null))));
        assertThat(t).contains("| jetstart parallel / nats-server 2.15.1 (recovery wall vs exec to ready) | — | 0.26 |");
        // From exec: (110 + 200) / 420.
        assertThat(t).contains("| jetstart parallel / nats-server 2.15.1 (both from exec) | — | 0.74 |");
        // CPU from exec: (110 + 300) / 420.
        assertThat(t).contains("| jetstart parallel / nats-server 2.15.1 (CPU from exec) | — | 0.98 |");
    }

    @Test
    void aRowShowsMinAndMedianOfItsOwnFigure() {
        String t = BenchTable.render(result("custom", List.of(
                new BenchResult.Row(Variant.Recover.PARALLEL, List.of(jetstart(1500), jetstart(1400), jetstart(1450)), null))));
        assertThat(t).contains("| jetstart parallel (default) — 4 workers | 1,400 ms | 1,450 ms | 1,650 ms | 1,750 ms |");
    }

    @Test
    void theCompilePolicyRatioDividesTheTieredRunByTheC1OnlyRun() {
        String t = BenchTable.render(result("custom", List.of(
                new BenchResult.Row(Variant.Recover.PARALLEL_TIERED, List.of(jetstart(900)), null),
                new BenchResult.Row(Variant.Recover.PARALLEL_C1, List.of(jetstart(600)), null))));
        assertThat(t).contains("| jetstart parallel (default), tiered JIT (C1 + C2) — 4 workers |")
                .contains("| jetstart parallel (default), C1 only — 4 workers |")
                .contains("| compile policy: tiered (C1 + C2) / C1 only (parallel) | — | 1.50 |");
    }

    @Test
    void aFailedRunIsShownAsFailedWithItsReason() {
        String t = BenchTable.render(result("custom", List.of(
                new BenchResult.Row(Variant.Recover.SEQUENTIAL, List.of(jetstart(10), Sample.failed(5, "out of memory")), null))));
        assertThat(t).contains("FAILED 1 of 2").contains("out of memory");
    }

    @Test
    void seed8TargetsAreJudgedOnMedians() {
        BenchResult r = result("seed8", List.of(
                new BenchResult.Row(Variant.Recover.PARALLEL, List.of(jetstart(300)), null),
                new BenchResult.Row(Variant.Recover.PARALLEL_WARM, List.of(jetstart(250)), null),
                new BenchResult.Row(Variant.Recover.workers(2), List.of(jetstart(200)), null),
                new BenchResult.Row(Variant.Recover.workers(1), List.of(jetstart(390)), null),
                new BenchResult.Row(Variant.Recover.workersWarm(1), List.of(jetstart(300)), null),
                new BenchResult.Row(Variant.Recover.workersWarm(2), List.of(jetstart(200)), null),
                new BenchResult.Row(new Variant.Server(V215, true), List.of(server(500)), null),
                new BenchResult.Row(new Variant.Server(V29, false), List.of(server(2500)), null)));
        List<Targets.Check> checks = Targets.evaluate(r);
        // rebuild <= 0.7 x server, 2-worker speed-up fresh and warm >= 1.6, warm <= 0.4 x server, -Xmx64m
        assertThat(checks).extracting(Targets.Check::met).containsExactly(true, true, false, false, null);
        assertThat(checks.get(0).measured()).isEqualTo("0.60");
        assertThat(checks.get(1).measured()).isEqualTo("1.95");
        assertThat(checks.get(2).goal()).contains("warm JVM");
        assertThat(checks.get(2).measured()).isEqualTo("1.50");
        assertThat(checks.get(3).measured()).isEqualTo("0.50");
    }

    @Test
    void manyTargetsIncludeParallelFasterThanSequential() {
        BenchResult r = result("many", List.of(
                new BenchResult.Row(Variant.Recover.PARALLEL, List.of(jetstart(400)), null),
                new BenchResult.Row(Variant.Recover.SEQUENTIAL, List.of(jetstart(500)), null),
                new BenchResult.Row(new Variant.Server(V215, true), List.of(server(700)), null)));
        List<Targets.Check> checks = Targets.evaluate(r);
        assertThat(checks).extracting(Targets.Check::goal).containsExactly(
                "fast path: jetstart parallel <= 0.3 x nats-server (parallel startup)",
                "rebuild: jetstart parallel <= 0.6 x nats-server (parallel startup)",
                "fast path: jetstart parallel / --sequential < 1",
                "rebuild: jetstart parallel / --sequential < 1");
        // The result's only section is the rebuild: 400 / 700 and 400 / 500.
        assertThat(checks).extracting(Targets.Check::met).containsExactly(null, true, null, true);
        assertThat(checks.get(3).measured()).isEqualTo("0.80");
    }

    @Test
    void manyTargetsJudgeTheRowsAsTheLauncherStartsThemWhenTheRunHasThem() {
        BenchResult r = result("many", List.of(
                new BenchResult.Row(Variant.Recover.PARALLEL, List.of(jetstart(400)), null),
                new BenchResult.Row(Variant.Recover.PARALLEL_LAUNCHER, List.of(jetstart(350)), null),
                new BenchResult.Row(Variant.Recover.SEQUENTIAL, List.of(jetstart(390)), null),
                new BenchResult.Row(Variant.Recover.SEQUENTIAL_LAUNCHER, List.of(jetstart(300)), null),
                new BenchResult.Row(new Variant.Server(V215, true), List.of(server(700)), null)));
        List<Targets.Check> checks = Targets.evaluate(r);
        assertThat(checks.get(1).goal()).isEqualTo("rebuild: jetstart parallel as ./jetstart starts it <= 0.6 x nats-server (parallel startup)");
        assertThat(checks.get(1).measured()).isEqualTo("0.50");
        assertThat(checks.get(3).goal()).isEqualTo("rebuild: jetstart parallel / --sequential < 1 (as ./jetstart starts them)");
        assertThat(checks.get(3).measured()).isEqualTo("1.17");
        assertThat(checks.get(3).met()).isFalse();
        assertThat(BenchTable.render(r)).contains("| jetstart parallel as ./jetstart starts it / nats-server 2.15.1 (recovery wall vs exec to ready) | — | 0.50 |");
    }

    @Test
    void durationsKeepOneDecimalOnlyBelow100Ms() {
        assertThat(BenchTable.duration(7_340_000)).isEqualTo("7.3 ms");
        assertThat(BenchTable.duration(1_438_200_000)).isEqualTo("1,438 ms");
    }
}
