package io.jetstart.cli;

import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import io.jetstart.recovery.GoFormat;
import io.jetstart.recovery.LoggingListener;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart demo}: generate a store in a temp folder, truncate its index.db files to 0 bytes
 * (as after a crash mid-write, or nats-server's own parallel-startup benchmark), recover it in
 * parallel, and print the log lines and the summary.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Generate a demo store in a temp folder, truncate its index.db files, recover it in parallel.")
final class DemoCommand implements Callable<Integer> {
    private static final OptionFlags FLAGS = OptionFlags.of("streams", "--streams", "messages", "--messages", "payload", "--payload");

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--streams", paramLabel = "N", defaultValue = "8", description = "Streams (default: ${DEFAULT-VALUE})")
    int streams;

    @Option(names = "--messages", paramLabel = "M", defaultValue = "250000", description = "Messages per stream (default: ${DEFAULT-VALUE})")
    long messages;

    @Option(names = "--payload", paramLabel = "BYTES", defaultValue = "100", description = "Payload bytes (default: ${DEFAULT-VALUE})")
    int payload;

    @Option(names = "--keep", description = "Keep the demo store and print where it is")
    boolean keep;

    @Option(names = {"-q", "--quiet"}, description = "No log lines and no progress line")
    boolean quiet;

    @Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        GeneratorSpec generator;
        try {
            // Every option is checked before anything is printed or created (exit 64, no temp folder).
            generator = GeneratorSpec.of(streams, messages, payload).withSubjects(16).withConsumers(2);
        } catch (IllegalArgumentException e) {
            err.println("jetstart: " + FLAGS.describe(e));
            return Main.USAGE;
        }
        Integer badMetrics = metrics.refuseIfInvalid(err);
        if (badMetrics != null) {
            return badMetrics;
        }
        Path dir = Files.createTempDirectory("jetstart-demo-");
        // Installed before the store is written: Ctrl-C while it was generated ended the JVM at once
        // (exit 130) and left the temp folder, hundreds of MB, behind. Now the generation stops after
        // the stream in hand and the folder is deleted; during the recovery a signal cancels it.
        AtomicBoolean signalled = new AtomicBoolean();
        AtomicReference<Runnable> cancel = new AtomicReference<>(() -> { });
        ReportOnShutdown shutdown = ReportOnShutdown.install(() -> {
            signalled.set(true);
            cancel.get().run();
        });
        int status = Main.FAILED;
        try {
            out.printf("Generating %d streams x %s messages x %d B (2 consumers each) in %s%n", streams, GoFormat.comma(messages),
                    payload, dir);
            out.flush();
            Path streamsDir = StoreGenerator.prepare(dir, generator);
            for (int i = 1; i <= generator.streams() && !signalled.get(); i++) {
                StoreGenerator.writeStream(streamsDir, i, generator);
            }
            if (signalled.get()) {
                err.println("jetstart: demo stopped while generating its store");
                status = Main.CANCELLED;
                return status;
            }
            int truncated = truncateIndexes(dir);
            out.printf("Truncated %d index.db files to 0 bytes on purpose (as after a crash mid-write): every stream must be "
                    + "rebuilt from its blocks.%n", truncated);
            if (!quiet) {
                // Said once, here: the eight WARN lines that follow alarmed first-time users.
                out.printf("So each stream logs nats-server's warning for an empty index.db (\"Stream state too short "
                        + "(0 bytes)\") where nats-server logs it, before its Restored line: expected here, not damage.%n");
            }
            out.println();
            out.flush();
            RecoveryReport report;
            try (RecoveryObservation observation = RecoveryObservation.start(metrics, quiet,
                    quiet ? RecoveryListener.NONE : new LoggingListener(), err);
                 StoreRecovery recovery = new StoreRecovery(dir, RecoveryOptions.defaults().withListener(observation.listener()))) {
                cancel.set(() -> {
                    recovery.close();
                    observation.stopLingering();
                });
                report = recovery.run();
                observation.stopProgress();
                observation.writeMetrics();
                err.flush();
                out.println();
                out.print(ReportTable.render(report, true));
                if (!quiet) {
                    out.println(ReportTable.TIME_NOTE);
                }
                out.flush();
                status = ExitStatus.of(report);
                observation.linger();
            }
            return status;
        } finally {
            try {
                if (keep) {
                    out.println("Demo store kept in " + dir);
                } else {
                    deleteOwnTempDir(dir);
                }
                out.flush();
            } finally {
                shutdown.finished(status);
                shutdown.close();
            }
        }
    }

    static int truncateIndexes(Path storeDir) throws IOException {
        int n = 0;
        try (Stream<Path> files = Files.walk(storeDir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().equals("index.db")).toList()) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                }
                n++;
            }
        }
        return n;
    }

    /** Deletes only the temp folder this command created. */
    static void deleteOwnTempDir(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
