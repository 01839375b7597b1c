package io.jetstart.bench;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * nats-server on loopback with JetStream on a new store, fed by one jnats connection's async
 * publish with up to {@code window} publishes in flight; timed from the first publish to the last
 * ack, latency per message from the publish call to its ack. The server is started (and its
 * stream created) before the clock starts, and stopped after.
 */
final class ServerPublish {
    private final ServerBuild build;
    private final long timeoutNanos;

    ServerPublish(ServerBuild build, long timeoutNanos) {
        this.build = build;
        this.timeoutNanos = timeoutNanos;
    }

    /** The server's configuration: loopback only, JetStream in {@code storeDir}, sync_interval always if asked. */
    static String config(Path storeDir, int port, boolean always) {
        String dir = storeDir.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"");
        return "listen: \"127.0.0.1:" + port + "\"\n"
                + "jetstream {\n"
                + "  store_dir: \"" + dir + "\"\n"
                + (always ? "  sync_interval: always\n" : "")
                + "}\n";
    }

    PublishSample run(Path workDir, boolean always, long messages, int size, int window) throws IOException, InterruptedException {
        int n = Math.toIntExact(messages);
        Files.createDirectories(workDir);
        int port = freePort();
        Path conf = workDir.resolve("nats-server.conf");
        Files.writeString(conf, config(workDir.resolve("store"), port, always), StandardCharsets.UTF_8);
        try (ProcessLines p = ProcessLines.start(List.of(build.binary().toString(), "-c", conf.toString()))) {
            String notReady = awaitReady(p);
            if (notReady != null) {
                return PublishSample.failed(notReady);
            }
            Options o = new Options.Builder().server("nats://127.0.0.1:" + port).connectionTimeout(Duration.ofSeconds(10))
                    .maxReconnects(0).build();
            try (Connection nc = Nats.connect(o)) {
                JetStreamManagement jsm = nc.jetStreamManagement();
                jsm.addStream(StreamConfiguration.builder().name(InProcessPublish.STREAM).subjects(InProcessPublish.SUBJECT)
                        .storageType(StorageType.File).build());
                JetStream js = nc.jetStream();
                byte[] payload = InProcessPublish.payload(size);
                long[] latencies = new long[n];
                Semaphore inFlight = new Semaphore(window);
                AtomicReference<Throwable> error = new AtomicReference<>();
                long t0 = System.nanoTime();
                for (int i = 0; i < n && error.get() == null; i++) {
                    inFlight.acquire();
                    int slot = i;
                    long t = System.nanoTime();
                    js.publishAsync(InProcessPublish.SUBJECT, payload).whenComplete((ack, e) -> {
                        latencies[slot] = System.nanoTime() - t;
                        if (e != null) {
                            error.compareAndSet(null, e);
                        }
                        inFlight.release();
                    });
                }
                if (!inFlight.tryAcquire(window, timeoutNanos, TimeUnit.NANOSECONDS)) {
                    return PublishSample.failed("acks still missing after " + timeoutNanos / 1_000_000_000L + " s");
                }
                long elapsed = System.nanoTime() - t0;
                if (error.get() != null) {
                    return PublishSample.failed("a publish failed: " + error.get());
                }
                long stored = jsm.getStreamInfo(InProcessPublish.STREAM).getStreamState().getMsgCount();
                if (stored != n) {
                    return PublishSample.failed("the server's stream holds " + stored + " messages, expected " + n);
                }
                return PublishSample.of(latencies, elapsed, new long[0]);
            } catch (JetStreamApiException e) {
                return PublishSample.failed("nats-server refused: " + e.getMessage());
            }
        }
    }

    /** Null once the server says it is ready to take clients, else why it is not. */
    private String awaitReady(ProcessLines p) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        for (ProcessLines.Line l = p.next(deadline); ; l = p.next(deadline)) {
            if (l == null) {
                return "nats-server not ready within " + timeoutNanos / 1_000_000_000L + " s; last log lines:\n" + p.tail();
            }
            if (l.line() == null) {
                return "nats-server exited before it was ready; last log lines:\n" + p.tail();
            }
            if (ServerLog.fatal(l.line())) {
                return "nats-server: " + l.line();
            }
            // Not the JetStream "Took" line: the client port opens after it.
            if (l.line().contains("Server is ready")) {
                return null;
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
