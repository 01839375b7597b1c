package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** recover and demo with --metrics-out, --metrics-port and --quiet. */
class MetricsOptionsTest {
    static final Pattern SERVING = Pattern.compile("serving http://127\\.0\\.0\\.1:(\\d+)/metrics");

    /** The value of one sample line of a Prometheus text exposition. */
    static double sample(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + series + " in:\n" + exposition);
    }

    @Test
    void metricsOutWritesThePrometheusTextOfTheRecovery(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.10.27-small", tmp);
        Path out = tmp.resolve("jetstart.prom");
        TestStores.Run run = TestStores.cli("recover", store.toString(), "--quiet", "--metrics-out", out.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        String text = Files.readString(out);
        // The server's own figures for this store (oracle.json): 3 streams, 5 consumers, 2,475 messages.
        assertThat(sample(text, "jetstart_recovery_streams_total{outcome=\"recovered\"}")).isEqualTo(3);
        assertThat(sample(text, "jetstart_store_consumers")).isEqualTo(5);
        assertThat(sample(text, "jetstart_store_messages")).isEqualTo(685 + 990 + 800);
        assertThat(text).contains("# HELP jetstart_recovery_read_bytes_total");
        try (var files = Files.list(tmp)) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".tmp"))).as("no temp file left").isEmpty();
        }
    }

    @Test
    void recoverServesReadinessWhileItRunsAndStopsServingWhenItEnds(@TempDir Path tmp) throws Exception {
        Path store = MetricsServerTest.slowStore(tmp.resolve("store"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        // Warm the client up first: its first request costs more than this recovery's whole window.
        try (MetricsServer warm = MetricsServer.start(0, new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT), new io.jetstart.recovery.RecoveryProgress())) {
            http.send(HttpRequest.newBuilder(URI.create(warm.url() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        }
        java.io.StringWriter err = new java.io.StringWriter();
        java.io.StringWriter out = new java.io.StringWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(new java.io.PrintWriter(out, true),
                new java.io.PrintWriter(err, true), "recover", store.toString(), "--quiet", "--workers", "1", "--dios", "1",
                "--metrics-port", "0"));
        int port = -1;
        while (port < 0 && !exit.isDone()) {
            Matcher m = SERVING.matcher(err.toString());
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
            Thread.sleep(1);
        }
        assertThat(port).as("the address is printed on stderr: %s", err).isPositive();
        HttpRequest readyz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build();
        HttpResponse<String> starting = http.send(readyz, HttpResponse.BodyHandlers.ofString());

        assertThat(starting.statusCode()).as("%s\n%s", starting.body(), out).isEqualTo(503);
        assertThat(ReportJson.MAPPER.readTree(starting.body()).get("status").asText()).isEqualTo("STARTING");
        assertThat(exit.get()).as(err.toString()).isZero();
        assertThatThrownBy(() -> http.send(readyz, HttpResponse.BodyHandlers.ofString()))
                .as("nothing listens once the command returned").isInstanceOf(ConnectException.class);
    }

    @Test
    void aPortOutOfRangeIsAUsageError(@TempDir Path tmp) {
        TestStores.Run run = TestStores.cli("recover", tmp.toString(), "--metrics-port", "65536");

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("--metrics-port must be between 0 and 65535, got 65536");
    }

    @Test
    void aPortInUseIsReportedBeforeAnythingIsRecovered(@TempDir Path tmp) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            TestStores.Run run = TestStores.cli("recover", tmp.toString(), "--metrics-port", String.valueOf(taken.getLocalPort()));

            assertThat(run.exit()).isEqualTo(Main.USAGE);
            assertThat(run.err()).contains("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort());
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void aMetricsFileInAMissingDirectoryIsAUsageError(@TempDir Path tmp) {
        TestStores.Run run = TestStores.cli("recover", tmp.toString(), "--metrics-out", tmp.resolve("no/such/m.prom").toString());

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("--metrics-out: directory").contains("does not exist");
    }

    @Test
    void demoWritesItsMetricsAndQuietSilencesLogsAndProgress(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("demo.prom");
        TestStores.Run run = TestStores.cli("demo", "--streams", "2", "--messages", "1000", "--payload", "8", "--quiet",
                "--metrics-out", out.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(sample(Files.readString(out), "jetstart_recovery_streams_total{outcome=\"rebuilt\"}")).isEqualTo(2);
        assertThat(run.err()).doesNotContain("streams  ").doesNotContain("Restored");
    }
}
