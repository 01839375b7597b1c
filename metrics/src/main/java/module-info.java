/** jetstart-metrics: recovery events as Micrometer meters (a {@code MeterBinder}). */
module io.jetstart.metrics {
    requires transitive io.jetstart.recovery;
    // JetStartRecoveryMetrics is a MeterBinder and takes Micrometer tags (an automatic module).
    requires transitive micrometer.core;

    exports io.jetstart.metrics;
}
