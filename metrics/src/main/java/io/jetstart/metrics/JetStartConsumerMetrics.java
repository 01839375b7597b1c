package io.jetstart.metrics;

import io.jetstart.runtime.ConsumerCounters;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PullConsumer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Meters of the runtime's pull consumers: deliveries, acks, naks and redeliveries (counters), and
 * messages awaiting an ack and left to deliver (gauges). By default one series per store, summed
 * over its consumers (deleted ones keep their counts in the sums). Consumer names are unbounded
 * user data, so they become tags ({@code stream}, {@code consumer}) only for the consumers the
 * application names with {@link #track}, as many as it chooses and no more.
 *
 * <pre>{@code
 * JetStartConsumerMetrics m = new JetStartConsumerMetrics(store, Tags.of("app", "orders"))
 *         .track("ORDERS", "billing");
 * m.bindTo(registry);
 * }</pre>
 */
public final class JetStartConsumerMetrics implements MeterBinder {
    public static final String DELIVERIES = "jetstart.runtime.consumer.deliveries";
    public static final String ACKS = "jetstart.runtime.consumer.acks";
    public static final String NAKS = "jetstart.runtime.consumer.naks";
    public static final String REDELIVERIES = "jetstart.runtime.consumer.redeliveries";
    public static final String ACK_PENDING = "jetstart.runtime.consumer.ack.pending";
    public static final String PENDING = "jetstart.runtime.consumer.pending";

    private record Tracked(String account, String stream, String consumer) {
    }

    private final JetStartStore store;
    private final Tags tags;
    private final List<Tracked> tracked = new ArrayList<>();

    public JetStartConsumerMetrics(JetStartStore store, Iterable<Tag> tags) {
        this.store = Objects.requireNonNull(store, "store");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** Adds series tagged with this consumer's stream and name (account {@code $G}). */
    public JetStartConsumerMetrics track(String stream, String consumer) {
        return track(JetStartStore.DEFAULT_ACCOUNT, stream, consumer);
    }

    /** Adds series tagged with this consumer's stream and name. */
    public JetStartConsumerMetrics track(String account, String stream, String consumer) {
        tracked.add(new Tracked(account, stream, consumer));
        return this;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        ConsumerCounters totals = store.consumerCounters();
        counters(registry, tags, totals, c -> c);
        Gauge.builder(ACK_PENDING, store, s -> sum(s, PullConsumer::ackPending))
                .description("Messages delivered and not acknowledged yet, over all pull consumers").tags(tags).register(registry);
        Gauge.builder(PENDING, store, s -> sum(s, JetStartConsumerMetrics::pending))
                .description("Messages left to deliver, over all pull consumers").tags(tags).register(registry);
        for (Tracked t : tracked) {
            Tags tt = tags.and("stream", t.stream(), "consumer", t.consumer());
            counters(registry, tt, t, x -> {
                PullConsumer c = find(x);
                return c == null ? null : c.counters();
            });
            Gauge.builder(ACK_PENDING, t, x -> {
                PullConsumer c = find(x);
                return c == null ? 0 : c.ackPending();
            }).description("Messages delivered and not acknowledged yet").tags(tt).register(registry);
            Gauge.builder(PENDING, t, x -> {
                PullConsumer c = find(x);
                return c == null ? 0 : pending(c);
            }).description("Messages left to deliver").tags(tt).register(registry);
        }
    }

    private static <T> void counters(MeterRegistry registry, Tags tags, T source, java.util.function.Function<T, ConsumerCounters> of) {
        counter(registry, DELIVERIES, "Messages delivered, redeliveries included", tags, source, of, ConsumerCounters::deliveries);
        counter(registry, ACKS, "Acknowledgements (ack and term)", tags, source, of, ConsumerCounters::acks);
        counter(registry, NAKS, "Negative acknowledgements", tags, source, of, ConsumerCounters::naks);
        counter(registry, REDELIVERIES, "Messages delivered again (after a nak or the ack wait)", tags, source, of,
                ConsumerCounters::redeliveries);
    }

    private static <T> void counter(MeterRegistry registry, String name, String description, Tags tags, T source,
                                    java.util.function.Function<T, ConsumerCounters> of,
                                    java.util.function.ToLongFunction<ConsumerCounters> value) {
        ToDoubleFunction<T> f = x -> {
            ConsumerCounters c = of.apply(x);
            return c == null ? 0 : value.applyAsLong(c);
        };
        FunctionCounter.builder(name, source, f).description(description).tags(tags).register(registry);
    }

    private PullConsumer find(Tracked t) {
        for (JetStartStream s : store.served()) {
            if (s.account().equals(t.account()) && s.name().equals(t.stream())) {
                for (PullConsumer c : s.servedConsumers()) {
                    if (c.name().equals(t.consumer())) {
                        return c;
                    }
                }
            }
        }
        return null;
    }

    private static double sum(JetStartStore s, java.util.function.ToLongFunction<PullConsumer> f) {
        long n = 0;
        for (JetStartStream stream : s.served()) {
            for (PullConsumer c : stream.servedConsumers()) {
                n += f.applyAsLong(c);
            }
        }
        return n;
    }

    private static long pending(PullConsumer c) {
        try {
            return c.status().numPending();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (RuntimeException e) {
            // Deleted while scraped.
            return 0;
        }
    }
}
