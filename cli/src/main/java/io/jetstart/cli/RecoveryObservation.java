package io.jetstart.cli;

import io.jetstart.metrics.JetStartRecoveryMetrics;
import io.jetstart.recovery.GoFormat;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryProgress;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Everything that watches one CLI recovery: readiness, the meters (only when {@code --metrics-out}
 * or {@code --metrics-port} asks for them), the HTTP endpoints and the progress line. Build it
 * before the recovery, pass {@link #listener()} to it; after it, {@link #stopProgress()},
 * {@link #writeMetrics()}, print the report, {@link #linger()}, then close it.
 */
final class RecoveryObservation implements AutoCloseable {
    private final RecoveryProgress progress = new RecoveryProgress();
    private final MetricsOptions options;
    private final PrometheusMeterRegistry registry;
    private final MetricsServer server;
    private final ProgressReporter reporter;
    private final RecoveryListener listener;
    private final PrintWriter err;
    /** Counted down by {@link #stopLingering()} (a signal): ends {@link #linger()} at once, or skips it. */
    private final CountDownLatch stopLinger = new CountDownLatch(1);

    private RecoveryObservation(MetricsOptions options, boolean quiet, RecoveryListener logging, PrintWriter err)
            throws IOException {
        this.options = options;
        this.err = err;
        RecoveryListener l = progress;
        if (options.wanted()) {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            JetStartRecoveryMetrics metrics = new JetStartRecoveryMetrics();
            metrics.bindTo(registry);
            l = l.andThen(metrics);
        } else {
            registry = null;
        }
        server = options.metricsPort == null ? null : MetricsServer.start(options.metricsPort, registry, progress);
        if (server != null) {
            err.println("jetstart: serving " + server.url() + "/metrics, /healthz and /readyz while recovering");
            err.flush();
        }
        reporter = quiet ? null : new ProgressReporter(progress, err, ProgressReporter.onTerminal());
        listener = l.andThen(reporter == null ? logging : reporter.around(logging));
    }

    /**
     * @param logging the log listener ({@code RecoveryListener.NONE} when quiet)
     * @param err     where the progress line and the endpoint's address go
     * @throws IOException when the metrics port cannot be bound
     */
    static RecoveryObservation start(MetricsOptions options, boolean quiet, RecoveryListener logging, PrintWriter err)
            throws IOException {
        return new RecoveryObservation(options, quiet, logging, err);
    }

    RecoveryListener listener() {
        return listener;
    }

    RecoveryProgress progress() {
        return progress;
    }

    /** Stops the progress line (before the report is printed) but keeps the endpoints up. */
    void stopProgress() {
        if (reporter != null) {
            reporter.close();
        }
    }

    /** Writes {@code --metrics-out}, if asked: to a temp file next to it, then renamed over it. */
    void writeMetrics() throws IOException {
        if (options.metricsOut == null) {
            return;
        }
        Path target = options.metricsOut.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, registry.scrape());
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * With {@code --linger DUR} and {@code --metrics-port}: keeps the endpoints up for DUR after
     * the recovery, so a scraper sees {@code /readyz} READY (or DEGRADED) and the final counters,
     * which it never could when the server stopped with the recovery. Returns early on
     * {@link #stopLingering()}; at once when there is nothing to linger for.
     */
    void linger() throws InterruptedException {
        if (server == null || options.linger == null || options.linger.isZero() || stopLinger.getCount() == 0) {
            return;
        }
        // Said even with --quiet, as the address is: otherwise the process just seems to hang.
        err.println("jetstart: recovery done; serving " + server.url() + "/metrics, /healthz and /readyz for "
                + GoFormat.duration(options.linger.toNanos()) + " more (--linger; Ctrl-C stops)");
        err.flush();
        stopLinger.await(options.linger.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Ends a {@link #linger()} in progress, or makes the next one return at once. Any thread. */
    void stopLingering() {
        stopLinger.countDown();
    }

    @Override
    public void close() {
        stopProgress();
        if (server != null) {
            server.close();
        }
    }
}
