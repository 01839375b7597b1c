package io.jetstart.metrics;

import io.jetstart.core.store.StreamView;
import io.jetstart.runtime.CommitListener;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Meters of an open runtime store: what its writers commit (publishes, bytes, batch sizes, sync
 * time, publish latency from enqueue to ack), how much waits in their queues, how many streams
 * are in each readiness state, and per stream its messages, bytes and readiness. Stream names are
 * tags only on the per-stream gauges, and only for the first {@code perStreamLimit} streams (the
 * tags stay bounded); the others are counted by {@link #STREAMS_UNTRACKED}.
 *
 * <pre>{@code
 * JetStartRuntimeMetrics m = new JetStartRuntimeMetrics(store, Tags.of("app", "orders"));
 * m.bindTo(registry);                // also follows the store's streams for the per-stream gauges
 * store.addCommitListener(m);
 * m.keepCurrent(recoveryMetrics);   // the store gauges follow the live totals
 * }</pre>
 */
public final class JetStartRuntimeMetrics implements MeterBinder, CommitListener {
    public static final String PUBLISHES = "jetstart.runtime.publishes";
    public static final String PUBLISHED = "jetstart.runtime.published";
    public static final String BATCH_SIZE = "jetstart.runtime.batch.size";
    public static final String SYNC = "jetstart.runtime.sync";
    public static final String PUBLISH_LATENCY = "jetstart.runtime.publish.latency";
    public static final String QUEUED = "jetstart.runtime.queued";
    public static final String STREAMS = "jetstart.runtime.streams";
    public static final String STREAM_MESSAGES = "jetstart.runtime.stream.messages";
    public static final String STREAM_BYTES = "jetstart.runtime.stream.bytes";
    public static final String STREAM_STATE = "jetstart.runtime.stream.state";
    public static final String STREAMS_UNTRACKED = "jetstart.runtime.streams.untracked";
    /** Streams that get per-stream gauges unless the constructor says otherwise. */
    public static final int DEFAULT_PER_STREAM_LIMIT = 100;

    private final JetStartStore store;
    private final Tags tags;
    private final int perStreamLimit;
    private volatile Counter publishes;
    private volatile Counter published;
    private volatile DistributionSummary batchSize;
    private volatile Timer sync;
    private volatile Timer latency;

    public JetStartRuntimeMetrics(JetStartStore store, Iterable<Tag> tags) {
        this(store, tags, DEFAULT_PER_STREAM_LIMIT);
    }

    /** @param perStreamLimit streams that get per-stream gauges (0: none) */
    public JetStartRuntimeMetrics(JetStartStore store, Iterable<Tag> tags, int perStreamLimit) {
        this.store = Objects.requireNonNull(store, "store");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        if (perStreamLimit < 0) {
            throw new IllegalArgumentException("per-stream limit must be 0 or more, got " + perStreamLimit);
        }
        this.perStreamLimit = perStreamLimit;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        publishes = Counter.builder(PUBLISHES).description("Messages stored by the runtime's writers").tags(tags).register(registry);
        published = Counter.builder(PUBLISHED).description("Record bytes of the messages stored").baseUnit("bytes").tags(tags)
                .register(registry);
        batchSize = DistributionSummary.builder(BATCH_SIZE).description("Messages per committed batch (group commit)")
                .tags(tags).register(registry);
        sync = Timer.builder(SYNC).description("fsync time per synced batch").tags(tags).register(registry);
        latency = Timer.builder(PUBLISH_LATENCY).description("Publish latency, from enqueue to ack").publishPercentiles(0.5, 0.99)
                .tags(tags).register(registry);
        Gauge.builder(QUEUED, store, s -> s.served().stream().mapToLong(JetStartStream::queued).sum())
                .description("Operations waiting for the writers").tags(tags).register(registry);
        Gauge.builder(STREAMS, store, s -> s.streamStates().recovering()).description("Streams by readiness")
                .tags(tags.and("state", "recovering")).register(registry);
        Gauge.builder(STREAMS, store, s -> s.streamStates().ready()).description("Streams by readiness")
                .tags(tags.and("state", "ready")).register(registry);
        Gauge.builder(STREAMS, store, s -> s.streamStates().readOnly()).description("Streams by readiness")
                .tags(tags.and("state", "read_only")).register(registry);
        Gauge.builder(STREAMS, store, s -> s.streamStates().failed()).description("Streams by readiness")
                .tags(tags.and("state", "failed")).register(registry);
        StreamGauges perStream = new StreamGauges(registry, tags, perStreamLimit);
        Gauge.builder(STREAMS_UNTRACKED, perStream, StreamGauges::untracked)
                .description("Streams without per-stream gauges (beyond the per-stream limit)").tags(tags).register(registry);
        store.addStreamListener(perStream);
    }

    @Override
    public void batchCommitted(CommittedBatch batch) {
        Counter p = publishes;
        if (p == null) {
            return;
        }
        p.increment(batch.publishes());
        published.increment(batch.bytes());
        batchSize.record(batch.publishes());
        if (batch.syncNanos() > 0) {
            sync.record(batch.syncNanos(), TimeUnit.NANOSECONDS);
        }
        for (long l : batch.publishLatencies()) {
            latency.record(l, TimeUnit.NANOSECONDS);
        }
    }

    /** Makes the recovery binder's store gauges (streams, messages, bytes) follow this store's live totals. */
    public void keepCurrent(JetStartRecoveryMetrics recovery) {
        recovery.trackStore(new StoreTotals() {
            @Override
            public long streams() {
                return store.served().size();
            }

            @Override
            public long consumers() {
                return store.served().stream().mapToLong(s -> s.consumerNames().size()).sum();
            }

            @Override
            public long messages() {
                return store.served().stream().map(JetStartStream::info).mapToLong(StreamView::messages).sum();
            }

            @Override
            public long bytes() {
                return store.served().stream().map(JetStartStream::info).mapToLong(StreamView::bytes).sum();
            }
        });
    }
}
