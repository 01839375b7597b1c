package io.jetstart.metrics;

import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.StreamHandle;
import io.jetstart.runtime.StreamListener;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * Per-stream gauges of a runtime store: messages, bytes and readiness state, tagged {@code account}
 * and {@code stream}. Stream names are user data, so the tags are bounded: only the first
 * {@code limit} streams the store tells of get gauges; the others are counted by
 * {@link JetStartRuntimeMetrics#STREAMS_UNTRACKED}. A deleted stream's gauges are removed.
 */
final class StreamGauges implements StreamListener {
    /** The state gauge's values, in {@link StreamHandle.State} order. */
    static final List<String> STATE_VALUES = List.of("0 recovering", "1 ready", "2 read_only", "3 failed");

    private final MeterRegistry registry;
    private final Tags tags;
    private final int limit;
    /** Guarded by this (registering a meter is no I/O). Keyed by account and name. */
    private final Map<String, Tracked> streams = new HashMap<>();
    private final AtomicLong untracked = new AtomicLong();

    /** The stream's latest handle (a re-created stream gets a new one) and its meters. */
    private static final class Tracked {
        volatile StreamHandle handle;
        List<Meter.Id> ids;
    }

    StreamGauges(MeterRegistry registry, Tags tags, int limit) {
        this.registry = registry;
        this.tags = tags;
        this.limit = limit;
    }

    long untracked() {
        return untracked.get();
    }

    @Override
    public synchronized void streamKnown(StreamHandle handle) {
        String key = handle.account() + "\u0000" + handle.name();
        Tracked t = streams.get(key);
        if (t != null) {
            t.handle = handle;
            return;
        }
        if (streams.size() >= limit) {
            untracked.incrementAndGet();
            return;
        }
        Tracked n = new Tracked();
        n.handle = handle;
        Tags streamTags = tags.and("account", handle.account(), "stream", handle.name());
        n.ids = List.of(
                gauge(JetStartRuntimeMetrics.STREAM_MESSAGES, "Messages in the stream (0 until it is served)", null, streamTags, n,
                        s -> s.info().messages()),
                gauge(JetStartRuntimeMetrics.STREAM_BYTES, "Record bytes of the stream's messages (0 until it is served)", "bytes",
                        streamTags, n, s -> s.info().bytes()),
                Gauge.builder(JetStartRuntimeMetrics.STREAM_STATE, n, x -> x.handle.state().ordinal())
                        .description("Readiness of the stream: " + String.join(", ", STATE_VALUES)).tags(streamTags)
                        .register(registry).getId());
        streams.put(key, n);
    }

    private Meter.Id gauge(String name, String description, String unit, Tags streamTags, Tracked t,
                           ToDoubleFunction<JetStartStream> value) {
        return Gauge.builder(name, t, x -> {
            JetStartStream s = x.handle.ready().getNow(null);
            return s == null ? 0 : value.applyAsDouble(s);
        }).description(description).baseUnit(unit).tags(streamTags).register(registry).getId();
    }

    @Override
    public synchronized void streamRemoved(String account, String name) {
        Tracked t = streams.remove(account + "\u0000" + name);
        if (t != null) {
            t.ids.forEach(registry::remove);
        }
    }
}
