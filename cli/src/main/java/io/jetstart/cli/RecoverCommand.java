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
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StoreDirArg store = new StoreDirArg();

    @Option(names = "--json", description = "Write the report as JSON on stdout (inspect's fields plus outcome, duration_ms, problems, summary)")
    boolean json;

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
        Integer missing = store.refuseIfMissing(spec.commandLine().getErr());
        if (missing != null) {
            return missing;
        }
        Path storeDir = store.dir;
        RecoveryOptions opts = serverLine.applyTo(RecoveryOptions.defaults());
        try {
            // RecoveryOptions owns the ranges (1..8192 dios, 1..4096 workers) and says them.
            if (dios != null) {
                opts = opts.withDios(dios);
            }
            if (parallelism.workers != null) {
                opts = opts.withWorkers(parallelism.workers);
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("jetstart: " + e.getMessage());
            return Main.USAGE;
        }
        if (parallelism.sequential) {
            opts = opts.withMode(RecoveryOptions.Mode.SEQUENTIAL);
        }
        Integer badMetrics = metrics.refuseIfInvalid(spec.commandLine().getErr());
        if (badMetrics != null) {
            return badMetrics;
        }
        RecoveryObservation observation;
        try {
            observation = RecoveryObservation.start(metrics, quiet, quiet ? RecoveryListener.NONE : new LoggingListener(),
                    spec.commandLine().getErr());
        } catch (IOException e) {
            spec.commandLine().getErr().println("jetstart: cannot serve metrics on 127.0.0.1:" + metrics.metricsPort + ": " + e.getMessage());
            return Main.USAGE;
        }
        RecoveryReport report;
        try (observation) {
            opts = opts.withDeadline(deadline).withPreview(!noPreview).withListener(observation.listener());
            try (StoreRecovery recovery = new StoreRecovery(storeDir, opts)) {
                // Ctrl-C cancels the recovery cleanly: every stream stops within one block read.
                Thread hook = new Thread(recovery::close, "jetstart-cancel");
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    report = recovery.run();
                } catch (IOException e) {
                    observation.progress().recoveryFailed("cannot read " + storeDir + ": " + e.getMessage());
                    throw e;
                } finally {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // already running: nothing to remove
                    }
                }
            }
            observation.stopProgress();
            observation.writeMetrics();
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(ReportJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(ReportJson.report(report, true)));
        } else {
            out.print(ReportTable.render(report, true));
        }
        out.flush();
        return ExitStatus.of(report);
    }
}
