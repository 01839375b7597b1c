package io.jetstart.bench;

import java.util.List;
import java.util.Optional;

/**
 * Everything one {@code jetstart bench} produced, for {@link BenchTable} and {@link Targets}.
 *
 * @param commandLine the command as typed, for the record
 * @param cacheNote   how the page cache was treated ("warm", "dropped before each run", or why not)
 * @param notes       things the reader must know (servers missing, 2.9 and index.db, ...)
 */
record BenchResult(WorkloadCache.Prepared prepared, Machine machine, int runs, List<String> jvmOptions, String commandLine,
                   String cacheNote, List<Section> sections, List<String> notes) {

    /** One store state and the rows timed on it. */
    record Section(Mode mode, List<Row> rows) {
        Optional<Row> row(String key) {
            return rows.stream().filter(r -> r.variant().key().equals(key)).findFirst();
        }
    }

    /**
     * One variant's runs; {@code notRun} says why a row has no samples.
     */
    record Row(Variant variant, List<Sample> samples, String notRun) {
        boolean measured() {
            return !samples.isEmpty() && samples.stream().allMatch(Sample::ok);
        }

        /** The figure ratios use: a server from its exec, everything else its own wall time. */
        List<Long> headline() {
            return samples.stream().map(s -> variant instanceof Variant.Server ? s.fromExecNanos() : s.innerNanos()).toList();
        }

        List<Long> fromExec() {
            return samples.stream().map(Sample::fromExecNanos).toList();
        }
    }

    Optional<Section> section(Mode m) {
        return sections.stream().filter(s -> s.mode() == m).findFirst();
    }

    /** Median headline of a measured row, else empty. */
    Optional<Long> median(Mode m, String key) {
        return section(m).flatMap(s -> s.row(key)).filter(Row::measured).map(r -> Stats.median(r.headline()));
    }

    Optional<Long> medianFromExec(Mode m, String key) {
        return section(m).flatMap(s -> s.row(key)).filter(Row::measured).map(r -> Stats.median(r.fromExec()));
    }

    /** Median CPU time from exec of a measured row whose every run reported one, else empty. */
    Optional<Long> medianCpu(Mode m, String key) {
        return section(m).flatMap(s -> s.row(key)).filter(Row::measured)
                .filter(r -> r.samples().stream().allMatch(x -> x.cpuNanos() >= 0))
                .map(r -> Stats.median(r.samples().stream().map(Sample::cpuNanos).toList()));
    }
}
