package io.jetstart.recovery;

import io.jetstart.core.lines.LineChoice;
import io.jetstart.core.lines.ServerLine;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The whole recovery: every stream's report (sorted by account, then name), totals and wall time.
 *
 * @param runner  "structured", "fallback" or "sequential": which task runner ran it
 * @param skipped directory entries discovery passed over, with the reason
 * @param checksum which record checksum verified the rebuilt streams ({@code "vector (...)"} or
 *                 {@code "scalar (why)"}); null when no stream was rebuilt
 * @param serverLine whose view the report follows: detected from the files, or asked for
 */
public record RecoveryReport(List<StreamReport> streams, long wallNanos, String runner, int dios, int workers,
                             int peakDiskOps, long gateWaitNanos, List<String> skipped, String checksum,
                             LineChoice serverLine) {

    /** Without a line: the newest line's view, as detected from nothing. */
    public RecoveryReport(List<StreamReport> streams, long wallNanos, String runner, int dios, int workers,
                          int peakDiskOps, long gateWaitNanos, List<String> skipped, String checksum) {
        this(streams, wallNanos, runner, dios, workers, peakDiskOps, gateWaitNanos, skipped, checksum,
                new LineChoice(ServerLine.NEWEST, false, List.of()));
    }

    public Map<Outcome, Integer> counts() {
        Map<Outcome, Integer> m = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            m.put(o, 0);
        }
        for (StreamReport s : streams) {
            m.merge(s.outcome(), 1, Integer::sum);
        }
        return m;
    }

    public long messages() {
        return streams.stream().filter(s -> s.state() != null).mapToLong(s -> s.state().messages()).sum();
    }

    public long bytes() {
        return streams.stream().filter(s -> s.state() != null).mapToLong(s -> s.state().bytes()).sum();
    }

    public long consumers() {
        return streams.stream().mapToLong(s -> s.consumers().size()).sum();
    }

    /** True when every stream came back (recovered or rebuilt). */
    public boolean allRecovered() {
        return streams.stream().allMatch(s -> s.outcome() == Outcome.RECOVERED || s.outcome() == Outcome.REBUILT);
    }
}
