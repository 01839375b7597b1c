package io.jetstart.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jetstart.recovery.Readiness;
import io.jetstart.recovery.RecoveryProgress;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code /metrics}, {@code /healthz} and {@code /readyz} on 127.0.0.1 while a recovery runs, on
 * the JDK's own HTTP server (no dependency).
 *
 * <ul>
 *   <li>{@code /metrics}: the Prometheus text exposition of the registry;</li>
 *   <li>{@code /healthz}: 200 as long as the process answers (health is not readiness: a store
 *       that takes ten minutes to start is healthy);</li>
 *   <li>{@code /readyz}: 200 only when READY; 503 while STARTING (with progress) or when DEGRADED
 *       (with each failed stream or consumer and why). JSON either way.</li>
 * </ul>
 *
 * <p>Loopback only: the endpoints expose stream names and file paths, and a CLI run is not the
 * place to decide who else may read them. One daemon thread answers, so a slow client can delay
 * another client but never recovery, and never the process's exit.
 */
final class MetricsServer implements AutoCloseable {
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds 127.0.0.1:{@code port} (0: any free port) and starts answering. */
    static MetricsServer start(int port, PrometheusMeterRegistry registry, RecoveryProgress progress) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
                .name("jetstart-metrics-http").unstarted(r));
        server.setExecutor(executor);
        server.createContext("/metrics", ex -> answer(ex, 200, PROMETHEUS_TEXT, registry.scrape()));
        server.createContext("/healthz", ex -> answer(ex, 200, "application/json", "{\"status\":\"UP\"}\n"));
        server.createContext("/readyz", ex -> {
            Readiness r = progress.state();
            answer(ex, r.status() == Readiness.Status.READY ? 200 : 503, "application/json",
                    ReadinessJson.of(r).toString() + "\n");
        });
        server.start();
        return new MetricsServer(server, executor);
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    private static void answer(HttpExchange ex, int status, String contentType, String body) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            if (!path.equals(ex.getHttpContext().getPath())) {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n", true);
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n", true);
            } else {
                send(ex, status, contentType, body, method.equals("GET"));
            }
        }
    }

    private static void send(HttpExchange ex, int status, String contentType, String body, boolean withBody) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, withBody ? bytes.length : -1);
        if (withBody) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
