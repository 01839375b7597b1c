package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A command line naming a command runs on a tree of the root and that command only
 * ({@link Main#commandLine}): the command must behave exactly as in the whole tree, the one
 * {@code @Command(subcommands = ...)} on {@link Main} lists, and {@link Main#COMMANDS} must name
 * the same commands.
 */
class OneCommandTreeTest {
    @TempDir
    Path tmp;

    @Test
    void theOneCommandTableNamesEveryCommandOfTheWholeTreeButHelp() {
        Map<String, Class<?>> whole = new LinkedHashMap<>();
        for (Map.Entry<String, CommandLine> e : new CommandLine(new Main()).getSubcommands().entrySet()) {
            if (!e.getKey().equals("help")) {
                whole.put(e.getKey(), e.getValue().getCommand().getClass());
            }
        }

        assertThat(Main.COMMANDS).isEqualTo(whole);
    }

    @Test
    void aCommandLineNamingACommandGetsTheRootAndThatCommandOnly() {
        assertThat(Main.commandLine("recover", "x").getSubcommands()).containsOnlyKeys("recover");
        assertThat(Main.commandLine("help", "recover").getSubcommands()).containsKeys("help", "recover", "inspect");
        assertThat(Main.commandLine("--version").getSubcommands()).containsKeys("help", "recover", "inspect");
        assertThat(Main.commandLine("recovr").getSubcommands()).containsKeys("help", "recover", "inspect");
        assertThat(Main.commandLine().getSubcommands()).containsKeys("help", "recover", "inspect");
    }

    @Test
    void everyCommandsHelpVersionAndUsageErrorsAreTheWholeTreesByteForByte() {
        String missing = tmp.resolve("missing").toString();
        for (String name : Main.COMMANDS.keySet()) {
            for (List<String> tail : List.<List<String>>of(List.of("--help"), List.of("-h"), List.of("-V"), List.of("--version"),
                    List.of("--no-such-option"), List.of(), List.of(missing), List.of(missing, "--json", "--pretty"),
                    List.of(missing, "--dios", "0"), List.of(missing, "extra", "args"))) {
                if (tail.isEmpty() && (name.equals("warmup") || name.equals("demo"))) {
                    continue; // they would run: the training, or a demo that writes 200 MB
                }
                String[] args = new String[tail.size() + 1];
                args[0] = name;
                for (int i = 0; i < tail.size(); i++) {
                    args[i + 1] = tail.get(i);
                }
                assertThat(run(Main.commandLine(args), args)).as("%s", String.join(" ", args))
                        .isEqualTo(run(new CommandLine(new Main()), args));
            }
        }
    }

    private static String run(CommandLine tree, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(tree, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
    }
}
