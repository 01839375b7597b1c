package io.jetstart.bench;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jetstart bench consume}: {@link ConsumeBench}'s options, its table on stdout, progress on
 * stderr. Exit status 0 when the target was met, 1 when it was missed (or could not be judged), 2
 * when a run failed, 64 on wrong options.
 */
@Command(name = "jetstart bench consume", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fetch-and-ack of the same messages through the embedded runtime's pull consumer (in process) and "
                + "through a jnats pull consumer of nats-server 2.15.x on this machine, run after run alternately; prints each "
                + "run's msgs/s, the medians, their ratio and PASS/MISS against the target (runtime >= 5x the server)."},
        footer = {"", "Details and the latest results: docs/BENCHMARKS.md"})
public final class ConsumeBenchMain implements Callable<Integer> {
    @Option(names = "--messages", defaultValue = "1000000", paramLabel = "N", description = "Messages per run (default: ${DEFAULT-VALUE})")
    long messages;

    @Option(names = "--size", defaultValue = "128", paramLabel = "BYTES", description = "Payload size (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--batch", defaultValue = "500", paramLabel = "N",
            description = "Messages per fetch on both sides (default: ${DEFAULT-VALUE}; below the server's max_ack_pending of 1000)")
    int batch;

    @Option(names = "--runs", defaultValue = "5", paramLabel = "N", description = "Timed runs per side (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--no-server", description = "Time the runtime only")
    boolean noServer;

    @Option(names = "--servers", paramLabel = "DIR",
            description = "Folder of nats-server-<version> binaries (default: $JETSTART_NATS_SERVERS, else <repo>/.cache/nats-servers/bin)")
    Path serversDir;

    @Option(names = "--work", paramLabel = "DIR", description = "Where the two stores are made and removed (default: <repo>/.cache/bench/consume)")
    Path workDir;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the table to FILE")
    Path out;

    private final String[] args;
    private final PrintStream stdout;
    private final PrintStream stderr;

    private ConsumeBenchMain(String[] args, PrintStream stdout, PrintStream stderr) {
        this.args = args.clone();
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static int run(PrintStream stdout, PrintStream stderr, String... args) {
        CommandLine cl = new CommandLine(new ConsumeBenchMain(args, stdout, stderr));
        cl.setOut(new PrintWriter(stdout, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(stderr, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler((ex, bad) -> {
            stderr.println("jetstart bench consume: " + ex.getMessage());
            stderr.println("Run 'jetstart bench consume --help' for usage.");
            return 64;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            stderr.println("jetstart bench consume: " + ex);
            return ex instanceof IllegalArgumentException ? 64 : 2;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        Path repo = Path.of(System.getProperty("jetstart.repo", ".")).toAbsolutePath().normalize();
        Optional<Path> servers = Optional.empty();
        if (!noServer) {
            String env = System.getenv("JETSTART_NATS_SERVERS");
            servers = Optional.of(serversDir != null ? serversDir
                    : env != null && !env.isBlank() ? Path.of(env) : repo.resolve(".cache/nats-servers/bin"));
        }
        Path work = (workDir != null ? workDir : repo.resolve(".cache/bench/consume")).toAbsolutePath().normalize();
        var settings = new ConsumeBench.Settings(messages, size, batch, runs, work, servers,
                "jetstart bench consume " + String.join(" ", args));
        Files.createDirectories(work);
        ConsumeBench.Result result = new ConsumeBench(settings, stderr).run();
        String table = ConsumeTable.render(result);
        stdout.print(table);
        stdout.flush();
        if (out != null) {
            Files.writeString(out, table, StandardCharsets.UTF_8);
        }
        return !result.serverNanos().isEmpty() && ConsumeTable.ratio(result) >= ConsumeTable.TARGET_RATIO ? 0 : 1;
    }
}
