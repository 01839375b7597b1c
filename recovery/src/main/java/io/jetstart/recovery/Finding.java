package io.jetstart.recovery;

import io.jetstart.core.store.Problem;
import io.jetstart.core.store.ServerAction;
import java.util.ArrayList;
import java.util.List;

/**
 * One problem of a report, with the stream (and consumer) it belongs to: what {@code jetstart
 * verify} lists and {@code jetstart repair} plans from.
 *
 * @param consumer null for a stream's own problem
 */
public record Finding(String account, String stream, String consumer, Problem problem) {

    /**
     * Damage, for a deployment gate: data unreadable or skipped, an asset that cannot be opened, or
     * anything nats-server would delete, cut or trust against its blocks. A warning the server
     * handles without losing anything (a stale index.db it rebuilds from) is not.
     */
    public boolean isDamage() {
        ServerAction a = problem.serverAction();
        return problem.severity() != Problem.Severity.WARNING || a.destroys() || a == ServerAction.TRUSTS_INDEX
                || a == ServerAction.FOUND_ON_READ;
    }

    /** Every problem of every stream and consumer, in report order (streams by account and name). */
    public static List<Finding> of(RecoveryReport report) {
        List<Finding> out = new ArrayList<>();
        for (StreamReport s : report.streams()) {
            out.addAll(of(s));
        }
        return out;
    }

    /** Every problem of one stream and its consumers. */
    public static List<Finding> of(StreamReport s) {
        List<Finding> out = new ArrayList<>();
        for (Problem p : s.problems()) {
            out.add(new Finding(s.account(), s.name(), null, p));
        }
        for (ConsumerOutcome c : s.consumers()) {
            // An instanceof chain, not a pattern switch: a JVM's first pattern switch spins its class
            // at run time, which the launcher's AOT cache cannot keep (InstanceofChainsCoverTest).
            List<Problem> ps = c instanceof ConsumerOutcome.Restored r ? r.info().problems()
                    : List.of(((ConsumerOutcome.Failed) c).cause());
            for (Problem p : ps) {
                out.add(new Finding(s.account(), s.name(), c.name(), p));
            }
        }
        return out;
    }

    /**
     * True when the store has damage: a finding that {@link #isDamage() is damage}, data known lost
     * ({@code state.lost}), or a stream that did not come back.
     */
    public static boolean damaged(RecoveryReport report) {
        if (of(report).stream().anyMatch(Finding::isDamage)) {
            return true;
        }
        return report.streams().stream().anyMatch(s -> s.state() == null || !s.state().lost().isEmpty());
    }
}
