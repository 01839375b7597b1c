package io.jetstart.cli;

import io.jetstart.recovery.Outcome;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StreamReport;

/** Maps a report to the documented exit status (see {@link Main}). */
final class ExitStatus {
    private ExitStatus() {
    }

    static int of(RecoveryReport report) {
        if (report.streams().stream().anyMatch(s -> s.outcome() == Outcome.CANCELLED)) {
            return Main.CANCELLED;
        }
        if (report.streams().stream().anyMatch(s -> s.outcome() == Outcome.FAILED)) {
            return Main.FAILED;
        }
        if (report.streams().stream().anyMatch(StreamReport::hasDamage)) {
            return Main.DAMAGED;
        }
        return Main.OK;
    }
}
