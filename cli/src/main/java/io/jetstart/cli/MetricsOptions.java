package io.jetstart.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --metrics-out FILE} and {@code --metrics-port PORT}, shared by recover and demo. */
final class MetricsOptions {
    @Option(names = "--metrics-out", paramLabel = "FILE",
            description = "At the end, write the recovery's meters to FILE in the Prometheus text format (atomically: "
                    + "temp file then rename, as node_exporter's textfile collector wants)")
    Path metricsOut;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "While recovering, serve /metrics (Prometheus), /healthz and /readyz on 127.0.0.1:PORT "
                    + "(0: any free port; the address is printed on stderr)")
    Integer metricsPort;

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
        if (metricsOut != null) {
            Path parent = metricsOut.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                return "--metrics-out: directory " + parent + " does not exist";
            }
            if (Files.isDirectory(metricsOut)) {
                return "--metrics-out: " + metricsOut + " is a directory";
            }
        }
        return null;
    }
}
