package io.jetstart.cli;

import io.jetstart.recovery.LoggingListener;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jetstart recover}: the structured parallel startup of every stream and consumer. */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Recover every stream and consumer in parallel (a virtual thread per stream under structured "
                + "concurrency), read-only, and report what came back. Logs nats-server's restore lines on stderr.")
final class RecoverCommand implements Callable<Integer> {
    private static final OptionFlags FLAGS = OptionFlags.of("dios", "--dios", "workers", "--workers");

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StoreInput input = new StoreInput();

    @Option(names = "--json", description = "Write the report as JSON on stdout: inspect's fields plus outcome, duration_ms, "
            + "gate_wait_ms, bytes_read per stream and a summary (docs/json.md)")
    boolean json;

    @Option(names = "--pretty", description = "Indent the JSON (default: compact)")
    boolean pretty;

    static final class Parallelism {
        @Option(names = "--workers", paramLabel = "N", description = "Blocks read or parsed at once across all streams (default: 2 x cores, fewer on a small heap)")
        Integer workers;

        @Option(names = "--sequential", description = "One stream, consumer and block at a time on one thread (the benchmark baseline)")
        boolean sequential;
    }

    @ArgGroup(exclusive = true)
    Parallelism parallelism = new Parallelism();

    @Option(names = "--dios", paramLabel = "N", description = "Blocking disk operations in flight at once, 1..8192 (default: max(4, 2 x cores); raise it for network disks)")
    Integer dios;

    @Option(names = "--deadline", paramLabel = "DUR", converter = GoDurationConverter.class,
            description = "Cancel streams not finished after this long (e.g. 30s, 2m) and report them")
    Duration deadline;

    @Option(names = "--no-preview", description = "Use the virtual-thread fallback instead of StructuredTaskScope")
    boolean noPreview;

    @Option(names = {"-q", "--quiet"}, description = "No log lines and no progress line")
    boolean quiet;

    @Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Mixin
    ServerLineOption serverLine = new ServerLineOption();

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        Integer refused = input.refuseStoreOrKey(err);
        if (refused != null) {
            return refused;
        }
        Path storeDir = input.dir();
        RecoveryOptions opts = serverLine.applyTo(RecoveryOptions.defaults().withKey(input.key()));
        try {
            // RecoveryOptions owns the ranges (1..8192 dios, 1..4096 workers) and says them.
            if (dios != null) {
                opts = opts.withDios(dios);
            }
            if (parallelism.workers != null) {
                opts = opts.withWorkers(parallelism.workers);
            }
        } catch (IllegalArgumentException e) {
            err.println("jetstart: " + FLAGS.describe(e));
            return Main.USAGE;
        }
        if (deadline != null && deadline.isZero()) {
            // The converter takes no sign, so zero is the only non-positive value; echo it as typed.
            err.println("jetstart: --deadline must be positive, got " + typed("--deadline"));
            return Main.USAGE;
        }
        if (parallelism.sequential) {
            opts = opts.withMode(RecoveryOptions.Mode.SEQUENTIAL);
        }
        Integer badMetrics = metrics.refuseIfInvalid(err);
        if (badMetrics != null) {
            return badMetrics;
        }
        Integer unknown = input.refuseUnknownStreams(err);
        if (unknown != null) {
            return unknown;
        }
        RecoveryObservation observation;
        try {
            observation = RecoveryObservation.start(metrics, quiet, quiet ? RecoveryListener.NONE : new LoggingListener(), err);
        } catch (IOException e) {
            err.println("jetstart: cannot serve metrics on 127.0.0.1:" + metrics.metricsPort + ": " + e.getMessage());
            return Main.USAGE;
        }
        opts = opts.withDeadline(deadline).withPreview(!noPreview).withListener(observation.listener())
                .withOnlyStreams(input.streams());
        try (observation;
             StoreRecovery recovery = new StoreRecovery(storeDir, opts);
             // Ctrl-C or SIGTERM cancels cleanly (every stream stops within one block read), and the
             // report and the metrics file are still written before the process exits with 3.
             ReportOnShutdown shutdown = ReportOnShutdown.install(() -> {
                 recovery.close();
                 observation.stopLingering();
             })) {
            RecoveryReport report;
            try {
                report = recovery.run();
            } catch (IOException e) {
                observation.progress().recoveryFailed("cannot read " + storeDir + ": " + e.getMessage());
                throw e;
            }
            observation.stopProgress();
            observation.writeMetrics();
            var out = spec.commandLine().getOut();
            boolean read = true;
            if (json) {
                read = ReportJson.println(ReportJson.report(report, true), pretty, out);
            } else {
                out.print(ReportTable.render(report, true));
                if (!quiet) {
                    out.println(ReportTable.TIME_NOTE);
                }
            }
            out.flush();
            int status = read ? ExitStatus.of(report) : Main.STDOUT_CLOSED;
            observation.linger();
            shutdown.finished(status);
            return status;
        }
    }

    /** An option's value as the user typed it (picocli keeps the original strings). */
    private String typed(String option) {
        var matched = spec.commandLine().getParseResult().matchedOption(option);
        return matched == null || matched.originalStringValues().isEmpty() ? "?" : matched.originalStringValues().getLast();
    }
}
