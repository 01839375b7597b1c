package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * docs/cli.md and the README's command table name exactly the options each command's own
 * {@code --help} (its picocli spec) has: the usage line of each section and the README row list
 * all of them and nothing else, and every option in a section's tables exists.
 */
class CliDocsTest {
    private static final Pattern OPTION = Pattern.compile("--[a-z][a-z-]*");

    private static Path repo() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("README.md")) && Files.isDirectory(d.resolve("docs"))) {
                return d;
            }
        }
        throw new IllegalStateException("no README.md + docs/ above " + Path.of("").toAbsolutePath());
    }

    /** The long options of {@code command} as picocli knows them, without --help and --version. */
    private static Set<String> helpOptions(String command) {
        CommandLine cl = new CommandLine(new Main()).getSubcommands().get(command);
        return cl.getCommandSpec().options().stream().map(CommandLine.Model.OptionSpec::longestName)
                .filter(n -> !n.equals("--help") && !n.equals("--version")).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> options(String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = OPTION.matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }

    /** The section "## `command`" of docs/cli.md, up to the next "## " heading. */
    private static String section(String command) throws IOException {
        String doc = Files.readString(repo().resolve("docs/cli.md"));
        int start = doc.indexOf("\n## `" + command + "`");
        assertThat(start).as("docs/cli.md has a section for %s", command).isNotNegative();
        int end = doc.indexOf("\n## ", start + 1);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "recover", "dump", "generate", "demo"})
    void theUsageLineInCliMdListsExactlyTheOptionsOfHelp(String command) throws IOException {
        String s = section(command);
        int open = s.indexOf("```\n");
        String usage = s.substring(open + 4, s.indexOf("```", open + 4));

        assertThat(options(usage)).as("options in the usage line of docs/cli.md ## `%s`", command)
                .isEqualTo(helpOptions(command));
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "recover", "dump", "generate", "demo"})
    void everyOptionInACliMdTableExists(String command) throws IOException {
        Set<String> inTables = new TreeSet<>();
        for (String line : section(command).split("\n")) {
            if (line.startsWith("| `-")) {
                inTables.addAll(options(line.substring(0, line.indexOf(" |", 2))));
            }
        }

        assertThat(helpOptions(command)).as("options of %s --help", command).containsAll(inTables);
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "recover", "dump", "generate", "demo"})
    void theReadmeRowListsExactlyTheOptionsOfHelp(String command) throws IOException {
        String row = Files.readString(repo().resolve("README.md")).lines()
                .filter(l -> l.startsWith("| `./jetstart " + command + " ")).findFirst().orElseThrow();
        String firstCell = row.substring(0, row.indexOf("` |") + 1);

        assertThat(options(firstCell)).as("options in the README row of %s", command).isEqualTo(helpOptions(command));
    }
}
