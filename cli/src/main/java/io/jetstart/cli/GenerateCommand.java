package io.jetstart.cli;

import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import io.jetstart.core.write.StreamWriter;
import io.jetstart.recovery.GoFormat;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jetstart generate}: writes a valid store with core's encoders. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write a valid nats-server store (blocks, index.db, meta files, consumers) into STORE_DIR/jetstream.")
final class GenerateCommand implements Callable<Integer> {
    private static final OptionFlags FLAGS = OptionFlags.of("streams", "--streams", "messages", "--messages",
            "payload", "--payload", "subjects", "--subjects", "consumers", "--consumers", "account", "--account",
            "indexVersion", "--index-version");

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE_DIR", description = "store_dir to write (created; must be new or empty)")
    Path storeDir;

    @Option(names = "--streams", required = true, paramLabel = "N", description = "Streams S1..SN")
    int streams;

    @Option(names = "--messages", required = true, paramLabel = "M", description = "Messages per stream")
    long messages;

    @Option(names = "--payload", required = true, paramLabel = "BYTES", description = "Payload size")
    int payload;

    @Option(names = "--subjects", defaultValue = "1", paramLabel = "K", description = "Distinct subjects per stream (default: ${DEFAULT-VALUE})")
    int subjects;

    @Option(names = "--consumers", defaultValue = "0", paramLabel = "C", description = "Durable consumers per stream (default: ${DEFAULT-VALUE})")
    int consumers;

    @Option(names = "--account", defaultValue = "$G", paramLabel = "NAME", description = "Account directory (default: ${DEFAULT-VALUE})")
    String account;

    @Option(names = "--index-version", defaultValue = "3", paramLabel = "V",
            description = "index.db version 1..4. nats-server 2.10.x reads only 1 (it refuses 2..4 and rebuilds from "
                    + "the blocks, to the same state); 2.12+ reads 1..3; 2.14+ reads 1..4 (default: ${DEFAULT-VALUE})")
    int indexVersion;

    @Option(names = "--block-size", defaultValue = "8388608", paramLabel = "BYTES", description = "Block size (default: ${DEFAULT-VALUE})")
    int blockSize;

    @Option(names = "--compression", defaultValue = "none", paramLabel = "ALG",
            description = "none, or s2: the streams say compression: s2 and every sealed block is S2-compressed,"
                    + " as nats-server writes them (default: ${DEFAULT-VALUE})")
    String compression;

    @Override
    public Integer call() throws Exception {
        GeneratorSpec g;
        try {
            g = GeneratorSpec.of(streams, messages, payload).withSubjects(subjects).withConsumers(consumers)
                    .withAccount(account).withIndexVersion(indexVersion).withBlockSize(blockSize)
                    .withS2(compression.equals("s2"));
            if (!compression.equals("none") && !compression.equals("s2")) {
                throw new IllegalArgumentException("--compression must be none or s2, got " + compression);
            }
            if (blockSize < 1024 || blockSize > StreamWriter.DEFAULT_BLOCK_SIZE) {
                throw new IllegalArgumentException("--block-size must be 1024..8388608, got " + blockSize);
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("jetstart: " + FLAGS.describe(e));
            return Main.USAGE;
        }
        // A wrong target is a wrong option (64), not an unreadable store (66): refuse before writing anything.
        String refusal = targetRefusal(storeDir);
        if (refusal != null) {
            spec.commandLine().getErr().println("jetstart: " + refusal);
            return Main.USAGE;
        }
        var err = spec.commandLine().getErr();
        Path streamsDir = StoreGenerator.prepare(storeDir, g);
        // Ctrl-C or SIGTERM: the streams being written are finished, no other is started, and the
        // user is told what is left (each stream written is whole, with its index.db). Before, the
        // JVM exited 130 at once, without a word, leaving a half-written stream that a second
        // `generate` into the same folder then refused as "not empty".
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        try (ReportOnShutdown shutdown = ReportOnShutdown.install(() -> stop.set(true))) {
            int status = write(streamsDir, g, stop, err);
            shutdown.finished(status);
            return status;
        }
    }

    /** Writes every stream (or, after {@code stop}, those begun), prints the summary; the exit status. */
    private int write(Path streamsDir, GeneratorSpec g, java.util.concurrent.atomic.AtomicBoolean stop, java.io.PrintWriter err)
            throws Exception {
        long start = System.nanoTime();
        // A progress line at most every 2 s (the stream that wins the swap prints it) and the last one always, with no lock held around the write.
        java.util.concurrent.atomic.AtomicLong lastReport = new java.util.concurrent.atomic.AtomicLong(start);
        // Streams are independent files: write one per core at a time.
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        int threads = Math.min(streams, Runtime.getRuntime().availableProcessors());
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
            java.util.List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
            for (int i = 1; i <= streams; i++) {
                int stream = i;
                futures.add(pool.submit(() -> {
                    if (stop.get()) {
                        return null;
                    }
                    written.addAndGet(StoreGenerator.writeStream(streamsDir, stream, g));
                    int d = done.incrementAndGet();
                    long now = System.nanoTime();
                    long before = lastReport.get();
                    if (d == streams || (now - before > 2_000_000_000L && lastReport.compareAndSet(before, now))) {
                        err.printf("generate: %d/%d streams, %s messages%n", d, streams, GoFormat.comma(written.get()));
                    }
                    return null;
                }));
            }
            for (var f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    pool.shutdownNow();
                    throw e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
                }
            }
        }
        if (stop.get() && done.get() < streams) {
            err.println("jetstart: stopped by a signal after " + done.get() + " of " + streams + " streams: " + storeDir
                    + " holds those (each whole); delete it before generating into it again");
            err.flush();
            return Main.CANCELLED;
        }
        long nanos = System.nanoTime() - start;
        long total = messages * streams;
        spec.commandLine().getOut().printf("Wrote %d streams, %s messages (%s msgs/s) into %s in %s%n", streams,
                GoFormat.comma(total), GoFormat.comma(nanos == 0 ? 0 : total * 1_000_000_000L / nanos), storeDir.resolve("jetstream"),
                GoFormat.durationRoundedToMillis(nanos));
        return Main.OK;
    }

    /** Why {@code dir} cannot be generated into, or null: it must be new or an empty directory. */
    static String targetRefusal(Path dir) throws java.io.IOException {
        if (!java.nio.file.Files.exists(dir)) {
            return null;
        }
        if (!java.nio.file.Files.isDirectory(dir)) {
            return dir + " is not a directory; generate writes into a new or empty directory";
        }
        try (var entries = java.nio.file.Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                return dir + " is not empty; generate writes only into a new or empty directory (it never adds to or "
                        + "overwrites an existing store)";
            }
        }
        return null;
    }

    static int defaultIndexVersion() {
        return IndexDbCodec.DEFAULT_WRITE_VERSION;
    }
}
