package io.jetstart.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jetstart bench <workload>}: the side-by-side start-up bench ({@link StartupBench});
 * {@code jetstart bench publish} goes to {@link PublishBenchMain}.
 *
 * <p>The {@code ./jetstart} launcher sends {@code bench} here (with {@code -Djetstart.repo}), so the
 * CLI module never depends on the benchmarks module and its JMH classes. Exit status 0 when every
 * run came back whole, 2 when one failed, 64 on wrong options.
 */
@Command(name = "jetstart bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Times jetstart's recovery (parallel, --workers 1, --sequential), the raw-read floor and real nats-server builds "
                    + "on the same generated store, interleaved, and prints a Markdown table of min/median times and ratios.",
            "Workloads: seed8 (8 x 1,000,000 x 100 B), upbench (one stream per core x 100,000 empty messages, 10,000 subjects), "
                    + "many (1,000 x 1,000 x 100 B, 2 consumers each), huge (1 x 8,000,000 x 100 B). Each is generated once into "
                    + "the cache folder and timed with index.db intact (fast path) and truncated to 0 bytes (rebuild)."},
        footer = {"", "jetstart bench publish [--help]: the embedded runtime's publish bench.",
            "Details and the latest results: docs/BENCHMARKS.md"})
public final class BenchMain implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "WORKLOAD", description = "seed8, upbench, many or huge")
    String workload;

    @Option(names = "--runs", defaultValue = "3", paramLabel = "N", description = "Timed runs per variant (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--cold", description = "Drop the page cache before every run (needs root; says so when it cannot)")
    boolean cold;

    @Option(names = "--only", split = ",", paramLabel = "KEY", completionCandidates = Variant.OnlyKeys.class,
            description = "Run only these variants (workers<N>: 1 and this machine's core count): ${COMPLETION-CANDIDATES}")
    List<String> only = new ArrayList<>();

    @Option(names = "--mode", split = ",", paramLabel = "MODE", description = "fast, rebuild (default: both)")
    List<String> modes = new ArrayList<>();

    @Option(names = "--jvm-opt", paramLabel = "OPTION",
            description = "JVM option for every jetstart run (repeatable; after those in JETSTART_JAVA_OPTS), e.g. --jvm-opt=-Xmx64m")
    List<String> jvmOpts = new ArrayList<>();

    @Mixin
    ServersOption servers = new ServersOption();

    @Option(names = "--cache", paramLabel = "DIR", description = "Where generated stores are kept (default: <repo>/.cache/bench)")
    Path cacheDir;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the table to FILE")
    Path out;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "Longest a single run may take (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    private final String[] args;

    BenchMain(String[] args) {
        this.args = args.clone();
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    static int run(PrintStream stdout, PrintStream stderr, String... args) {
        if (args.length > 0 && args[0].equals("publish")) {
            return PublishBenchMain.run(stdout, stderr, java.util.Arrays.copyOfRange(args, 1, args.length));
        }
        if (args.length > 0 && args[0].equals("consume")) {
            return ConsumeBenchMain.run(stdout, stderr, java.util.Arrays.copyOfRange(args, 1, args.length));
        }
        return BenchCli.execute(new BenchMain(args), "jetstart bench", stdout, stderr, args);
    }

    @Override
    public Integer call() throws Exception {
        Path repo = BenchCli.repo();
        int cores = Runtime.getRuntime().availableProcessors();
        Workload w = Workload.named(workload, cores);
        Set<Mode> modeSet = EnumSet.noneOf(Mode.class);
        for (String m : modes) {
            modeSet.add(switch (m) {
                case "fast" -> Mode.FAST;
                case "rebuild" -> Mode.REBUILD;
                default -> throw new IllegalArgumentException("--mode must be fast or rebuild, got '" + m + "'");
            });
        }
        List<String> keys = Variant.onlyKeys(cores);
        for (String k : only) {
            if (!keys.contains(k)) {
                throw new IllegalArgumentException("--only takes " + String.join(", ", keys) + "; got '" + k + "'");
            }
        }
        List<String> jvm = new ArrayList<>();
        String env = System.getenv("JETSTART_JAVA_OPTS");
        if (env != null && !env.isBlank()) {
            jvm.addAll(List.of(env.strip().split("\\s+")));
        }
        jvm.addAll(jvmOpts);
        Path cache = cacheDir != null ? cacheDir : repo.resolve(".cache/bench");
        String command = "jetstart bench " + String.join(" ", args);
        if (env != null && !env.isBlank()) {
            command = "JETSTART_JAVA_OPTS='" + env.strip() + "' " + command;
        }
        var settings = new StartupBench.Settings(w, runs, cold, cache, servers.folder(repo), jvm, modeSet, new LinkedHashSet<>(only), command,
                timeoutSeconds * 1_000_000_000L);
        BenchResult result = new StartupBench(settings, System.err).run();
        String table = BenchTable.render(result);
        System.out.print(table);
        System.out.flush();
        if (out != null) {
            Files.writeString(out, table, StandardCharsets.UTF_8);
        }
        boolean allOk = result.sections().stream().flatMap(s -> s.rows().stream()).flatMap(r -> r.samples().stream())
                .allMatch(Sample::ok);
        return allOk ? 0 : 2;
    }
}
