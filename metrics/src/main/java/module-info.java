/** jetstart-metrics: recovery events as Micrometer meters (a {@code MeterBinder}). */
module io.jetstart.metrics {
    requires transitive io.jetstart.recovery;
    // JetStartRuntimeMetrics binds a JetStartStore's meters.
    requires transitive io.jetstart.runtime;
    // JetStartRecoveryMetrics is a MeterBinder and takes Micrometer tags (an automatic module).
    requires transitive micrometer.core;

    exports io.jetstart.metrics;
}
