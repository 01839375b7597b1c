package io.jetstart.bench;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * What the {@code jetstart bench} commands share around their options: how a command line is run
 * (exit status 64 on a wrong option or value, 2 when the bench itself failed), where the
 * repository is.
 */
final class BenchCli {
    private BenchCli() {
    }

    /**
     * Runs {@code command} on {@code args}; a wrong option is said on {@code stderr} as
     * {@code "<name>: <why>"} with a pointer to {@code <name> --help}, and exits 64, as an
     * {@link IllegalArgumentException} from the command does; any other failure exits 2.
     */
    static int execute(Object command, String name, PrintStream stdout, PrintStream stderr, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(stdout, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(stderr, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler((ex, bad) -> {
            stderr.println(name + ": " + ex.getMessage());
            stderr.println("Run '" + name + " --help' for usage.");
            return 64;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            stderr.println(name + ": " + ex.getMessage());
            return ex instanceof IllegalArgumentException ? 64 : 2;
        });
        return cl.execute(args);
    }

    /** The repository the {@code ./jetstart} launcher names ({@code -Djetstart.repo}), else the working folder. */
    static Path repo() {
        return Path.of(System.getProperty("jetstart.repo", ".")).toAbsolutePath().normalize();
    }
}
