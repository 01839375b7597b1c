package io.jetstart.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The performance goals of issue 13 (a fresh JVM as {@code ./jetstart} starts it, on 2 cores,
 * warm cache, same run), checked against a result's medians: the rows "as ./jetstart starts it"
 * where the run has them ({@link Variant.Aot#LAUNCHER}), else the rows without an AOT cache. They are goals, not tests: a miss is
 * reported, profiled and explained in {@code docs/BENCHMARKS.md}, never failed.
 *
 * <pre>
 *  seed8  rebuild  jetstart parallel <= 0.7 x nats-server 2.12.2+ (recovery wall vs exec to ready)
 *  seed8  rebuild  --workers 1 / --workers 2 >= 1.6     (a fresh JVM, and the 4th recovery in one JVM)
 *  seed8  rebuild  warm JVM (4th recovery in one JVM) <= 0.4 x nats-server
 *  seed8  rebuild  succeeds under -Xmx64m (only when the run passed that option)
 *  many   fast     jetstart parallel <= 0.3 x nats-server; rebuild <= 0.6 x
 *  many   both     jetstart parallel faster than --sequential
 *  huge   rebuild  --workers 1 / --workers 2 >= 1.8      (issue 6)
 * </pre>
 */
final class Targets {
    /** One goal: {@code met} is null when this run could not measure it. */
    record Check(String goal, String measured, Boolean met) {
    }

    private Targets() {
    }

    static List<Check> evaluate(BenchResult r) {
        List<Check> out = new ArrayList<>();
        String w = r.prepared().workload().name();
        switch (w) {
            case "seed8" -> {
                atMostServer(out, r, Mode.REBUILD, 0.7);
                speedup(out, r, 1.6);
                out.add(ratio("rebuild, warm JVM: jetstart parallel <= 0.4 x nats-server (parallel startup)",
                        r.median(Mode.REBUILD, Variant.Recover.PARALLEL_WARM.key()), r.median(Mode.REBUILD, "server-parallel"), 0.4, true));
                boolean small = r.jvmOptions().contains("-Xmx64m");
                Optional<BenchResult.Row> row = r.section(Mode.REBUILD).flatMap(s -> s.row(Variant.Recover.PARALLEL.key()));
                out.add(new Check("rebuild succeeds under -Xmx64m", small ? row.map(x -> x.measured() ? "every run whole" : "a run failed")
                        .orElse("not run") : "not checked in this run (add --jvm-opt=-Xmx64m)",
                        small ? row.map(BenchResult.Row::measured).orElse(null) : null));
            }
            case "many" -> {
                atMostServer(out, r, Mode.FAST, 0.3);
                atMostServer(out, r, Mode.REBUILD, 0.6);
                for (Mode m : Mode.values()) {
                    boolean launcher = r.median(m, Variant.Recover.PARALLEL_LAUNCHER.key()).isPresent()
                            && r.median(m, Variant.Recover.SEQUENTIAL_LAUNCHER.key()).isPresent();
                    Variant.Recover par = launcher ? Variant.Recover.PARALLEL_LAUNCHER : Variant.Recover.PARALLEL;
                    Variant.Recover seq = launcher ? Variant.Recover.SEQUENTIAL_LAUNCHER : Variant.Recover.SEQUENTIAL;
                    out.add(ratio((m == Mode.FAST ? "fast path" : "rebuild") + ": jetstart parallel / --sequential < 1"
                            + (launcher ? " (as ./jetstart starts them)" : ""), r.median(m, par.key()), r.median(m, seq.key()), 1.0, true));
                }
            }
            case "huge" -> speedup(out, r, 1.8);
            default -> {
            }
        }
        return out;
    }

    /**
     * The "fresh JVM as ./jetstart starts it": the launcher row where this run has it, else
     * the parallel row without an AOT cache (the goal's name says which).
     */
    private static void atMostServer(List<Check> out, BenchResult r, Mode m, double limit) {
        Optional<Long> launcher = r.median(m, Variant.Recover.PARALLEL_LAUNCHER.key());
        Optional<Long> j = launcher.isPresent() ? launcher : r.median(m, Variant.Recover.PARALLEL.key());
        Optional<Long> s = r.median(m, "server-parallel");
        out.add(ratio((m == Mode.FAST ? "fast path" : "rebuild") + ": jetstart parallel" + (launcher.isPresent()
                ? " as ./jetstart starts it" : "") + " <= " + limit + " x nats-server (parallel startup)", j, s, limit, true));
    }

    private static void speedup(List<Check> out, BenchResult r, double limit) {
        Optional<Long> one = r.median(Mode.REBUILD, Variant.Recover.workers(1).key());
        Optional<Long> two = r.median(Mode.REBUILD, Variant.Recover.workers(2).key());
        out.add(ratio("rebuild: --workers 1 / --workers 2 >= " + limit, one, two, limit, false));
        Optional<Long> oneWarm = r.median(Mode.REBUILD, Variant.Recover.workersWarm(1).key());
        Optional<Long> twoWarm = r.median(Mode.REBUILD, Variant.Recover.workersWarm(2).key());
        out.add(ratio("rebuild, warm JVM: --workers 1 / --workers 2 >= " + limit, oneWarm, twoWarm, limit, false));
    }

    private static Check ratio(String goal, Optional<Long> a, Optional<Long> b, double limit, boolean atMost) {
        if (a.isEmpty() || b.isEmpty() || b.get() <= 0) {
            return new Check(goal, "not measured in this run", null);
        }
        double x = (double) a.get() / b.get();
        return new Check(goal, String.format(Locale.ROOT, "%.2f", x), atMost ? x <= limit : x >= limit);
    }
}
