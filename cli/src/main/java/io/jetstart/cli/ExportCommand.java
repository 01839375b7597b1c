package io.jetstart.cli;

import io.jetstart.core.backup.StreamExport;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.store.Problem;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart export}: one stream of a closed store as the folder {@code nats stream backup}
 * writes ({@code backup.json}, {@code stream.tar.s2}), which {@code nats stream restore} and
 * {@code jetstart push} send to a server. A store a jetstart runtime in another process holds is
 * exported as a crash would leave it ({@link HeldStreamCopy}).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write one stream of a closed store (or of one a jetstart runtime holds, as a crash would leave it) as a nats stream backup folder (backup.json, stream.tar.s2).")
final class ExportCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StreamArgs args = new StreamArgs();

    @Mixin
    KeyOptions keys = new KeyOptions();

    @Parameters(index = "2", paramLabel = "OUT_DIR", description = "folder for backup.json and stream.tar.s2 (created if missing)")
    Path out;

    @Override
    public Integer call() throws Exception {
        StreamDir sd;
        switch (args.findReadable(keys, spec.commandLine().getErr())) {
            case StreamArgs.Refused r -> {
                return r.exitStatus();
            }
            case StreamArgs.Found f -> sd = f.stream();
        }
        // Ctrl-C or SIGTERM: the JVM's own exit (130) left the cut stream.tar.s2.tmp in OUT_DIR (and
        // the copy of a held stream in the temp folder) and said nothing. The signal interrupts this
        // thread, whose file channels then close (ClosedByInterruptException: the export removes its
        // cut file itself), and removes both, in case the export does not end within the grace period.
        AtomicBoolean stop = new AtomicBoolean();
        Thread exporter = Thread.currentThread();
        Path cut = out.resolve(io.jetstart.core.backup.BackupLayout.DATA + ".tmp");
        List<Path> scratch = new CopyOnWriteArrayList<>();
        try (ReportOnShutdown shutdown = ReportOnShutdown.install(() -> {
            stop.set(true);
            exporter.interrupt();
            removeQuietly(cut);
            scratch.forEach(ExportCommand::removeQuietly);
        })) {
            int status;
            try {
                status = export(sd, scratch);
            } catch (java.io.IOException | java.io.UncheckedIOException | InterruptedException e) {
                if (!stop.get()) {
                    throw e;
                }
                spec.commandLine().getErr().println("jetstart: export " + sd.account() + " > " + sd.name() + " stopped by a signal; "
                        + "no cut file left in " + out + " (a backup file there is whole: the one before, unless already replaced)");
                status = Main.CANCELLED;
            }
            spec.commandLine().getErr().flush();
            shutdown.finished(status);
            return status;
        }
    }

    private int export(StreamDir sd, List<Path> scratch) throws Exception {
        StreamExport.Result r;
        if (HeldStreamCopy.heldByRuntime(args.dir)) {
            // A runtime in another process writes the store: export a crash-consistent copy of it.
            Path temp = java.nio.file.Files.createTempDirectory("jetstart-export-");
            scratch.add(temp);
            try {
                r = StreamExport.export(HeldStreamCopy.copy(sd, temp, keys.key), out, keys.key);
            } finally {
                deleteTree(temp);
            }
            spec.commandLine().getErr().println("jetstart: " + args.dir + " is held by a jetstart runtime: exported the stream as a crash would"
                    + " leave it now (every message acknowledged before the export began; index.db rebuilt by the restoring server)");
        } else {
            r = StreamExport.export(sd, out, keys.key);
        }
        spec.commandLine().getOut().printf("exported %s > %s: %d messages, last sequence %d, %d consumers, %d files (%s in the tar) to %s%n",
                sd.account(), sd.name(), r.state().messages(), r.state().lastSeq(), r.state().consumerCount(), r.files(),
                ProgressLine.bytes(r.tarBytes()), out);
        // The files went as they are; the counts above are what could be read of them. Exit 1 for
        // damage, as recover does: a backup of a damaged stream must not look whole.
        return sayProblems(spec.commandLine().getErr(), r.problems()) ? Main.DAMAGED : Main.OK;
    }

    /**
     * Prints what opening the stream found wrong, one line each ({@code jetstart: damage: <file> at
     * offset N: ...}) on {@code err}; whether any of it is more than a warning.
     */
    static boolean sayProblems(java.io.PrintWriter err, java.util.List<Problem> problems) {
        boolean damaged = false;
        for (Problem p : problems) {
            damaged |= p.severity() != Problem.Severity.WARNING;
            err.println("jetstart: " + p.severity().name().toLowerCase(java.util.Locale.ROOT) + ": " + p.describe());
        }
        return damaged;
    }

    /** Deletes a file or a folder tree as far as it can: called from the signal's hook. */
    private static void removeQuietly(Path p) {
        try {
            if (java.nio.file.Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(p);
            } else {
                java.nio.file.Files.deleteIfExists(p);
            }
        } catch (java.io.IOException | java.io.UncheckedIOException goneAlready) {
            // removed by the command itself meanwhile
        }
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }
}
