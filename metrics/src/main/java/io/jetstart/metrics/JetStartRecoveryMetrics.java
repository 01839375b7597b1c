package io.jetstart.metrics;

import io.jetstart.core.store.Problem;
import io.jetstart.recovery.Outcome;
import io.jetstart.recovery.Progress;
import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryProgress;
import io.jetstart.recovery.StreamReport;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Recovery meters, driven by recovery events: bind it to the application's registry, then pass
 * it as (part of) the recovery's listener. Every meter and its Prometheus name is in
 * docs/metrics.md; names are in {@link RecoveryMeterNames}.
 *
 * <pre>{@code
 * JetStartRecoveryMetrics metrics = new JetStartRecoveryMetrics(Tags.of("app", "orders"));
 * metrics.bindTo(registry);
 * StoreRecovery.recover(dir, RecoveryOptions.defaults().withListener(new LoggingListener().andThen(metrics)));
 * }</pre>
 *
 * <p>Three lifetimes: counters, timers and summaries are cumulative from {@link #bindTo}; the
 * progress and gate gauges exist only while a recovery runs (so a dashboard shows them only when
 * they mean something, as Kafka's {@code remainingLogsToRecover}); the store gauges appear after
 * the first recovery and stay, kept current by {@link #trackStore}.
 *
 * <p>Bind to one registry (use a composite registry for several); events that arrive before
 * {@link #bindTo} are not counted. Never touches the global registry.
 */
public final class JetStartRecoveryMetrics implements MeterBinder, RecoveryListener {
    private final Tags tags;
    private final RecoveryProgress progress = new RecoveryProgress();
    private final GateMeters gate = new GateMeters();
    private final StoreMeters store = new StoreMeters();
    private volatile RecoveryMeters meters;

    // Reporter thread only.
    private final Map<String, long[]> scanned = new HashMap<>();
    private final List<Meter> live = new ArrayList<>();
    private LongTaskTimer.Sample running;

    public JetStartRecoveryMetrics() {
        this(Tags.empty());
    }

    /** @param tags added to every meter (e.g. the application or the store) */
    public JetStartRecoveryMetrics(Iterable<Tag> tags) {
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (meters != null) {
            if (meters.registry() == registry) {
                return;
            }
            throw new IllegalStateException("already bound to another registry; bind a CompositeMeterRegistry instead");
        }
        RecoveryMeters m = RecoveryMeters.register(registry, tags);
        gate.bind(registry, tags);
        store.bind(registry, tags);
        meters = m;
    }

    /**
     * Makes the store gauges follow {@code totals} (the runtime's live counts) instead of the last
     * recovery report.
     */
    public void trackStore(StoreTotals totals) {
        store.track(Objects.requireNonNull(totals, "totals"));
    }

    @Override
    public void onEvent(RecoveryEvent event) {
        progress.onEvent(event);
        RecoveryMeters m = meters;
        if (m == null) {
            return;
        }
        switch (event) {
            case RecoveryEvent.RecoveryStarted e -> started(m, e);
            case RecoveryEvent.StreamStarted e -> scanned.put(key(e.account(), e.stream()), new long[2]);
            case RecoveryEvent.BlockScanned e -> {
                long[] s = scanned.get(key(e.account(), e.stream()));
                if (s != null) {
                    s[0] += e.bytes();
                    s[1] += e.records();
                }
                m.read().increment(e.bytes());
                m.recordsVerified().increment(e.records());
            }
            case RecoveryEvent.StreamRestored e -> { }
            case RecoveryEvent.ConsumersStarting e -> { }
            case RecoveryEvent.ConsumerRestored e -> m.consumersRestored().increment();
            case RecoveryEvent.ConsumerFailed e -> m.consumersFailed().increment();
            case RecoveryEvent.StreamFinished e -> streamFinished(m, e.report());
            case RecoveryEvent.RecoveryFinished e -> {
                removeLive(m.registry());
                gate.finish();
                if (running != null) {
                    running.stop();
                    running = null;
                }
                m.recoveryDuration().record(e.report().wallNanos(), TimeUnit.NANOSECONDS);
                scanned.clear();
                store.recovered(e.report());
            }
        }
    }

    private void started(RecoveryMeters m, RecoveryEvent.RecoveryStarted e) {
        removeLive(m.registry());
        if (running == null) {
            running = m.recovery().start();
        }
        MeterRegistry r = m.registry();
        live.add(progressGauge(r, RecoveryMeterNames.STREAMS_REMAINING, null, Tags.empty(),
                "Streams not finished yet (only while a recovery runs)", p -> p.streamsRemaining()));
        live.add(progressGauge(r, RecoveryMeterNames.REMAINING, "bytes", Tags.empty(),
                "Block bytes not recovered yet (only while a recovery runs)", p -> p.bytesRemaining()));
        live.add(progressGauge(r, RecoveryMeterNames.STREAMS_ACTIVE, null, Tags.of("phase", "messages"),
                "Streams running, by phase: messages (opening or rebuilding) or consumers (only while a recovery runs)",
                p -> p.restoringMessages()));
        live.add(progressGauge(r, RecoveryMeterNames.STREAMS_ACTIVE, null, Tags.of("phase", "consumers"),
                "Streams running, by phase: messages (opening or rebuilding) or consumers (only while a recovery runs)",
                p -> p.restoringConsumers()));
        live.addAll(gate.start(r, tags, e.gate()));
    }

    private Gauge progressGauge(MeterRegistry r, String name, String unit, Tags extra, String description,
                                java.util.function.ToLongFunction<Progress> f) {
        return Gauge.builder(name, progress, p -> f.applyAsLong(p.progress()))
                .description(description).baseUnit(unit).tags(tags.and(extra)).strongReference(true).register(r);
    }

    private void removeLive(MeterRegistry registry) {
        for (Meter meter : live) {
            registry.remove(meter);
        }
        live.clear();
    }

    private void streamFinished(RecoveryMeters m, StreamReport r) {
        Outcome outcome = r.outcome();
        m.streamDuration().get(outcome).record(r.nanos(), TimeUnit.NANOSECONDS);
        m.streams().get(outcome).increment();
        // Blocks scanned were counted as they came; add what only the report knows (index.db reads).
        long[] s = scanned.remove(key(r.account(), r.name()));
        long bytesSeen = s == null ? 0 : s[0];
        long recordsSeen = s == null ? 0 : s[1];
        m.read().increment(Math.max(0, r.bytesRead() - bytesSeen));
        m.recordsVerified().increment(Math.max(0, r.recordsVerified() - recordsSeen));
        for (Problem p : r.problems()) {
            m.problems().get(p.severity()).increment();
            if (p.severity() == Problem.Severity.DAMAGE && p.message().toLowerCase(Locale.ROOT).contains("checksum")) {
                m.checksumFailures().increment();
            }
        }
        if (r.state() != null) {
            if (r.state().lost() != null) {
                m.lost().increment(r.state().lost().bytes());
            }
            m.streamSize().record(r.state().bytes());
            m.streamMessages().record(r.state().messages());
        }
    }

    private static String key(String account, String stream) {
        return account + " > " + stream;
    }
}
