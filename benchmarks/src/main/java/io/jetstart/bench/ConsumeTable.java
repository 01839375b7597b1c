package io.jetstart.bench;

import java.util.Locale;

/** The Markdown table of {@code jetstart bench consume}: each run's msgs/s side by side, medians, the ratio and the target. */
final class ConsumeTable {
    /** The target: the runtime fetches and acks at least this many times the server's msgs/s. */
    static final double TARGET_RATIO = 5.0;

    private ConsumeTable() {
    }

    static String render(ConsumeBench.Result r) {
        ConsumeBench.Settings s = r.settings();
        StringBuilder b = new StringBuilder();
        b.append("### jetstart bench consume\n\n");
        b.append("`").append(s.command()).append("`\n\n");
        Machine m = r.machine();
        b.append(String.format(Locale.ROOT, "Machine: %d cores, %s, JDK %s, %s.%n", m.cores(), m.cpu(), m.jdk(), m.os()));
        b.append(String.format(Locale.ROOT, "Workload: %,d messages x %d B payload, one durable pull consumer per run (deliver all, "
                + "explicit ack of every message), fetch batch %d; one untimed warm-up run per side, then %d runs, runtime and server "
                + "alternately.%n%n",
                s.messages(), s.size(), s.batch(), s.runs()));
        // What the runtime verifies each delivered record with (bench consume's JVM gets bin/vector.args from ./jetstart).
        b.append("Record checksum in the runtime's JVM: ").append(io.jetstart.core.hash.RecordHashes.implementation()).append(".\n\n");
        boolean server = !r.serverNanos().isEmpty();
        b.append("| run | ").append(r.runtimeLabel()).append(" msgs/s |");
        if (server) {
            b.append(' ').append(r.serverLabel()).append(" msgs/s | ratio |");
        }
        b.append(" load (1-min) |\n|---|---:|").append(server ? "---:|---:|" : "").append("---:|\n");
        for (int i = 0; i < r.runtimeNanos().size(); i++) {
            double rt = ConsumeBench.msgsPerSecond(s.messages(), r.runtimeNanos().get(i));
            b.append(String.format(Locale.ROOT, "| %d | %,.0f |", i + 1, rt));
            if (server && i < r.serverNanos().size()) {
                double sv = ConsumeBench.msgsPerSecond(s.messages(), r.serverNanos().get(i));
                b.append(String.format(Locale.ROOT, " %,.0f | %.1fx |", sv, rt / sv));
            }
            double load = i < r.loads().size() ? r.loads().get(i) : -1;
            b.append(load < 0 ? " n/a |" : String.format(Locale.ROOT, " %.2f |", load)).append('\n');
        }
        double rtMedian = ConsumeBench.msgsPerSecond(s.messages(), Stats.median(r.runtimeNanos()));
        b.append(String.format(Locale.ROOT, "| **median** | **%,.0f** |", rtMedian));
        if (server) {
            double svMedian = ConsumeBench.msgsPerSecond(s.messages(), Stats.median(r.serverNanos()));
            b.append(String.format(Locale.ROOT, " **%,.0f** | **%.1fx** |", svMedian, rtMedian / svMedian));
        }
        b.append(" |\n\n");
        b.append(verdict(r)).append('\n');
        for (String p : r.problems()) {
            b.append("\nNote: ").append(p).append('\n');
        }
        return b.toString();
    }

    /** PASS or MISS against {@link #TARGET_RATIO}, or why there is no verdict. */
    static String verdict(ConsumeBench.Result r) {
        if (r.serverNanos().isEmpty()) {
            return "Target (>= 5x nats-server's msgs/s): no verdict, the server side did not run.";
        }
        double ratio = ratio(r);
        return String.format(Locale.ROOT, "Target (median runtime msgs/s >= %.0fx nats-server's): %.1fx: %s", TARGET_RATIO, ratio,
                ratio >= TARGET_RATIO ? "PASS" : "MISS");
    }

    /** Median runtime msgs/s over median server msgs/s (the medians of the times, so the same runs). */
    static double ratio(ConsumeBench.Result r) {
        return (double) Stats.median(r.serverNanos()) / Stats.median(r.runtimeNanos());
    }
}
