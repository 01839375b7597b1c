package io.jetstart.metrics;

import io.jetstart.recovery.GateView;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The dios gate's meters: permits, permits in use and waiters while a recovery runs, and a
 * cumulative timer of the time disk operations waited for a permit.
 *
 * <p>Design note: the wait timer is a {@link FunctionTimer} over the gate's own monotonic totals
 * (operations granted, nanoseconds waited), read at scrape time. Recording a {@code Timer} per
 * acquisition would put a meter-registry call on every stream thread's disk path, or one event
 * per block read through the event queue; the totals give the same rate and mean wait
 * ({@code rate(sum) / rate(count)}) for neither cost. What it cannot give is a maximum or
 * percentiles; the waiters gauge shows a pile-up while it happens.
 */
final class GateMeters {
    /** Totals of finished recoveries plus the live gate of the running one, swapped as one value. */
    private record Totals(long operations, long waitNanos, GateView live) {
        long operationsNow() {
            return operations + (live == null ? 0 : live.operations());
        }

        long waitNanosNow() {
            return waitNanos + (live == null ? 0 : live.totalWaitNanos());
        }

        Totals folded() {
            return new Totals(operationsNow(), waitNanosNow(), null);
        }
    }

    private volatile Totals totals = new Totals(0, 0, null);

    void bind(MeterRegistry registry, Tags tags) {
        // The functions capture this object, so the registry keeps it reachable: FunctionTimer
        // alone holds its state object weakly, and a dropped binder would turn the timer to NaN.
        FunctionTimer.builder(RecoveryMeterNames.GATE_WAIT, this, g -> operations(), g -> waitNanos(), TimeUnit.NANOSECONDS)
                .description("Time disk operations waited for a dios permit (count: permits granted)")
                .tags(tags)
                .register(registry);
    }

    /** Follows {@code gate} until {@link #finish()}; returns the live gauges to remove then. */
    List<Meter> start(MeterRegistry registry, Tags tags, GateView gate) {
        totals = new Totals(totals.operationsNow(), totals.waitNanosNow(), gate);
        return List.of(
                Gauge.builder(RecoveryMeterNames.GATE_PERMITS, gate, GateView::permits)
                        .description("Permits of the dios gate: blocking disk operations allowed in flight at once")
                        .tags(tags).strongReference(true).register(registry),
                Gauge.builder(RecoveryMeterNames.GATE_IN_USE, gate, GateView::inUse)
                        .description("Disk operations holding a dios permit now")
                        .tags(tags).strongReference(true).register(registry),
                Gauge.builder(RecoveryMeterNames.GATE_WAITERS, gate, GateView::waiters)
                        .description("Disk operations waiting for a dios permit now")
                        .tags(tags).strongReference(true).register(registry));
    }

    /** Keeps the finished gate's totals and lets it go. */
    void finish() {
        totals = totals.folded();
    }

    long operations() {
        return totals.operationsNow();
    }

    double waitNanos() {
        return totals.waitNanosNow();
    }
}
