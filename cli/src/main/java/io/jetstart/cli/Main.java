package io.jetstart.cli;

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
        description = "Reads NATS JetStream file stores byte-exactly and recovers every stream in parallel.",
        footer = {"", "Also: ./jetstart bench <seed8|upbench|many|huge> times jetstart against nats-server "
                + "(benchmarks module; the launcher runs it, see docs/BENCHMARKS.md)."},
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

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit status (used by tests, which must not exit). */
    public static int run(String... args) {
        return run(null, null, args);
    }

    /** As {@link #run(String...)}, writing to the given streams (null: the process's stdout/stderr). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        if (out != null) {
            cl.setOut(out);
        }
        if (err != null) {
            cl.setErr(err);
        }
        cl.setParameterExceptionHandler((ex, badArgs) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("jetstart: " + ex.getMessage());
            c.getErr().println("Run 'jetstart " + (c.getCommandName().equals("jetstart") ? "" : c.getCommandName() + " ") + "--help' for usage.");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("jetstart: " + ex.getMessage());
            return ex instanceof java.io.IOException ? NO_INPUT : FAILED;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jetstart " + (v == null ? "0.1.0-SNAPSHOT" : v) + " on JDK " + Runtime.version()};
        }
    }
}
