package io.jetstart.cli;

import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.store.Problem;
import io.jetstart.recovery.ConsumerOutcome;
import io.jetstart.recovery.GoFormat;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StreamReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Plain-text tables for a terminal: one row per stream, its consumers, then every problem. */
final class ReportTable {
    /**
     * Under the table of a run that also logged: the two times of a stream are not the same
     * measure, and the demo's readers asked why they differ.
     */
    static final String TIME_NOTE = "TIME is each stream's whole restore, its consumers included; the log's \"Restored ... in\" "
            + "counts its messages only, as nats-server's does.";

    private ReportTable() {
    }

    static String render(RecoveryReport report, boolean withTimes) {
        List<String[]> rows = new ArrayList<>();
        rows.add(withTimes
                ? new String[] {"ACCOUNT", "STREAM", "OUTCOME", "MESSAGES", "BYTES", "FIRST", "LAST", "DELETED", "SUBJECTS", "CONSUMERS", "TIME"}
                : new String[] {"ACCOUNT", "STREAM", "SOURCE", "MESSAGES", "BYTES", "FIRST", "LAST", "DELETED", "SUBJECTS", "CONSUMERS"});
        for (StreamReport s : report.streams()) {
            var st = s.state();
            String how = withTimes ? s.outcome().jsonName() : switch (s.outcome()) {
                case RECOVERED -> "index";
                case REBUILT -> "rebuilt";
                default -> s.outcome().jsonName();
            };
            List<String> r = new ArrayList<>(List.of(s.account(), s.name(), how,
                    st == null ? "-" : GoFormat.comma(st.messages()), st == null ? "-" : GoFormat.comma(st.bytes()),
                    st == null ? "-" : Long.toString(st.firstSeq()), st == null ? "-" : Long.toString(st.lastSeq()),
                    st == null ? "-" : Long.toString(st.numDeleted()), st == null ? "-" : Integer.toString(st.numSubjects()),
                    Integer.toString(s.consumers().size())));
            if (withTimes) {
                r.add(GoFormat.durationRoundedToMillis(s.nanos()));
            }
            rows.add(r.toArray(String[]::new));
        }
        StringBuilder sb = new StringBuilder(table(rows));
        List<String[]> crow = new ArrayList<>();
        crow.add(new String[] {"STREAM", "CONSUMER", "DELIVERED", "ACK FLOOR", "ACK PENDING", "REDELIVERED", "PENDING"});
        for (StreamReport s : report.streams()) {
            for (ConsumerOutcome c : s.consumers()) {
                // An instanceof chain, not a pattern switch (ReportJson.consumer says why).
                if (c instanceof ConsumerOutcome.Restored r) {
                    ConsumerInfo i = r.info();
                    crow.add(new String[] {s.name(), i.name(),
                            i.delivered().consumerSeq() + "/" + i.delivered().streamSeq(),
                            i.ackFloor().consumerSeq() + "/" + i.ackFloor().streamSeq(),
                            Long.toString(i.numAckPending()), Long.toString(i.numRedelivered()), Long.toString(i.numPending())});
                } else if (c instanceof ConsumerOutcome.Failed f) {
                    crow.add(new String[] {s.name(), f.name(), "FAILED", "-", "-", "-", "-"});
                }
            }
        }
        if (crow.size() > 1) {
            sb.append('\n').append(table(crow));
        }
        // Identical problems in many streams (a demo's truncated index.db files, a store-wide
        // upgrade) print once with the streams they concern, not once per stream.
        java.util.Map<String, List<String>> grouped = new java.util.LinkedHashMap<>();
        for (StreamReport s : report.streams()) {
            String who = s.account() + " > " + s.name();
            for (Problem p : s.problems()) {
                grouped.computeIfAbsent(line(p, s), k -> new ArrayList<>()).add(who);
            }
            for (ConsumerOutcome c : s.consumers()) {
                List<Problem> ps = c instanceof ConsumerOutcome.Failed f ? List.of(f.cause())
                        : ((ConsumerOutcome.Restored) c).info().problems();
                for (Problem p : ps) {
                    grouped.computeIfAbsent(line(p, s), k -> new ArrayList<>()).add(who + " > " + c.name());
                }
            }
        }
        io.jetstart.core.lines.LineChoice line = report.serverLine();
        sb.append(String.format("%nState as nats-server %s reports it (modelled on %s; %s)%n", line.line(), line.line().modelledOn(),
                line.asked() ? "asked with --as" : "detected: " + (line.evidence().isEmpty() ? "no evidence" : String.join(", ", line.evidence()))));
        if (!grouped.isEmpty()) {
            sb.append("\nProblems:\n");
            grouped.forEach((problem, where) -> sb.append("  ").append(problem.replace("\u0000", where.size() == 1
                    ? where.get(0) : where.size() + " streams (" + abbreviate(where) + ")")).append('\n'));
        }
        sb.append(skipped(report));
        if (withTimes) {
            sb.append('\n');
            StringBuilder counts = new StringBuilder();
            for (Map.Entry<io.jetstart.recovery.Outcome, Integer> e : report.counts().entrySet()) {
                counts.append(counts.length() == 0 ? "" : ", ").append(e.getValue()).append(' ').append(e.getKey().jsonName());
            }
            String checksum = report.checksum();
            sb.append(String.format("%d streams (%s), %s messages, %s bytes, %d consumers in %s (%s runner, dios %d, workers %d%s)%n",
                    report.streams().size(), counts, GoFormat.comma(report.messages()), GoFormat.comma(report.bytes()),
                    report.consumers(), GoFormat.durationRoundedToMillis(report.wallNanos()), report.runner(), report.dios(), report.workers(),
                    checksum == null ? "" : ", " + checksum + " checksums"));
        }
        return sb.toString();
    }

    /**
     * What discovery passed over, each with its reason, or nothing. Only the JSON listed them
     * before: a stream whose {@code msgs/} the user could not list was missing from the table
     * without a word, and the run looked complete.
     */
    static String skipped(RecoveryReport report) {
        if (report.skipped().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\nSkipped (not read; paths relative to the jetstream folder):\n");
        report.skipped().forEach(s -> sb.append("  ").append(s).append('\n'));
        return sb.toString();
    }

    /** "SEVERITY <who>: <file relative to the stream> at offset N: message", with <who> as a placeholder. */
    private static String line(Problem p, StreamReport s) {
        String file = "";
        if (p.file() != null) {
            java.nio.file.Path f = p.file();
            int i = indexOfName(f, s.name());
            file = i >= 0 && i + 1 < f.getNameCount() ? f.subpath(i + 1, f.getNameCount()).toString() : f.toString();
            file += p.offset() >= 0 ? " at offset " + p.offset() : "";
            file += ": ";
        }
        return p.severity() + " \u0000: " + file + p.message();
    }

    private static int indexOfName(java.nio.file.Path f, String streamName) {
        for (int i = f.getNameCount() - 1; i >= 0; i--) {
            if (f.getName(i).toString().equals(streamName) && i > 0 && f.getName(i - 1).toString().equals("streams")) {
                return i;
            }
        }
        return -1;
    }

    private static String abbreviate(List<String> where) {
        return where.size() <= 4 ? String.join(", ", where)
                : String.join(", ", where.subList(0, 3)) + ", … " + where.get(where.size() - 1);
    }

    private static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                boolean numeric = i >= 3;
                String cell = r[i];
                String pad = " ".repeat(w[i] - cell.length());
                sb.append(numeric ? pad + cell : cell + pad);
                sb.append(i == cols - 1 ? "" : "  ");
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
