package io.jetstart.recovery.repair;

import io.jetstart.core.store.StateComparison;
import io.jetstart.recovery.Finding;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StreamReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The promise of a repair, checked on the repaired store: every stream reports the state it
 * reported before (lost data aside: those bytes are now in the quarantine), and nothing is left that
 * nats-server would delete or cut at start-up, except in streams the plan refused.
 */
public final class RepairCheck {
    private RepairCheck() {
    }

    /** One line per broken promise; empty when the repair did what it says. */
    public static List<String> broken(RecoveryReport before, RecoveryReport after, Set<String> refusedStreams) {
        List<String> out = new ArrayList<>();
        Map<String, StreamReport> now = after.streams().stream()
                .collect(Collectors.toMap(s -> s.account() + " > " + s.name(), Function.identity()));
        for (StreamReport b : before.streams()) {
            String who = b.account() + " > " + b.name();
            StreamReport a = now.get(who);
            if (a == null) {
                out.add(who + ": gone after the repair");
                continue;
            }
            if (b.state() == null || a.state() == null) {
                if ((b.state() == null) != (a.state() == null)) {
                    out.add(who + ": " + b.outcome().jsonName() + " before the repair, " + a.outcome().jsonName() + " after");
                }
                continue;
            }
            String diff = StateComparison.differences(b.state(), a.state());
            if (!diff.isEmpty()) {
                out.add(who + ": state changed by the repair (before vs after: " + diff + ")");
            }
            if (b.state().consumerCount() != a.state().consumerCount()) {
                out.add(who + ": consumer_count " + b.state().consumerCount() + " before the repair, " + a.state().consumerCount()
                        + " after");
            }
            if (!refusedStreams.contains(who)) {
                for (Finding f : Finding.of(a)) {
                    if (f.problem().serverAction().destroys()) {
                        out.add(who + ": still " + f.problem().serverAction().jsonName() + " after the repair: " + f.problem().describe());
                    }
                }
            }
        }
        return out;
    }
}
