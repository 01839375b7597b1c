package io.jetstart.metrics;

import io.jetstart.recovery.RecoveryReport;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.ToLongFunction;

/**
 * Store-level gauges (streams, consumers, messages, bytes), registered once the store has
 * something to show: the first recovery's report, or a live source from the runtime, which then
 * wins over every later report.
 */
final class StoreMeters {
    private volatile StoreTotals fromReport;
    private volatile StoreTotals live;
    private MeterRegistry registry;
    private Tags tags;
    private boolean registered;

    synchronized void bind(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.tags = tags;
        registerWhenReady();
    }

    /** Reporter thread. */
    void recovered(RecoveryReport report) {
        fromReport = StoreTotals.of(report);
        registerWhenReady();
    }

    void track(StoreTotals totals) {
        live = totals;
        registerWhenReady();
    }

    // Registration only, never I/O: the lock orders a bind racing the first report.
    private synchronized void registerWhenReady() {
        if (registered || registry == null || current() == null) {
            return;
        }
        registered = true;
        gauge(RecoveryMeterNames.STORE_STREAMS, null, "Streams serving (recovered or rebuilt)", StoreTotals::streams);
        gauge(RecoveryMeterNames.STORE_CONSUMERS, null, "Consumers serving", StoreTotals::consumers);
        gauge(RecoveryMeterNames.STORE_MESSAGES, null, "Messages stored in serving streams", StoreTotals::messages);
        gauge(RecoveryMeterNames.STORE_SIZE, "bytes", "Message bytes stored in serving streams", StoreTotals::bytes);
    }

    private void gauge(String name, String unit, String description, ToLongFunction<StoreTotals> f) {
        Gauge.builder(name, this, m -> {
            StoreTotals t = m.current();
            return t == null ? Double.NaN : f.applyAsLong(t);
        }).description(description).baseUnit(unit).tags(tags).strongReference(true).register(registry);
    }

    private StoreTotals current() {
        StoreTotals l = live;
        return l != null ? l : fromReport;
    }
}
