package io.jetstart.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PullConsumer;
import io.jetstart.runtime.RuntimeOptions;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JetStartConsumerMetricsTest {
    static final String PROMETHEUS_PREFIX = "jetstart_runtime_consumer_";

    @TempDir
    Path dir;

    private static JetStartStream stream(JetStartStore store) throws Exception {
        JetStartStream s = store.createStream("$G", StreamConfig.parse(
                "{\"name\":\"M\",\"subjects\":[\"m\"]}".getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < 10; i++) {
            s.publish("m", new byte[10]);
        }
        return s;
    }

    @Test
    void deliveriesAcksNaksRedeliveriesAndPendingAreMeteredPerStoreAndForTrackedConsumers() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            new JetStartConsumerMetrics(store, Tags.of("app", "t")).track("M", "C").bindTo(registry);
            JetStartStream s = stream(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            PullConsumer other = s.createConsumer("{\"durable_name\":\"D\",\"ack_policy\":\"explicit\"}");
            List<ConsumedMessage> got = c.fetch(4, 0, Duration.ZERO);
            got.get(0).ack();
            got.get(1).nak();
            c.fetch(1, 0, Duration.ZERO);
            other.fetch(2, 0, Duration.ZERO).get(0).ack();

            assertThat(registry.get(JetStartConsumerMetrics.DELIVERIES).tags("consumer", "C").functionCounter().count()).isEqualTo(5);
            assertThat(registry.get(JetStartConsumerMetrics.ACKS).tags("consumer", "C").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get(JetStartConsumerMetrics.NAKS).tags("consumer", "C").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get(JetStartConsumerMetrics.REDELIVERIES).tags("consumer", "C").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get(JetStartConsumerMetrics.ACK_PENDING).tags("consumer", "C").gauge().value()).isEqualTo(3);
            assertThat(registry.get(JetStartConsumerMetrics.PENDING).tags("consumer", "C").gauge().value()).isEqualTo(6);

            // Store-wide series carry no consumer tag and sum every consumer, deleted ones' counts included.
            s.deleteConsumer("D");
            assertThat(registry.find(JetStartConsumerMetrics.DELIVERIES).tags("app", "t").functionCounters())
                    .filteredOn(m -> m.getId().getTag("consumer") == null).singleElement()
                    .satisfies(m -> assertThat(m.count()).isEqualTo(7));
            assertThat(registry.find(JetStartConsumerMetrics.ACK_PENDING).gauges())
                    .filteredOn(m -> m.getId().getTag("consumer") == null).singleElement()
                    .satisfies(m -> assertThat(m.value()).isEqualTo(3));
        }
    }

    @Test
    void everyConsumerMetricTheDashboardQueriesIsProducedByTheRuntime() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Set<String> produced;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            new JetStartConsumerMetrics(store, Tags.empty()).bindTo(registry);
            stream(store).createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}").fetch(1, 0, Duration.ZERO);
            produced = DashboardTest.sampleNames(registry.scrape());
        }
        JsonNode dashboard = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readAllBytes(
                Fixtures.repository().resolve("docs/grafana/jetstart-recovery-dashboard.json")));
        Set<String> queried = new TreeSet<>();
        for (JsonNode p : dashboard.get("panels")) {
            for (JsonNode t : p.path("targets")) {
                DashboardTest.metricNames(t.get("expr").asText()).stream().filter(n -> n.startsWith(PROMETHEUS_PREFIX))
                        .forEach(queried::add);
            }
        }
        assertThat(queried).hasSize(6);
        assertThat(produced).containsAll(queried);
    }
}
