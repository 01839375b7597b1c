package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import io.jetstart.metrics.JetStartRecoveryMetrics;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryProgress;
import io.jetstart.recovery.StoreRecovery;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics, /healthz and /readyz over HTTP, before, during and after real recoveries. */
class MetricsServerTest {
    static final int STREAMS = 16;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * A store whose recovery takes a while for real: 16 streams of 100,000 messages each with
     * their index.db truncated, so every record's checksum is verified, recovered with one disk
     * permit and one block buffer.
     */
    static Path slowStore(Path dir) throws Exception {
        StoreGenerator.generate(dir, GeneratorSpec.of(STREAMS, 100_000, 0), (d, w) -> { });
        DemoCommand.truncateIndexes(dir);
        return dir;
    }

    HttpResponse<String> get(MetricsServer server, String path) throws Exception {
        return get(server.port(), path);
    }

    HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return ReportJson.MAPPER.readTree(r.body());
    }

    @Test
    void duringASlowedRecoveryReadyzSaysStartingWithProgressUntilItIsReady(@TempDir Path tmp) throws Exception {
        Path store = slowStore(tmp);
        RecoveryProgress progress = new RecoveryProgress();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        JetStartRecoveryMetrics metrics = new JetStartRecoveryMetrics();
        metrics.bindTo(registry);
        try (MetricsServer server = MetricsServer.start(0, registry, progress)) {
            CompletableFuture<?> recovery = CompletableFuture.runAsync(() -> {
                try {
                    StoreRecovery.recover(store, RecoveryOptions.defaults().withDios(1).withWorkers(1)
                            .withListener(progress.andThen(metrics)));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            int startingWithProgress = 0;
            // Scrapes with STARTING seen right before and right after them: those must hold the
            // live gauge (a scrape between a STARTING poll and the end of recovery may not).
            int scrapesWhileStarting = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            HttpResponse<String> ready;
            while (true) {
                assertThat(get(server, "/healthz").statusCode()).as("healthy while starting").isEqualTo(200);
                HttpResponse<String> r = get(server, "/readyz");
                JsonNode body = json(r);
                if (body.get("status").asText().equals("READY")) {
                    ready = r;
                    break;
                }
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                assertThat(body.get("status").asText()).as(r.body()).isEqualTo("STARTING");
                JsonNode p = body.get("progress");
                if (p.get("streams_total").asInt() == STREAMS && p.get("streams_done").asInt() < STREAMS) {
                    startingWithProgress++;
                    assertThat(p.get("bytes_done").asLong()).isLessThanOrEqualTo(p.get("bytes_total").asLong());
                    String scrape = get(server, "/metrics").body();
                    JsonNode after = json(get(server, "/readyz"));
                    if (after.get("status").asText().equals("STARTING")) {
                        scrapesWhileStarting++;
                        assertThat(scrape).as("/metrics while starting").contains("jetstart_recovery_streams_remaining ");
                    }
                }
                assertThat(System.nanoTime()).as("READY within 30 s").isLessThan(deadline);
                Thread.sleep(2);
            }
            recovery.join();

            assertThat(startingWithProgress).as("polls that saw STARTING after discovery").isPositive();
            assertThat(scrapesWhileStarting).as("/metrics scrapes while starting").isPositive();
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(json(ready).get("streams").asInt()).isEqualTo(STREAMS);
            assertThat(json(ready).get("messages").asLong()).isEqualTo(STREAMS * 100_000L);
            HttpResponse<String> scrape = get(server, "/metrics");
            assertThat(scrape.headers().firstValue("Content-Type")).hasValue(MetricsServer.PROMETHEUS_TEXT);
            assertThat(scrape.body()).contains("jetstart_recovery_streams_total{outcome=\"rebuilt\"} 16.0")
                    .doesNotContain("jetstart_recovery_streams_remaining ");
        }
    }

    @Test
    void readyzListsEachFailedStreamWithItsReasonWhenDegraded(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.10.27-small", tmp);
        Path max1 = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("MAX1");
        Files.writeString(max1.resolve("meta.inf"), "{not json");
        RecoveryProgress progress = new RecoveryProgress();
        try (MetricsServer server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), progress)) {
            StoreRecovery.recover(store, RecoveryOptions.defaults().withListener(progress));
            HttpResponse<String> r = get(server, "/readyz");

            assertThat(r.statusCode()).isEqualTo(503);
            JsonNode body = json(r);
            assertThat(body.get("status").asText()).isEqualTo("DEGRADED");
            assertThat(body.get("ready_streams").asInt()).isEqualTo(2);
            assertThat(body.get("failures")).hasSize(1);
            JsonNode f = body.get("failures").get(0);
            assertThat(f.get("stream").asText()).isEqualTo("MAX1");
            assertThat(f.get("outcome").asText()).isEqualTo("failed");
            assertThat(f.get("reason").asText()).contains("meta.inf");
            assertThat(get(server, "/healthz").statusCode()).as("degraded is still alive").isEqualTo(200);
        }
    }

    @Test
    void unknownPathsAreNotFoundAndOnlyGetIsAllowed() throws Exception {
        try (MetricsServer server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new RecoveryProgress())) {
            assertThat(get(server, "/metrics/x").statusCode()).isEqualTo(404);
            assertThat(get(server, "/").statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/readyz"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void itListensOnLoopbackOnly() throws Exception {
        try (MetricsServer server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new RecoveryProgress())) {
            assertThat(server.url()).startsWith("http://127.0.0.1:");
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
        }
    }
}
