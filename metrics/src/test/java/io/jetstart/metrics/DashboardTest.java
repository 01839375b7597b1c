package io.jetstart.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard queries only metrics that a real recovery produces in the Prometheus
 * registry (its runtime row: only metrics the runtime binder registers on a real open store), its
 * two copies (resources and docs/) are the same file, and docs/metrics.md describes every panel.
 */
class DashboardTest {
    static final String RESOURCE = "/grafana/jetstart-recovery-dashboard.json";
    static final Pattern METRIC = Pattern.compile("\\bjetstart_[a-z0-9_]+");
    static final String RUNTIME_ROW = "Runtime (embedded publish path)";

    static JsonNode dashboard;
    static byte[] dashboardBytes;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = DashboardTest.class.getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE + " on the class path").isNotNull();
            dashboardBytes = in.readAllBytes();
        }
        dashboard = new ObjectMapper().readTree(dashboardBytes);
    }

    static List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.get("panels")) {
            if (!p.get("type").asText().equals("row")) {
                out.add(p);
            }
        }
        return out;
    }

    /** The panels under the row titled {@code row} (up to the next row); with {@code inRow} false, every other panel. */
    static List<JsonNode> panels(String row, boolean inRow) {
        List<JsonNode> out = new ArrayList<>();
        boolean under = false;
        for (JsonNode p : dashboard.get("panels")) {
            if (p.get("type").asText().equals("row")) {
                under = p.get("title").asText().equals(row);
            } else if (under == inRow) {
                out.add(p);
            }
        }
        return out;
    }

    static Set<String> queriedBy(List<JsonNode> panels) {
        Set<String> queried = new TreeSet<>();
        for (JsonNode p : panels) {
            for (JsonNode t : p.get("targets")) {
                Set<String> names = metricNames(t.get("expr").asText());
                assertThat(names).as("panel '%s' target %s queries a jetstart metric", p.get("title").asText(),
                        t.get("refId").asText()).isNotEmpty();
                queried.addAll(names);
            }
        }
        return queried;
    }

    static Set<String> metricNames(String promql) {
        Set<String> out = new TreeSet<>();
        Matcher m = METRIC.matcher(promql);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** Every sample name in a Prometheus text exposition. */
    static Set<String> sampleNames(String exposition) {
        Set<String> out = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                out.add(line.split("[{ ]", 2)[0]);
            }
        }
        return out;
    }

    @Test
    void everyMetricTheDashboardQueriesIsProducedByARealRecovery(@TempDir Path tmp) throws Exception {
        // A store that exercises every outcome: a rebuilt stream with a corrupt record, a stream
        // whose config is unreadable, a consumer whose state is unreadable.
        Path store = Fixtures.copyStore("nats-2.10.27-small", tmp);
        Path lim1 = Fixtures.stream(store, "LIM1");
        Fixtures.truncateIndex(lim1);
        Fixtures.corruptLastRecord(lim1.resolve("msgs").resolve("1.blk"));
        Files.writeString(Fixtures.stream(store, "MAX1").resolve("meta.inf"), "{not json");
        Files.write(Fixtures.stream(store, "INT1").resolve("obs").resolve("C1").resolve("o.dat"), new byte[] {1, 2, 3});

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        JetStartRecoveryMetrics metrics = new JetStartRecoveryMetrics();
        metrics.bindTo(registry);
        Set<String> produced = new TreeSet<>();
        // Scraped while the recovery runs too: the progress and gate gauges exist only then.
        RecoveryListener scrapeDuring = e -> {
            if (e instanceof RecoveryEvent.StreamStarted || e instanceof RecoveryEvent.StreamFinished) {
                produced.addAll(sampleNames(registry.scrape()));
            }
        };
        StoreRecovery.recover(store, RecoveryOptions.defaults().withListener(metrics.andThen(scrapeDuring)));
        produced.addAll(sampleNames(registry.scrape()));

        Set<String> queried = queriedBy(panels(RUNTIME_ROW, false));
        for (JsonNode v : dashboard.get("templating").get("list")) {
            if (v.has("definition")) {
                queried.addAll(metricNames(v.get("definition").asText()));
            }
        }

        // The consumers row is the runtime's: JetStartConsumerMetricsTest checks it against a runtime scrape.
        queried.removeIf(n -> n.startsWith(JetStartConsumerMetricsTest.PROMETHEUS_PREFIX));
        assertThat(queried).hasSizeGreaterThan(20);
        assertThat(produced).as("sample names a real recovery produced").containsAll(queried);
    }

    @Test
    void everyRuntimePanelQueriesOnlyMetersTheRuntimeBinderRegistersOnARealOpenStore(@TempDir Path tmp) throws Exception {
        // A real nats-server store, opened by the runtime, plus a stream it creates and publishes to
        // with sync always (so the sync timer and the latency quantiles have samples).
        Path store = Fixtures.copyStore("nats-2.10.27-small", tmp);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Set<String> produced = new TreeSet<>();
        Set<String> streamsWithState = new TreeSet<>();
        try (JetStartStore s = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            JetStartRuntimeMetrics metrics = new JetStartRuntimeMetrics(s, Tags.empty());
            metrics.bindTo(registry);
            s.addCommitListener(metrics);
            s.recovery().get();
            JetStartStream bench = s.createStream("$G", StreamConfig.parse(
                    "{\"name\":\"DASH\",\"subjects\":[\"dash\"]}".getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < 5; i++) {
                bench.publish("dash", new byte[16]);
            }
            String scrape = registry.scrape();
            produced.addAll(sampleNames(scrape));
            for (String line : scrape.split("\n")) {
                if (line.startsWith("jetstart_runtime_stream_state{")) {
                    streamsWithState.add(line.replaceAll(".*stream=\"([^\"]*)\".*", "$1"));
                }
            }
        }

        List<JsonNode> runtime = panels(RUNTIME_ROW, true);
        Set<String> queried = queriedBy(runtime);

        assertThat(runtime).hasSizeGreaterThanOrEqualTo(8);
        assertThat(queried).allSatisfy(n -> assertThat(n).startsWith("jetstart_runtime_"));
        assertThat(produced).as("sample names the runtime binder produced").containsAll(queried);
        assertThat(streamsWithState).as("the store's own streams and the created one have a readiness gauge")
                .contains("DASH").hasSizeGreaterThan(1);
    }

    @Test
    void everyPanelQueriesThePrometheusDataSourceVariable() {
        for (JsonNode p : panels()) {
            assertThat(p.get("datasource").get("type").asText()).as(p.get("title").asText()).isEqualTo("prometheus");
            assertThat(p.get("datasource").get("uid").asText()).as(p.get("title").asText()).isEqualTo("${datasource}");
        }
    }

    @Test
    void theDocsCopyIsTheSameFileAsTheResource() throws Exception {
        Path docs = Fixtures.repository().resolve("docs").resolve("grafana").resolve("jetstart-recovery-dashboard.json");

        assertThat(Files.readAllBytes(docs)).as(docs.toString()).isEqualTo(dashboardBytes);
    }

    @Test
    void everyPanelHasADescriptionAndASectionInTheMetricsDoc() throws Exception {
        String doc = Files.readString(Fixtures.repository().resolve("docs").resolve("metrics.md"));
        for (JsonNode p : panels()) {
            String title = p.get("title").asText();
            assertThat(p.path("description").asText()).as("panel '%s' description", title).isNotBlank();
            assertThat(doc).as("docs/metrics.md describes panel '%s'", title).contains("### " + title);
        }
    }

    @Test
    void theMetricsDocListsEveryMeterName() throws Exception {
        String doc = Files.readString(Fixtures.repository().resolve("docs").resolve("metrics.md"));
        for (var f : RecoveryMeterNames.class.getFields()) {
            String name = (String) f.get(null);
            assertThat(doc).as("docs/metrics.md lists %s", name).contains("`" + name + "`");
        }
        for (var f : JetStartRuntimeMetrics.class.getFields()) {
            if (f.getType() == String.class) {
                String name = (String) f.get(null);
                assertThat(doc).as("docs/metrics.md lists %s", name).contains("`" + name + "`");
            }
        }
    }
}
