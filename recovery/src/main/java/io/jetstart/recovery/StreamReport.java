package io.jetstart.recovery;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StreamState;
import java.util.List;

/**
 * One stream's result.
 *
 * @param config      null when the meta files could not be read
 * @param state       null unless the outcome is RECOVERED or REBUILT
 * @param gateWaitNanos time this stream's tasks spent waiting for disk permits
 */
public record StreamReport(String account, String name, Outcome outcome, StreamConfig config, StreamState state,
                           List<ConsumerOutcome> consumers, List<Problem> problems, long nanos, long gateWaitNanos,
                           long bytesRead, long recordsVerified, long blockBytes) {

    public boolean hasDamage() {
        return problems.stream().anyMatch(p -> p.severity() != Problem.Severity.WARNING)
                || consumers.stream().anyMatch(c -> c instanceof ConsumerOutcome.Failed);
    }
}
