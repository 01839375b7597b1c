package io.jetstart.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.store.ServerAction;
import io.jetstart.recovery.Finding;
import io.jetstart.recovery.GoFormat;
import io.jetstart.recovery.Outcome;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.recovery.StreamReport;
import io.jetstart.recovery.repair.RepairPlan;
import io.jetstart.recovery.repair.RepairPlanner;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart verify}: the recovery, read-only and in parallel, in a mode that also rebuilds
 * every stream the fast path would take from {@code index.db} and compares the two (unless
 * {@code --quick}); lists every problem with what nats-server would do about it at start-up, and
 * exits 1 on damage so it can gate a deployment.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check every record checksum, every index against its blocks and every consumer against its stream, "
                + "read-only and in parallel; say what nats-server would do about each problem at start-up. "
                + "Exit 0 clean, 1 damage found.")
final class VerifyCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StoreInput input = new StoreInput();

    @Option(names = "--quick", description = "Check only what the fast path trusts (meta sums, index.db checksums and "
            + "summaries, the last block checksums, consumers) without reading every record")
    boolean quick;

    @Option(names = "--json", description = "Write the report as JSON on stdout (docs/json.md)")
    boolean json;

    @Option(names = "--pretty", description = "Indent the JSON (default: compact)")
    boolean pretty;

    @Override
    public Integer call() throws Exception {
        Integer refused = input.refusal(spec.commandLine().getErr());
        if (refused != null) {
            return refused;
        }
        RecoveryOptions opts = input.reportOptions().withVerifyBlocks(!quick);
        // Ctrl-C or SIGTERM cancels as in recover: before, the JVM exited 130 at once and a verify
        // of a large store that was stopped printed nothing at all, not even what it had checked.
        try (StoreRecovery recovery = new StoreRecovery(input.dir(), opts);
             ReportOnShutdown shutdown = ReportOnShutdown.install(recovery::close)) {
            int status = print(recovery.run());
            shutdown.finished(status);
            return status;
        }
    }

    /** Prints the report; the exit status: 3 when streams were cancelled, else 1 on damage, else 0. */
    private int print(RecoveryReport report) throws java.io.IOException {
        List<Finding> findings = Finding.of(report);
        boolean damaged = Finding.damaged(report);
        var out = spec.commandLine().getOut();
        if (json) {
            ObjectNode root = ReportJson.report(report, true);
            ObjectNode v = ReportJson.MAPPER.createObjectNode();
            v.put("mode", quick ? "quick" : "full");
            v.put("clean", !damaged);
            v.put("records_verified", report.streams().stream().mapToLong(StreamReport::recordsVerified).sum());
            ArrayNode fs = v.putArray("findings");
            for (Finding f : findings) {
                ObjectNode n = fs.addObject();
                n.put("account", f.account());
                n.put("stream", f.stream());
                if (f.consumer() != null) {
                    n.put("consumer", f.consumer());
                }
                n.put("damage", f.isDamage());
                n.setAll((ObjectNode) ReportJson.problems(List.of(f.problem())).get(0));
                n.put("server_action", f.problem().serverAction().jsonName());
                n.put("server_does", f.problem().serverAction().description());
            }
            root.set("verify", v);
            if (!ReportJson.println(root, pretty, out)) {
                return Main.STDOUT_CLOSED;
            }
        } else {
            out.print(text(report, findings));
        }
        out.flush();
        return cancelled(report) > 0 ? Main.CANCELLED : damaged ? Main.DAMAGED : Main.OK;
    }

    private static long cancelled(RecoveryReport report) {
        return report.streams().stream().filter(s -> s.outcome() == Outcome.CANCELLED).count();
    }

    private String text(RecoveryReport report, List<Finding> findings) {
        StringBuilder sb = new StringBuilder();
        long records = report.streams().stream().mapToLong(StreamReport::recordsVerified).sum();
        sb.append(String.format("verify (%s): %d streams, %d consumers, %s records verified in %s%n", quick ? "quick" : "full",
                report.streams().size(), report.consumers(), GoFormat.comma(records), GoFormat.durationRoundedToMillis(report.wallNanos())));
        for (Finding f : findings) {
            String who = f.account() + " > " + f.stream() + (f.consumer() == null ? "" : " > " + f.consumer());
            sb.append(String.format("%s %s: %s%n", f.isDamage() ? "DAMAGE " : "warning", who, f.problem().describe()));
            sb.append("        nats-server at start-up: ").append(f.problem().serverAction().description()).append('\n');
        }
        for (StreamReport s : report.streams()) {
            if (s.state() != null && !s.state().lost().isEmpty()) {
                sb.append(String.format("DAMAGE  %s > %s: lost data: %d messages, %d bytes%n", s.account(), s.name(),
                        s.state().lost().msgs().length, s.state().lost().bytes()));
            }
        }
        sb.append(ReportTable.skipped(report));
        // A cancelled stream has no state either, but nothing is known of it: not damage, not clean.
        long cancelled = cancelled(report);
        long damagedStreams = report.streams().stream().filter(s -> s.outcome() != Outcome.CANCELLED
                && (Finding.of(s).stream().anyMatch(Finding::isDamage) || s.state() == null || !s.state().lost().isEmpty())).count();
        // Damage nats-server meets only when it reads the block (behind a trusted index.db: a torn
        // tail the runtime left as it is after a full disk or a kill) is not repair's: it plans from
        // what the server does at start-up, and said "nothing to repair" after this line promised a fix.
        long onRead = report.streams().stream().filter(s -> s.outcome() != Outcome.CANCELLED && s.state() != null
                && s.state().lost().isEmpty() && Finding.of(s).stream().anyMatch(Finding::isDamage)
                && Finding.of(s).stream().filter(Finding::isDamage).allMatch(f -> f.problem().serverAction() == ServerAction.FOUND_ON_READ))
                .count();
        // A 2.9 block with a bad record that every server line reads through its .idx: the server serves
        // every other message and never cuts the block, so repair leaves it (its lost data is the
        // unreadable messages).
        long readAround = report.streams().stream().filter(s -> s.outcome() != Outcome.CANCELLED && s.state() != null
                && Finding.of(s).stream().anyMatch(VerifyCommand::readAround)
                && Finding.of(s).stream().filter(Finding::isDamage)
                        .allMatch(f -> readAround(f) || f.problem().serverAction() == ServerAction.FOUND_ON_READ))
                .count();
        // Which of them repair changes anything in, from its own planner: a damaged stream it plans
        // nothing for (a consumer the server skips for a missing meta.sum, next to a found_on_read
        // block) was promised "plans the fix", and repair then said "nothing to repair".
        List<String> left = leftByRepair(report);
        if (damagedStreams > 0 && !left.isEmpty() && left.size() < damagedStreams) {
            sb.append("damage found in " + damagedStreams + " stream(s); `jetstart repair` plans the fix for "
                    + (damagedStreams - left.size()) + " of them (--dry-run) and leaves the damage of " + names(left)
                    + " as it is (nats-server deletes or cuts nothing there at start-up; what it does is on each line above)\n");
        } else if (damagedStreams > 0 && onRead == damagedStreams) {
            sb.append("damage found in " + damagedStreams + " stream(s), which nats-server meets only when it reads those blocks "
                    + "(it then cuts each block at the damage itself); `jetstart repair` leaves it as it is\n");
        } else if (damagedStreams > 0 && onRead + readAround == damagedStreams) {
            sb.append("damage found in " + damagedStreams + " stream(s), which nats-server starts with as it is (it answers no "
                    + "message for a bad record and serves the others); `jetstart repair` leaves it as it is\n");
        } else if (damagedStreams > 0 && left.size() == damagedStreams) {
            sb.append("damage found in " + damagedStreams + " stream(s), which nats-server deletes or cuts nothing of at "
                    + "start-up (what it does is on each line above); `jetstart repair` leaves it as it is\n");
        } else if (damagedStreams > 0) {
            sb.append("damage found in " + damagedStreams + " stream(s); `jetstart repair` plans the fix (--dry-run)\n");
        }
        if (cancelled > 0) {
            sb.append("cancelled: " + cancelled + " stream(s) not verified\n");
        } else if (damagedStreams == 0) {
            sb.append("clean\n");
        }
        return sb.toString();
    }

    /**
     * {@code <account> > <stream>} of every damaged stream (not cancelled) for which repair's planner,
     * given this report, plans no change and refuses nothing: what {@code jetstart repair} leaves as it
     * is. Empty when the plan cannot be made (a file vanished while verify ran): the old promise stands.
     */
    private static List<String> leftByRepair(RecoveryReport report) {
        RepairPlan plan;
        try {
            plan = RepairPlanner.plan(report, java.util.Set.of());
        } catch (java.io.IOException e) {
            return List.of();
        }
        java.util.Set<String> acted = new java.util.HashSet<>();
        plan.steps().forEach(st -> acted.add(streamOf(st.stream())));
        plan.refused().forEach(r -> acted.add(streamOf(r.stream())));
        List<String> left = new java.util.ArrayList<>();
        for (StreamReport s : report.streams()) {
            boolean damaged = s.outcome() != Outcome.CANCELLED && (Finding.of(s).stream().anyMatch(Finding::isDamage)
                    || s.state() == null || !s.state().lost().isEmpty());
            String who = s.account() + " > " + s.name();
            if (damaged && !acted.contains(who)) {
                left.add(who);
            }
        }
        return left;
    }

    /** {@code <account> > <stream>} of a step's {@code <account> > <stream> [> <consumer>]}. */
    private static String streamOf(String who) {
        int first = who.indexOf(" > ");
        int second = first < 0 ? -1 : who.indexOf(" > ", first + 3);
        return second < 0 ? who : who.substring(0, second);
    }

    /** At most five names, then how many more. */
    private static String names(List<String> streams) {
        String shown = String.join(", ", streams.subList(0, Math.min(5, streams.size())));
        return streams.size() > 5 ? shown + " and " + (streams.size() - 5) + " more" : shown;
    }

    /** Damage the server starts with and reads around, cutting nothing (a bad record in a 2.9 block read through its .idx). */
    private static boolean readAround(Finding f) {
        return f.problem().severity() == io.jetstart.core.store.Problem.Severity.DAMAGE && f.problem().serverAction() == ServerAction.NONE;
    }
}
