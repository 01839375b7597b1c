package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * docs/cli.md and the README's command table quote each command's options: they must be the
 * options its {@code --help} lists, with the same value labels (a user copies them from there).
 */
class DocsMatchHelpTest {
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    /**
     * {@code --name} and the value label after it, if any ({@code --stream NAME[,NAME]} gives NAME;
     * a choice {@code --cipher chachapoly|aes}, escaped {@code chachapoly\|aes} in a Markdown table, gives {@code chachapoly|aes};
     * a choice of numbers, {@code --index-version 1|4}, gives {@code 1|4}).
     */
    static final Pattern OPTION = Pattern.compile("(--[a-z][a-z-]*)(?:[ =]([A-Z][A-Z_]*|[a-z0-9]+(?:\\\\?\\|[a-z0-9]+)+))?");

    /** Long option name to value label ("" for a flag), as picocli's help shows them. */
    static Map<String, String> help(String command) {
        CommandLine cl = new CommandLine(new Main()).getSubcommands().get(command);
        Map<String, String> options = new TreeMap<>();
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            options.put(o.longestName(), o.typeInfo().isBoolean() ? "" : o.paramLabel());
        }
        return options;
    }

    /** Options quoted in {@code text}, with their labels. */
    static Map<String, String> quoted(String text) {
        Map<String, String> options = new TreeMap<>();
        Matcher m = OPTION.matcher(text);
        while (m.find()) {
            options.merge(m.group(1), m.group(2) == null ? "" : m.group(2).replace("\\", ""), (a, b) -> a.isEmpty() ? b : a);
        }
        return options;
    }

    /** The synopsis block of a command's section in cli.md: from "jetstart <cmd> STORE_DIR" to the closing fence. */
    static String synopsis(String doc, String command) {
        int section = doc.indexOf("## `" + command + "`");
        assertThat(section).as("cli.md has a section for %s", command).isNotNegative();
        int start = doc.indexOf("```\njetstart " + command, section);
        assertThat(start).as("cli.md's %s section opens with its synopsis", command).isNotNegative();
        return doc.substring(start + 4, doc.indexOf("```", start + 4));
    }

    /** The first column of the options table of a command's section in cli.md. */
    static String optionTable(String doc, String command) {
        int section = doc.indexOf("## `" + command + "`");
        int next = doc.indexOf("\n## ", section + 1);
        String body = doc.substring(section, next < 0 ? doc.length() : next);
        StringBuilder firstColumn = new StringBuilder();
        for (String line : body.lines().toList()) {
            if (line.startsWith("| `-")) {
                firstColumn.append(line, 0, line.indexOf('|', 1)).append('\n');
            }
        }
        return firstColumn.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "recover", "generate", "dump", "demo", "verify", "repair", "kv", "consume", "publish", "get"})
    void theSynopsisInCliMdListsExactlyTheHelpsOptionsWithItsLabels(String command) throws Exception {
        String doc = Files.readString(REPO.resolve("docs/cli.md"));

        Map<String, String> documented = quoted(synopsis(doc, command));

        assertThat(documented).isEqualTo(help(command));
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "recover", "generate", "demo"})
    void theOptionsTableInCliMdNamesOnlyRealOptions(String command) throws Exception {
        String doc = Files.readString(REPO.resolve("docs/cli.md"));

        Map<String, String> table = quoted(optionTable(doc, command));

        assertThat(table).isNotEmpty();
        assertThat(help(command)).containsAllEntriesOf(table);
        if (!command.equals("demo")) { // demo's table lists defaults only for the options that have one
            assertThat(table.keySet()).isEqualTo(help(command).keySet());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "recover", "generate", "dump", "demo", "verify", "repair", "kv", "consume", "publish", "get"})
    void theReadmeCommandTableListsExactlyTheHelpsOptions(String command) throws Exception {
        String readme = Files.readString(REPO.resolve("README.md"));
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : readme.lines().toList()) {
            if (line.startsWith("| `./jetstart " + command + " ")) {
                rows.put(command, line.substring(0, line.indexOf("` |")));
            }
        }
        assertThat(rows).as("README has a row for %s", command).containsKey(command);

        assertThat(quoted(rows.get(command))).isEqualTo(help(command));
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "recover", "dump", "verify", "repair"})
    void everyCommandThatReadsAStoreTakesTheSameStreamOption(String command) {
        assertThat(help(command)).containsEntry("--stream", "NAME");
        OptionSpec stream = new CommandLine(new Main()).getSubcommands().get(command).getCommandSpec().findOption("--stream");
        assertThat(stream.splitRegex()).isEqualTo(",");
        assertThat(List.of(stream.description())).singleElement().asString().contains("repeatable");
    }
}
