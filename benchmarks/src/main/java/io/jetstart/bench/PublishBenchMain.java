package io.jetstart.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jetstart bench publish}: {@link PublishBench} from the command line. {@link BenchMain}
 * hands {@code publish} here. Exit status 0 when every run came back whole (whatever the targets
 * say: they are goals, not tests), 2 when one failed, 64 on wrong options.
 */
@Command(name = "jetstart bench publish", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Publishes N messages with the embedded runtime in this JVM (1, 8 and 64 publishers on virtual threads and one "
                    + "async publisher; sync interval and always), with nats-server 2.15.x fed by jnats async publish "
                    + "(default sync_interval and sync_interval: always), and the raw append(+fsync) floor of the same bytes, "
                    + "interleaved; also opens a store whose streams are large (index.db intact and lost; this JVM, a fresh "
                    + "JVM, a fresh JVM with an AOT cache) and times when its small stream is writable against the whole "
                    + "recovery. Prints Markdown tables of medians, ratios and the issue's targets (PASS/MISS, PASS/FAIL)."},
        footer = {"", "Details and the latest results: docs/BENCHMARKS.md"})
final class PublishBenchMain implements Callable<Integer> {
    @Option(names = "--messages", defaultValue = "1000000", paramLabel = "N",
            description = "Messages per row with sync interval and the server's default (default: ${DEFAULT-VALUE})")
    long messages;

    @Option(names = "--always-messages", defaultValue = "20000", paramLabel = "N",
            description = "Messages per row with sync always: one publisher fsyncs every message (default: ${DEFAULT-VALUE})")
    long alwaysMessages;

    @Option(names = "--size", defaultValue = "100", paramLabel = "BYTES", description = "Payload size (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--publishers", split = ",", defaultValue = "1,8,64", paramLabel = "P",
            description = "Publisher counts of the in-process rows (default: ${DEFAULT-VALUE})")
    List<Integer> publishers = new ArrayList<>();

    @Option(names = "--window", defaultValue = "1000", paramLabel = "N",
            description = "Publishes in flight for the async rows, jetstart and jnats alike (default: ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--runs", defaultValue = "3", paramLabel = "N", description = "Timed runs per row (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--only", split = ",", paramLabel = "PART",
            description = "Parts to run: publish (the publish rows), open (the open target); default both")
    List<String> only = new ArrayList<>();

    @Option(names = "--open-streams", defaultValue = "8", paramLabel = "N",
            description = "Big streams of the open target's store; 0 skips it (default: ${DEFAULT-VALUE})")
    int openStreams;

    @Option(names = "--open-messages", defaultValue = "4000000", paramLabel = "N",
            description = "Messages per big stream of the open target (default: ${DEFAULT-VALUE})")
    long openMessages;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where the open target's big streams are generated once and kept (default: <repo>/.cache/bench)")
    Path cacheDir;

    @Mixin
    ServersOption servers = new ServersOption();

    @Option(names = "--dir", paramLabel = "DIR", description = "Work folder, emptied as the bench goes (default: <repo>/.cache/bench/publish)")
    Path workDir;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the table to FILE")
    Path out;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "Longest a server start or a run's acks may take (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    private final String[] args;
    private final PrintStream stdout;
    private final PrintStream stderr;

    PublishBenchMain(String[] args, PrintStream stdout, PrintStream stderr) {
        this.args = args.clone();
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static int run(PrintStream stdout, PrintStream stderr, String... args) {
        return BenchCli.execute(new PublishBenchMain(args, stdout, stderr), "jetstart bench publish", stdout, stderr, args);
    }

    @Override
    public Integer call() throws Exception {
        if (messages < 1 || alwaysMessages < 1 || messages > Integer.MAX_VALUE - 8 || alwaysMessages > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("--messages and --always-messages must be 1.." + (Integer.MAX_VALUE - 8));
        }
        if (size < 0 || size > 1 << 20) {
            throw new IllegalArgumentException("--size must be 0..1048576 bytes, got " + size);
        }
        if (publishers.isEmpty() || publishers.stream().anyMatch(p -> p < 1 || p > 10_000)) {
            throw new IllegalArgumentException("--publishers must be 1..10000 each, got " + publishers);
        }
        if (window < 1 || runs < 1 || openStreams < 0 || openMessages < 1) {
            throw new IllegalArgumentException("--window, --runs and --open-messages must be positive, --open-streams 0 or more");
        }
        java.util.Set<String> parts = new java.util.LinkedHashSet<>(only.isEmpty() ? List.of(PublishBench.PUBLISH, PublishBench.OPEN) : only);
        if (!List.of(PublishBench.PUBLISH, PublishBench.OPEN).containsAll(parts)) {
            throw new IllegalArgumentException("--only takes publish and/or open, got " + only);
        }
        Path repo = BenchCli.repo();
        List<String> notes = new ArrayList<>();
        Optional<ServerBuild> server = Optional.empty();
        Path dir = parts.contains(PublishBench.PUBLISH) ? servers.folder(repo) : null;
        if (dir != null) {
            List<String> problems = new ArrayList<>();
            server = ServerBuild.discover(dir, problems).stream().filter(b -> b.version().isLine(2, 15)).reduce((a, b) -> b);
            if (server.isEmpty()) {
                notes.add("no nats-server 2.15.x in " + dir + (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")")
                        + ": no server rows");
            }
        } else if (servers.none) {
            notes.add("--no-servers: no server rows");
        }
        Path work = workDir != null ? workDir : repo.resolve(".cache/bench/publish");
        var settings = new PublishBench.Settings(messages, alwaysMessages, size, List.copyOf(publishers), runs, window, server,
                work, openStreams, openMessages, "jetstart bench publish " + String.join(" ", args),
                timeoutSeconds * 1_000_000_000L, notes, cacheDir != null ? cacheDir : repo.resolve(".cache/bench"), parts);
        PublishBench.Result result = new PublishBench(settings, stderr).run();
        String table = PublishTable.render(result);
        stdout.print(table);
        stdout.flush();
        if (out != null) {
            Files.writeString(out, table, StandardCharsets.UTF_8);
        }
        boolean allOk = result.samples().values().stream().flatMap(List::stream).allMatch(PublishSample::ok)
                && result.opens().values().stream().flatMap(List::stream).allMatch(OpenBench.OpenSample::ok);
        return allOk ? 0 : 2;
    }
}
