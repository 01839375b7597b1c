package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --only}'s key table ({@link Variant#onlyKeys}) is the bench's own plan: its help, its check
 * and the docs list exactly the variants {@link StartupBench} can run.
 */
class OnlyKeysTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @Test
    void theKeyTableIsEveryVariantThePlanRunsOverBothModesAndAWorkloadThatHasThemAll(@TempDir Path cache) {
        ServerBuild build = new ServerBuild(Path.of("nats-server"), new ServerBuild.Version(2, 15, 1));
        var settings = new StartupBench.Settings(Workload.named("many", CORES), 1, false, cache, null, List.of(),
                EnumSet.allOf(Mode.class), Set.of(), "jetstart bench (test)", 1L);
        Set<String> planned = new LinkedHashSet<>();
        new StartupBench(settings, System.err).plan(Optional.of(build), Optional.of(build))
                .values().forEach(vs -> vs.forEach(v -> planned.add(v.key())));

        assertThat(Variant.onlyKeys(CORES)).containsExactlyInAnyOrderElementsOf(planned);
    }

    @Test
    void theTableNamesTheWarmAndLauncherRowsOnAnyMachine() {
        assertThat(Variant.onlyKeys(2)).contains("parallel-launcher", "parallel-warm", "workers1-warm", "workers2-warm",
                "workers2", "sequential-launcher", "server-sequential");
        assertThat(Variant.onlyKeys(1)).doesNotHaveDuplicates().contains("workers1", "workers1-warm");
    }

    @Test
    void theHelpListsEveryKey() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = BenchMain.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), "--help");

        assertThat(status).isZero();
        // picocli wraps long descriptions: compare without the line breaks and indentation.
        String help = out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        assertThat(help).contains(String.join(", ", Variant.onlyKeys(CORES)));
    }

    @Test
    void anUnknownKeyIsRefusedWithTheKnownOnes() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchMain.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "many", "--only", "parallel,workers1warm");

        assertThat(status).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'workers1warm'", "workers1-warm");
    }

    @Test
    void cliMdAndBenchmarksMdListEveryKey() throws Exception {
        for (String doc : List.of("docs/cli.md", "docs/BENCHMARKS.md")) {
            String text = Files.readString(REPO.resolve(doc));
            // The docs write the core-count rows as workers<N>; the table has this machine's numbers.
            for (String key : Variant.onlyKeys(7)) {
                assertThat(text).as(doc).contains("`" + key.replace("workers7", "workers<N>") + "`");
            }
        }
    }
}
