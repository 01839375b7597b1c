package io.jetstart.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jetstart}: inspect, recover, dump, generate and demo NATS JetStream file stores.
 *
 * <p>Exit statuses (docs/cli.md): 0 every stream came back whole; 1 every stream came back but
 * some with damage (unreadable data, a failed consumer); 2 at least one stream failed; 3 the
 * recovery was cancelled or hit its deadline; 64 wrong options; 66 the store cannot be read.
 */
@Command(name = "jetstart", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = Main.DESCRIPTION, footer = {"", Main.FOOTER},
        subcommands = {InspectCommand.class, RecoverCommand.class, VerifyCommand.class, RepairCommand.class, GenerateCommand.class, DemoCommand.class, DumpCommand.class,
                PublishCommand.class, GetCommand.class, KvCommand.class, ConsumeCommand.class, ExportCommand.class, PushCommand.class, PullCommand.class, WarmupCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    public static final int OK = 0;
    public static final int DAMAGED = 1;
    public static final int FAILED = 2;
    public static final int CANCELLED = 3;
    public static final int USAGE = 64;
    public static final int NO_INPUT = 66;
    /**
     * The reader of stdout went away ({@code jetstart dump ... | head}): the status of a tool
     * killed by SIGPIPE (128 + 13), which a JVM never is (it ignores the signal, and its
     * PrintWriters swallow the write errors), so it kept reading the whole store for no one.
     */
    static final int STDOUT_CLOSED = 141;

    /**
     * True when nothing reads stdout any more: a write into a closed pipe shows only as the
     * writers' error flag. Picocli's writer wraps {@code System.out} in its own encoder, so the
     * failure may show only on {@code System.out}: both are asked. {@code out} is flushed first.
     */
    static boolean stdoutGone(java.io.PrintWriter out) {
        out.flush();
        return out.checkError() || System.out.checkError();
    }

    static final String DESCRIPTION = "Reads NATS JetStream file stores byte-exactly and recovers every stream in parallel.";
    static final String FOOTER = "Also: ./jetstart bench <seed8|upbench|many|huge> times jetstart against nats-server "
            + "(benchmarks module; the launcher runs it, see docs/BENCHMARKS.md).";

    /**
     * The subcommands of the annotation above but {@code help}, by name ({@code OneCommandTreeTest}
     * keeps the two lists equal). A command line that starts with one of these names gets a tree of
     * the root and that command only: picocli builds the model of every command it is given, by
     * reflection over their annotations, and its classes (compiled for Java 5) cannot be kept in
     * the launcher's AOT cache, so building the model of all 16 commands cost every start of a
     * fresh JVM (recover --help: 0.355 s, 0.275 s with one command's; docs/benchmarks-passes.md,
     * "./jetstart recover's own start").
     */
    static final Map<String, Class<?>> COMMANDS = Map.ofEntries(
            Map.entry("inspect", InspectCommand.class), Map.entry("recover", RecoverCommand.class),
            Map.entry("verify", VerifyCommand.class), Map.entry("repair", RepairCommand.class),
            Map.entry("generate", GenerateCommand.class), Map.entry("demo", DemoCommand.class),
            Map.entry("dump", DumpCommand.class), Map.entry("publish", PublishCommand.class),
            Map.entry("get", GetCommand.class), Map.entry("kv", KvCommand.class),
            Map.entry("consume", ConsumeCommand.class), Map.entry("export", ExportCommand.class),
            Map.entry("push", PushCommand.class), Map.entry("pull", PullCommand.class),
            Map.entry("warmup", WarmupCommand.class));

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit status (used by tests, which must not exit). */
    public static int run(String... args) {
        return run(null, null, args);
    }

    /** As {@link #run(String...)}, writing to the given streams (null: the process's stdout/stderr). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return execute(commandLine(args), out, err, args);
    }

    /** Runs {@code args} on the tree {@code cl} with this CLI's streams and error handlers. */
    static int execute(CommandLine cl, java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        if (out != null) {
            cl.setOut(out);
        }
        if (err != null) {
            cl.setErr(err);
        }
        cl.setParameterExceptionHandler(new UsageError());
        cl.setExecutionExceptionHandler(new CommandError());
        return cl.execute(args);
    }

    // Named classes, not lambdas: made at every start, where a fresh JVM spun a class (and its
    // method handles' forms) for each; a class implementing a picocli interface cannot be in the
    // AOT cache, and one read from the CLI's jar costs less than one spun.

    /** A wrong option or value: says it, and where the help is. */
    private static final class UsageError implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            CommandLine c = ex.getCommandLine();
            if (args.length == 0) {
                // `jetstart` alone is a newcomer's first try: the commands, not "Missing required subcommand".
                c.usage(c.getErr());
                return USAGE;
            }
            c.getErr().println("jetstart: " + ex.getMessage());
            c.getErr().println("Run 'jetstart " + (c.getCommandName().equals("jetstart") ? "" : c.getCommandName() + " ") + "--help' for usage.");
            return USAGE;
        }
    }

    /** A command that threw: its message, and 66 for I/O, else 2. */
    private static final class CommandError implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
            cmd.getErr().println("jetstart: " + ErrorText.of(ex));
            return ex instanceof java.io.IOException ? NO_INPUT : FAILED;
        }
    }

    /**
     * The command tree for {@code args}: the root and the command they name, or the whole tree when
     * they name none (the root's help, version, {@code help CMD}, a mistyped name and its
     * suggestions). A command's options, help, errors and exit statuses are the same in both: it
     * is parsed under a root of the same name and options. The subcommand is added before the
     * caller sets the streams and handlers, which picocli hands down only to commands already in
     * the tree.
     */
    static CommandLine commandLine(String... args) {
        Class<?> named = args.length == 0 ? null : COMMANDS.get(args[0]);
        if (named == null) {
            return new CommandLine(new Main());
        }
        CommandLine cl = new CommandLine(new OneCommandRoot());
        cl.addSubcommand(args[0], named);
        return cl;
    }

    /** {@link Main} without its subcommands: the root of a one-command tree. */
    @Command(name = "jetstart", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = Main.DESCRIPTION, footer = {"", Main.FOOTER})
    static final class OneCommandRoot {
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jetstart " + (v == null ? "0.1.0-SNAPSHOT" : v) + " on JDK " + Runtime.version()};
        }
    }
}
