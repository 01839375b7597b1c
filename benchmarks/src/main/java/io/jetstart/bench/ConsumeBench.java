package io.jetstart.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code jetstart bench consume}: fetch-and-ack of the same messages through the runtime's pull
 * consumer in this JVM and through a jnats pull consumer of nats-server 2.15.x on the same machine,
 * run after run alternately (runtime, server, runtime, ...) so that a change in the machine's load
 * falls on both sides; each run is a new durable consumer over the whole stream.
 *
 * <p>Design note: the two stores are filled once, before any timing (publishing is the other
 * bench's subject); the runtime is measured as an application uses it, in process, and the server
 * as a jnats application uses it, over the loopback. Both use explicit acks and the same fetch
 * batch, and a run ends only when the consumer's ack floor is the last message, so the server's
 * asynchronous acks are counted until they are applied.
 */
final class ConsumeBench {
    /** What to run. */
    record Settings(long messages, int size, int batch, int runs, Path work, Optional<Path> servers, String command) {
        Settings {
            if (messages < 1 || size < 0 || batch < 1 || runs < 1) {
                throw new IllegalArgumentException("--messages, --batch and --runs must be positive and --size not negative");
            }
        }
    }

    /** Every run's nanoseconds per side (empty when a side did not run) and the load before each pair. */
    record Result(Settings settings, Machine machine, String runtimeLabel, List<Long> runtimeNanos, String serverLabel,
                  List<Long> serverNanos, List<Double> loads, List<String> problems) {
    }

    private final Settings settings;
    private final PrintStream log;

    ConsumeBench(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    /** A payload of {@code size} printable bytes. */
    static byte[] payload(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    Result run() throws Exception {
        List<String> problems = new ArrayList<>();
        Optional<ServerBuild> build = Optional.empty();
        if (settings.servers().isPresent()) {
            List<ServerBuild> builds = ServerBuild.discover(settings.servers().get(), problems);
            build = builds.stream().filter(b -> b.version().isLine(2, 15)).reduce((a, b) -> b);
            if (build.isEmpty()) {
                problems.add("no nats-server 2.15.x in " + settings.servers().get() + ": the server side is not run");
            }
        }
        Path runtimeDir = fresh(settings.work().resolve("runtime"));
        List<Long> runtimeNanos = new ArrayList<>();
        List<Long> serverNanos = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        String serverLabel = "";
        log.printf(Locale.ROOT, "bench consume: publishing %,d x %d B into the runtime%n", settings.messages(), settings.size());
        try (RuntimeConsumeSide runtime = new RuntimeConsumeSide(runtimeDir, settings);
             ServerConsumeSide server = build.isPresent() ? startServer(build.get()) : null) {
            serverLabel = server == null ? "" : server.label();
            // One untimed run per side first: the runtime's consumer path and jnats are compiled by
            // then (the first run of a JVM measured a third of the later ones).
            timed(runtime, 0, problems);
            if (server != null) {
                timed(server, 0, problems);
            }
            for (int r = 1; r <= settings.runs(); r++) {
                loads.add(LoadAverage.read(Path.of("/proc/loadavg")));
                runtimeNanos.add(timed(runtime, r, problems));
                if (server != null) {
                    serverNanos.add(timed(server, r, problems));
                }
            }
            return new Result(settings, Machine.current(), runtime.label(), runtimeNanos, serverLabel, serverNanos, loads, problems);
        } finally {
            StoreFiles.deleteTree(settings.work().resolve("runtime"), settings.work());
            StoreFiles.deleteTree(settings.work().resolve("server"), settings.work());
        }
    }

    private ServerConsumeSide startServer(ServerBuild b) throws Exception {
        log.printf(Locale.ROOT, "bench consume: publishing %,d x %d B into nats-server %s%n", settings.messages(), settings.size(),
                b.version());
        return new ServerConsumeSide(b, fresh(settings.work().resolve("server")), settings);
    }

    /** Times one run of a side; a run whose delivery jnats lost is made again (twice at most) and noted. */
    private long timed(ConsumeSide side, int run, List<String> problems) throws Exception {
        String which = run == 0 ? "warm-up" : "run " + run;
        for (int attempt = 1; ; attempt++) {
            long nanos;
            try {
                nanos = side.consumeAll(run);
            } catch (ServerConsumeSide.DeliveryLost e) {
                if (attempt == 3) {
                    throw new IllegalStateException(e.getMessage() + " (" + which + ", three times in a row)", e);
                }
                String note = which + " of " + side.label() + " made again: " + e.getMessage();
                problems.add(note);
                log.println("bench consume: " + note);
                continue;
            }
            log.printf(Locale.ROOT, "bench consume: %s %s: %,.0f msgs/s%n", which, side.label(), msgsPerSecond(settings.messages(), nanos));
            return nanos;
        }
    }

    static double msgsPerSecond(long messages, long nanos) {
        return messages * 1e9 / Math.max(1, nanos);
    }

    private Path fresh(Path dir) throws IOException {
        StoreFiles.deleteTree(dir, settings.work());
        Files.createDirectories(dir);
        return dir;
    }
}
