package io.jetstart.bench;

import io.jetstart.runtime.SyncPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Renders a {@link PublishBench.Result} as Markdown: one row per variant (medians over the runs of
 * msgs/s, p50 and p99 publish latency, messages per committed batch), each jetstart row's ratios
 * to nats-server with the same sync (msgs/s) and to its raw append floor, then the targets
 * with PASS or MISS.
 */
final class PublishTable {
    private PublishTable() {
    }

    /** One goal of issue #11; {@code met} is null when this run could not measure it. */
    record Check(String goal, String measured, Boolean met) {
        String verdict() {
            return met == null ? "not measured" : met ? "PASS" : "MISS";
        }
    }

    static String render(PublishBench.Result r) {
        PublishBench.Settings s = r.settings();
        Machine m = r.machine();
        StringBuilder sb = new StringBuilder();
        sb.append(r.variants().isEmpty() ? "### publish: the open target only\n\n"
                : String.format(Locale.ROOT, "### publish: %,d × %d B (sync always rows: %,d × %d B)%n%n", s.messages(), s.size(),
                s.alwaysMessages(), s.size()));
        sb.append(String.format(Locale.ROOT, "%d cores (%s) · %s MiB RAM · JDK %s · %s%n%n", m.cores(), m.cpu(),
                m.memoryBytes() < 0 ? "?" : String.format(Locale.ROOT, "%,d", m.memoryBytes() >> 20), m.jdk(), m.os()));
        sb.append("- command: `").append(s.command()).append("`\n");
        sb.append(String.format(Locale.ROOT, "- %d run%s per row, interleaved (order rotated each run); medians%n", s.runs(),
                s.runs() == 1 ? "" : "s"));
        if (!r.variants().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "- async rows keep up to %,d publishes in flight (jetstart publishAsync and jnats "
                    + "publishAsync alike); the other jetstart rows' publishers wait for each ack%n", s.window()));
            sb.append("- latency: per message, from the publish call to its ack; the clock runs from the first publish to the last ack\n");
        }
        sb.append("- ").append(r.load()).append('\n');
        for (String n : s.notes()) {
            sb.append("- ").append(n).append('\n');
        }
        List<String> failures = new ArrayList<>();
        if (!r.variants().isEmpty()) {
            sb.append("\n| variant | messages | msgs/s | p50 latency | p99 latency | mean batch | × nats-server (same sync) | floor time ÷ time |\n");
            sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        }
        for (PublishVariant v : r.variants()) {
            List<PublishSample> ok = r.samples(v).stream().filter(PublishSample::ok).toList();
            r.samples(v).stream().filter(x -> !x.ok()).forEach(x -> failures.add(v.label() + ": " + x.failure()));
            if (ok.isEmpty()) {
                sb.append("| ").append(v.label()).append(" | — | failed | — | — | — | — | — |\n");
                continue;
            }
            sb.append("| ").append(v.label())
                    .append(" | ").append(String.format(Locale.ROOT, "%,d", ok.get(0).messages()))
                    .append(" | ").append(BenchTable.rate(msgsPerSecond(r, v).orElse(0), ""))
                    .append(" | ").append(latency(ok, true))
                    .append(" | ").append(latency(ok, false))
                    .append(" | ").append(v instanceof PublishVariant.InProcess ? meanBatch(ok) : "")
                    .append(" | ").append(v instanceof PublishVariant.InProcess p ? ratio(msgsPerSecond(r, p), msgsPerSecond(r, server(r, p.always()))) : "")
                    .append(" | ").append(v instanceof PublishVariant.InProcess p ? ratio(msgsPerSecond(r, p), msgsPerSecond(r, new PublishVariant.Floor(p))) : "")
                    .append(" |\n");
        }
        sb.append('\n');
        if (!r.openRows().isEmpty()) {
            openTable(sb, r, failures);
        }
        sb.append("#### targets (issue #11, medians)\n\n| goal | measured | |\n|---|---:|---|\n");
        for (Check c : targets(r)) {
            sb.append("| ").append(c.goal()).append(" | ").append(c.measured()).append(" | ").append(c.verdict()).append(" |\n");
        }
        sb.append('\n');
        for (String f : failures) {
            sb.append("- FAILED ").append(f.replace("\n", " / ")).append('\n');
        }
        return sb.toString();
    }

    static List<Check> targets(PublishBench.Result r) {
        List<Check> out = new ArrayList<>();
        PublishVariant.InProcess async = new PublishVariant.InProcess(SyncPolicy.INTERVAL, 1, true);
        out.add(atLeast("default sync: jetstart (1 async publisher) >= 5 × nats-server 2.15.x (jnats async) msgs/s",
                msgsPerSecond(r, async), msgsPerSecond(r, server(r, false)), 5));
        out.add(atLeast("sync always: 64 publishers >= 20 × 1 publisher msgs/s",
                msgsPerSecond(r, new PublishVariant.InProcess(SyncPolicy.ALWAYS, 64, false)),
                msgsPerSecond(r, new PublishVariant.InProcess(SyncPolicy.ALWAYS, 1, false)), 20));
        // The defaults (small first) and the stream named first (the issue's "RuntimeOptions can
        // name streams to recover first"), each judged on its own line.
        for (OpenBench.Row row : r.openRows()) {
            if (row.plan() == OpenBench.Plan.DEFAULT) {
                out.add(open("open (" + row.state().label + ", " + row.jvm().label + "): the small stream writable (served) in <= 5 % "
                        + "of the whole recovery", r.opens(row)));
            } else if (row.plan() == OpenBench.Plan.NAMED) {
                out.add(open("open (" + row.state().label + ", " + row.jvm().label + ", " + OpenBench.SMALL + " named first): the small "
                        + "stream writable (served) in <= 5 % of the whole recovery", r.opens(row)));
            }
        }
        return out;
    }

    /** The open target: one row per state, JVM and plan, each with its ratio and verdict. */
    private static void openTable(StringBuilder sb, PublishBench.Result r, List<String> failures) {
        WorkloadCache.Prepared big = r.openStore();
        sb.append(String.format(Locale.ROOT, "#### open: %s (%s of blocks in %d files) + `%s` (%d messages, index.db intact)%n%n",
                big.workload().description(), BenchTable.mb(big.blockBytes()), big.blockFiles(), OpenBench.SMALL, OpenBench.SMALL_MESSAGES));
        sb.append("- timed from `JetStart.open` to `" + OpenBench.SMALL + "` served (`await` returns: writable), to its first publish "
                + "ack (sync always: fsynced) and to `store.recovery()` complete; ratio = the median of each open's own ratio; "
                + "PASS at <= 5 % for served (the target's \"writable\"; the first-ack ratio beside it adds one fsynced publish)\n");
        sb.append("- every open on a new copy of the store (blocks hard-linked); fresh JVMs started as `./jetstart` starts its JVMs; "
                + "the AOT cache trained by one JVM that opened both states with the defaults, then both with `" + OpenBench.SMALL + "` named first");
        sb.append(r.openAotFailure() == null ? "\n" : " (not made: " + r.openAotFailure() + ")\n");
        sb.append("\n| index.db of the big streams | JVM | plan | served | first ack | whole recovery | ratio (served) "
                + "| ratio (first ack) | 5 % |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|---:|---|\n");
        for (OpenBench.Row row : r.openRows()) {
            List<OpenBench.OpenSample> all = r.opens(row);
            all.stream().filter(o -> !o.ok()).forEach(o -> failures.add("open (" + row.label() + "): " + o.failure()));
            Check c = open("", all);
            sb.append("| ").append(row.state().label).append(" | ").append(row.jvm().label).append(" | ").append(row.plan().label)
                    .append(" | ").append(openMedian(all, OpenBench.OpenSample::smallServedNanos))
                    .append(" | ").append(openMedian(all, OpenBench.OpenSample::smallAckNanos))
                    .append(" | ").append(openMedian(all, OpenBench.OpenSample::recoveryNanos))
                    .append(" | ").append(openRatio(all, OpenBench.OpenSample::smallServedNanos))
                    .append(" | ").append(openRatio(all, OpenBench.OpenSample::smallAckNanos))
                    .append(" | ").append(c.met() == null ? "—" : c.met() ? "PASS" : "FAIL")
                    .append(" |\n");
        }
        sb.append('\n');
    }

    /** Judged on served (writable); the first-ack ratio is shown beside it, unjudged. */
    private static Check open(String goal, List<OpenBench.OpenSample> opens) {
        OptionalDouble served = percent(opens, OpenBench.OpenSample::smallServedNanos);
        if (served.isEmpty()) {
            return new Check(goal, "not measured in this run", null);
        }
        double pct = served.getAsDouble();
        return new Check(goal, String.format(Locale.ROOT, "%.2f %% (first ack %s)", pct, openRatio(opens, OpenBench.OpenSample::smallAckNanos)),
                pct <= 5.0);
    }

    private static String openRatio(List<OpenBench.OpenSample> opens, java.util.function.ToLongFunction<OpenBench.OpenSample> small) {
        OptionalDouble p = percent(opens, small);
        return p.isEmpty() ? "—" : String.format(Locale.ROOT, "%.2f %%", p.getAsDouble());
    }

    /** The median of each open's own ratio (the times of one open share its noise), in percent. */
    private static OptionalDouble percent(List<OpenBench.OpenSample> opens, java.util.function.ToLongFunction<OpenBench.OpenSample> small) {
        List<OpenBench.OpenSample> ok = opens.stream().filter(OpenBench.OpenSample::ok).toList();
        if (ok.isEmpty()) {
            return OptionalDouble.empty();
        }
        long milliPercent = Stats.median(ok.stream().map(o -> small.applyAsLong(o) * 100_000 / Math.max(1, o.recoveryNanos())).toList());
        return OptionalDouble.of(milliPercent / 1000.0);
    }

    private static String openMedian(List<OpenBench.OpenSample> opens, java.util.function.ToLongFunction<OpenBench.OpenSample> time) {
        List<Long> v = opens.stream().filter(OpenBench.OpenSample::ok).map(time::applyAsLong).toList();
        return v.isEmpty() ? "—" : BenchTable.duration(Stats.median(v));
    }

    private static PublishVariant server(PublishBench.Result r, boolean always) {
        return r.variants().stream().filter(v -> v instanceof PublishVariant.Server sv && sv.always() == always).findFirst()
                .orElse(new PublishVariant.Server("?", always));
    }

    static OptionalDouble msgsPerSecond(PublishBench.Result r, PublishVariant v) {
        List<Long> rates = r.samples(v).stream().filter(PublishSample::ok).map(x -> Math.round(x.msgsPerSecond())).toList();
        return rates.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(Stats.median(rates));
    }

    private static Check atLeast(String goal, OptionalDouble a, OptionalDouble b, double limit) {
        if (a.isEmpty() || b.isEmpty() || b.getAsDouble() <= 0) {
            return new Check(goal, "not measured in this run", null);
        }
        double x = a.getAsDouble() / b.getAsDouble();
        return new Check(goal, String.format(Locale.ROOT, "%.2f ×", x), x >= limit);
    }

    private static String ratio(OptionalDouble a, OptionalDouble b) {
        if (a.isEmpty() || b.isEmpty() || b.getAsDouble() <= 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f", a.getAsDouble() / b.getAsDouble());
    }

    /** Messages per committed batch (median over the runs): group commit at work. */
    private static String meanBatch(List<PublishSample> ok) {
        List<Long> v = ok.stream().filter(x -> x.batchBytes().length > 0).map(x -> x.messages() * 10 / x.batchBytes().length).toList();
        return v.isEmpty() ? "—" : String.format(Locale.ROOT, "%.1f", Stats.median(v) / 10.0);
    }

    private static String latency(List<PublishSample> ok, boolean p50) {
        List<Long> v = ok.stream().map(x -> p50 ? x.p50Nanos() : x.p99Nanos()).filter(x -> x >= 0).toList();
        return v.isEmpty() ? "—" : latency(Stats.median(v));
    }

    /** {@code 38 µs} below 1 ms, else as {@link BenchTable#duration}. */
    static String latency(long nanos) {
        return nanos < 1_000_000 ? String.format(Locale.ROOT, "%.0f µs", nanos / 1e3) : BenchTable.duration(nanos);
    }
}
