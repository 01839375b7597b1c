package io.jetstart.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --metrics-out FILE}, {@code --metrics-port PORT} and {@code --linger DUR}, shared by recover and demo. */
final class MetricsOptions {
    @Option(names = "--metrics-out", paramLabel = "FILE",
            description = "At the end, write the recovery's meters to FILE in the Prometheus text format (atomically: "
                    + "temp file then rename, as node_exporter's textfile collector wants)")
    Path metricsOut;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "While recovering, serve /metrics (Prometheus), /healthz and /readyz on 127.0.0.1:PORT "
                    + "(0: any free port; the address is printed on stderr); with --linger, also for DUR after the end")
    Integer metricsPort;

    @Option(names = "--linger", paramLabel = "DUR", converter = GoDurationConverter.class,
            description = "With --metrics-port: keep serving for DUR after the recovery ended (e.g. 30s, 5m), so a scraper "
                    + "sees /readyz 200 (or DEGRADED) and the final counters; Ctrl-C stops it early")
    Duration linger;

    boolean wanted() {
        return metricsOut != null || metricsPort != null;
    }

    /** {@link Main#USAGE} after saying why on {@code err} when the options cannot be used; else null. */
    Integer refuseIfInvalid(java.io.PrintWriter err) {
        String why = validate();
        if (why == null) {
            return null;
        }
        err.println("jetstart: " + why);
        return Main.USAGE;
    }

    /** A usage error, or null when the options can be used. */
    private String validate() {
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65_535)) {
            return "--metrics-port must be between 0 and 65535, got " + metricsPort;
        }
        if (linger != null && metricsPort == null) {
            return "--linger keeps the --metrics-port endpoints up after the end: it needs --metrics-port";
        }
        if (metricsOut != null) {
            Path parent = metricsOut.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                // The directory as the user wrote it (relative stays relative).
                Path typed = metricsOut.getParent();
                return "--metrics-out: directory " + (typed == null ? parent : typed) + " does not exist";
            }
            if (Files.isDirectory(metricsOut)) {
                return "--metrics-out: " + metricsOut + " is a directory";
            }
        }
        return null;
    }
}
