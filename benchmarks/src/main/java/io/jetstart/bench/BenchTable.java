package io.jetstart.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Renders a {@link BenchResult} as Markdown (readable in a terminal, pasted as is into
 * {@code docs/BENCHMARKS.md}).
 *
 * <p>Columns: min and median of the row's own figure (jetstart: recovery wall time inside the
 * JVM; floor: the reads; nats-server: exec to ready line), median from exec to ready for every row
 * (jetstart then includes JVM start-up), messages/s and MB/s of block files per core (divided by
 * the cores the variant can use: all for parallel ones, 1 for sequential ones), peak heap (sum of
 * the heap pools' peaks) and peak RSS.
 */
final class BenchTable {
    private BenchTable() {
    }

    static String render(BenchResult r) {
        StringBuilder sb = new StringBuilder();
        WorkloadCache.Prepared p = r.prepared();
        Machine m = r.machine();
        sb.append(String.format(Locale.ROOT, "### %s: %s%n%n", p.workload().name(), p.workload().description()));
        sb.append(String.format(Locale.ROOT, "%s of blocks in %,d files · %d cores (%s) · %s MiB RAM · JDK %s · %s%n%n",
                mb(p.blockBytes()), p.blockFiles(), m.cores(), m.cpu(), m.memoryBytes() < 0 ? "?" : String.format(Locale.ROOT, "%,d",
                        m.memoryBytes() >> 20), m.jdk(), m.os()));
        sb.append("- command: `").append(r.commandLine()).append("`\n");
        sb.append("- page cache: ").append(r.cacheNote()).append('\n');
        sb.append(String.format(Locale.ROOT, "- %d run%s per variant, interleaved; min and median%n", r.runs(), r.runs() == 1 ? "" : "s"));
        if (!r.jvmOptions().isEmpty()) {
            sb.append("- jetstart JVM options: `").append(String.join(" ", r.jvmOptions())).append("`\n");
        }
        for (String n : r.notes()) {
            sb.append("- ").append(n).append('\n');
        }
        sb.append('\n');
        List<String> failures = new ArrayList<>();
        for (BenchResult.Section s : r.sections()) {
            sb.append("#### ").append(s.mode().title).append("\n\n");
            sb.append("| variant | min | median | from exec (median) | CPU from exec (median) | msgs/s per core | MB/s per core | peak heap | peak RSS |\n");
            sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (BenchResult.Row row : s.rows()) {
                sb.append(row(row, p, m.cores(), failures, s.mode())).append('\n');
            }
            sb.append('\n');
            serverOwnFigures(sb, s);
        }
        ratios(sb, r);
        List<Targets.Check> checks = Targets.evaluate(r);
        if (!checks.isEmpty()) {
            sb.append("#### targets (medians)\n\n| goal | measured | met |\n|---|---:|---|\n");
            for (Targets.Check c : checks) {
                sb.append("| ").append(c.goal()).append(" | ").append(c.measured()).append(" | ")
                        .append(c.met() == null ? "—" : c.met() ? "yes" : "**no**").append(" |\n");
            }
            sb.append('\n');
        }
        if (!failures.isEmpty()) {
            sb.append("#### failed runs\n\n");
            for (String f : failures) {
                sb.append("```\n").append(f).append("\n```\n");
            }
        }
        return sb.toString();
    }

    private static String row(BenchResult.Row row, WorkloadCache.Prepared p, int cores, List<String> failures, Mode mode) {
        Variant v = row.variant();
        String label = label(row);
        if (row.samples().isEmpty()) {
            return "| " + label + " | — | — | — | — | — | — | — | — |";
        }
        List<Sample> bad = row.samples().stream().filter(s -> !s.ok()).toList();
        if (!bad.isEmpty()) {
            for (Sample s : bad) {
                failures.add((mode == Mode.FAST ? "fast path, " : "rebuild, ") + label + ": " + s.failure());
            }
            return "| " + label + " | FAILED " + bad.size() + " of " + row.samples().size() + " | — | — | — | — | — | — | — |";
        }
        List<Long> head = row.headline();
        long median = Stats.median(head);
        double secs = median / 1e9;
        int c = v.cores(cores);
        String msgs = v instanceof Variant.Floor ? "—" : rate(p.workload().totalMessages() / secs / c, "");
        String mbs = String.format(Locale.ROOT, "%,.0f", p.blockBytes() / 1e6 / secs / c);
        long heap = Stats.maxKnown(row.samples().stream().map(Sample::heapPeak).toList());
        long rss = Stats.maxKnown(row.samples().stream().map(Sample::rssPeak).toList());
        List<Long> cpu = row.samples().stream().map(Sample::cpuNanos).filter(x -> x >= 0).toList();
        return "| " + label + " | " + duration(Stats.min(head)) + " | " + duration(median) + " | "
                + duration(Stats.median(row.fromExec())) + " | " + (cpu.isEmpty() ? "—" : duration(Stats.median(cpu))) + " | " + msgs + " | " + mbs + " | " + mib(heap) + " | " + mib(rss) + " |";
    }

    private static String label(BenchResult.Row row) {
        Variant v = row.variant();
        String workers = "";
        if (!row.samples().isEmpty() && row.samples().get(0).workers() > 0 && !(v instanceof Variant.Server)) {
            int w = row.samples().get(0).workers();
            workers = v instanceof Variant.Floor ? "" : " — " + w + " worker" + (w == 1 ? "" : "s");
        }
        String label = v.label() + workers;
        if (v instanceof Variant.Floor f && f.threads() == 0 && !row.samples().isEmpty()) {
            int t = row.samples().get(0).workers();
            label = "raw-read floor (" + t + " thread" + (t == 1 ? "" : "s") + ", as default workers)";
        }
        return row.notRun() == null ? label : label + " — " + row.notRun();
    }

    private static void serverOwnFigures(StringBuilder sb, BenchResult.Section s) {
        for (BenchResult.Row row : s.rows()) {
            if (row.variant() instanceof Variant.Server sv && row.measured()) {
                List<Long> took = row.samples().stream().map(Sample::innerNanos).filter(x -> x >= 0).toList();
                if (!took.isEmpty()) {
                    sb.append("nats-server ").append(sv.build().version()).append("'s own `Took ... to start JetStream`: median ")
                            .append(duration(Stats.median(took))).append(".\n\n");
                }
            }
        }
    }

    private static void ratios(StringBuilder sb, BenchResult r) {
        List<String[]> lines = new ArrayList<>();
        String par = Variant.Recover.PARALLEL.key();
        for (BenchResult.Section s : r.sections()) {
            for (BenchResult.Row row : s.rows()) {
                if (row.variant() instanceof Variant.Server sv) {
                    String name = "nats-server " + sv.build().version();
                    if (sv.parallelStartup()) {
                        addRatio(lines, "jetstart parallel / " + name + " (recovery wall vs exec to ready)",
                                r.median(Mode.FAST, par), r.median(Mode.FAST, sv.key()), r.median(Mode.REBUILD, par),
                                r.median(Mode.REBUILD, sv.key()));
                        addRatio(lines, "jetstart parallel / " + name + " (both from exec)",
                                r.medianFromExec(Mode.FAST, par), r.medianFromExec(Mode.FAST, sv.key()),
                                r.medianFromExec(Mode.REBUILD, par), r.medianFromExec(Mode.REBUILD, sv.key()));
                        // What holds on a loaded machine: the CPU each process used until it was ready.
                        addRatio(lines, "jetstart parallel / " + name + " (CPU from exec)",
                                r.medianCpu(Mode.FAST, par), r.medianCpu(Mode.FAST, sv.key()),
                                r.medianCpu(Mode.REBUILD, par), r.medianCpu(Mode.REBUILD, sv.key()));
                        String warm = Variant.Recover.PARALLEL_WARM.key();
                        addRatio(lines, "jetstart parallel, warm JVM / " + name + " (recovery wall vs exec to ready)",
                                Optional.empty(), Optional.empty(), r.median(Mode.REBUILD, warm), r.median(Mode.REBUILD, sv.key()));
                        String launcher = Variant.Recover.PARALLEL_LAUNCHER.key();
                        addRatio(lines, "jetstart parallel as ./jetstart starts it / " + name + " (recovery wall vs exec to ready)",
                                r.median(Mode.FAST, launcher), r.median(Mode.FAST, sv.key()), r.median(Mode.REBUILD, launcher),
                                r.median(Mode.REBUILD, sv.key()));
                        addRatio(lines, "jetstart parallel as ./jetstart starts it / " + name + " (CPU from exec)",
                                r.medianCpu(Mode.FAST, launcher), r.medianCpu(Mode.FAST, sv.key()),
                                r.medianCpu(Mode.REBUILD, launcher), r.medianCpu(Mode.REBUILD, sv.key()));
                        String aot = Variant.Recover.PARALLEL_AOT.key();
                        addRatio(lines, "jetstart parallel + AOT cache / " + name + " (recovery wall vs exec to ready)",
                                r.median(Mode.FAST, aot), r.median(Mode.FAST, sv.key()), r.median(Mode.REBUILD, aot),
                                r.median(Mode.REBUILD, sv.key()));
                        addRatio(lines, "jetstart parallel + AOT cache / " + name + " (both from exec)",
                                r.medianFromExec(Mode.FAST, aot), r.medianFromExec(Mode.FAST, sv.key()),
                                r.medianFromExec(Mode.REBUILD, aot), r.medianFromExec(Mode.REBUILD, sv.key()));
                    } else if (s.mode() == Mode.REBUILD) {
                        addRatio(lines, "jetstart parallel / " + name + " (recovery wall vs exec to ready)", Optional.empty(),
                                Optional.empty(), r.median(Mode.REBUILD, par), r.median(Mode.REBUILD, sv.key()));
                        addRatio(lines, "jetstart --sequential / " + name + " (recovery wall vs exec to ready)", Optional.empty(),
                                Optional.empty(), r.median(Mode.REBUILD, "sequential"), r.median(Mode.REBUILD, sv.key()));
                    }
                }
            }
        }
        lines = dedupe(lines);
        addRatio(lines, "jetstart parallel / raw-read floor (same threads)", Optional.empty(), Optional.empty(),
                r.median(Mode.REBUILD, par), r.median(Mode.REBUILD, new Variant.Floor(0).key()));
        addRatio(lines, "jetstart --workers 1 / raw-read floor (1 thread)", Optional.empty(), Optional.empty(),
                r.median(Mode.REBUILD, "workers1"), r.median(Mode.REBUILD, new Variant.Floor(1).key()));
        addRatio(lines, "jetstart parallel / --sequential", r.median(Mode.FAST, par), r.median(Mode.FAST, "sequential"),
                r.median(Mode.REBUILD, par), r.median(Mode.REBUILD, "sequential"));
        String parL = Variant.Recover.PARALLEL_LAUNCHER.key();
        String seqL = Variant.Recover.SEQUENTIAL_LAUNCHER.key();
        addRatio(lines, "jetstart parallel / --sequential, as ./jetstart starts them", r.median(Mode.FAST, parL),
                r.median(Mode.FAST, seqL), r.median(Mode.REBUILD, parL), r.median(Mode.REBUILD, seqL));
        addRatio(lines, "jetstart parallel / --sequential, as ./jetstart starts them (CPU from exec)", r.medianCpu(Mode.FAST, parL),
                r.medianCpu(Mode.FAST, seqL), r.medianCpu(Mode.REBUILD, parL), r.medianCpu(Mode.REBUILD, seqL));
        addRatio(lines, "compile policy: tiered (C1 + C2) / C1 only (parallel)",
                r.median(Mode.FAST, Variant.Recover.PARALLEL_TIERED.key()), r.median(Mode.FAST, Variant.Recover.PARALLEL_C1.key()),
                r.median(Mode.REBUILD, Variant.Recover.PARALLEL_TIERED.key()), r.median(Mode.REBUILD, Variant.Recover.PARALLEL_C1.key()));
        addRatio(lines, "speedup: scalar / vector record checksum (parallel)", Optional.empty(), Optional.empty(),
                r.median(Mode.REBUILD, Variant.Recover.PARALLEL_SCALAR.key()), r.median(Mode.REBUILD, par));
        addRatio(lines, "speedup: --workers 1 / parallel", r.median(Mode.FAST, "workers1"), r.median(Mode.FAST, par),
                r.median(Mode.REBUILD, "workers1"), r.median(Mode.REBUILD, par));
        int cores = r.machine().cores();
        if (cores > 1) {
            addRatio(lines, "speedup: --workers 1 / --workers " + cores, Optional.empty(), Optional.empty(),
                    r.median(Mode.REBUILD, "workers1"), r.median(Mode.REBUILD, "workers" + cores));
            addRatio(lines, "speedup, warm JVM: --workers 1 / --workers " + cores, Optional.empty(), Optional.empty(),
                    r.median(Mode.REBUILD, Variant.Recover.workersWarm(1).key()),
                    r.median(Mode.REBUILD, Variant.Recover.workersWarm(cores).key()));
        }
        if (lines.isEmpty()) {
            return;
        }
        sb.append("#### ratios (medians; below 1 means jetstart is faster)\n\n| ratio | fast path | rebuild |\n|---|---:|---:|\n");
        for (String[] l : lines) {
            sb.append("| ").append(l[0]).append(" | ").append(l[1]).append(" | ").append(l[2]).append(" |\n");
        }
        sb.append('\n');
    }

    private static List<String[]> dedupe(List<String[]> lines) {
        List<String[]> out = new ArrayList<>();
        for (String[] l : lines) {
            if (out.stream().noneMatch(o -> o[0].equals(l[0]))) {
                out.add(l);
            }
        }
        return out;
    }

    private static void addRatio(List<String[]> lines, String name, Optional<Long> fa, Optional<Long> fb, Optional<Long> ra,
                                 Optional<Long> rb) {
        String f = ratio(fa, fb);
        String rr = ratio(ra, rb);
        if (!f.equals("—") || !rr.equals("—")) {
            lines.add(new String[] {name, f, rr});
        }
    }

    private static String ratio(Optional<Long> a, Optional<Long> b) {
        if (a.isEmpty() || b.isEmpty() || b.get() <= 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f", (double) a.get() / b.get());
    }

    /** {@code 7.3 ms} below 100 ms, {@code 1,438 ms} above. */
    static String duration(long nanos) {
        double ms = nanos / 1e6;
        return ms < 100 ? String.format(Locale.ROOT, "%.1f ms", ms) : String.format(Locale.ROOT, "%,.0f ms", ms);
    }

    static String rate(double perSecond, String unit) {
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M%s", perSecond / 1e6, unit);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1f k%s", perSecond / 1e3, unit);
        }
        return String.format(Locale.ROOT, "%.0f%s", perSecond, unit);
    }

    static String mib(long bytes) {
        return bytes < 0 ? "—" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%,.1f MB", bytes / 1e6);
    }
}
