package io.jetstart.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Hidden: the training run for the launcher's AOT cache. Runs the real commands in this JVM on a
 * small temp store (generate, inspect and verify, recover on the fast path, recover and dump after
 * a rebuild), then recovers a store of 64 small streams both ways, so the cache holds the classes
 * and method profiles of every path a user takes, not only the demo's. Each output form is taken
 * once: the tables and the JSON, and a recovery with its log lines and progress line as a user
 * starts it (without {@code --quiet}): trained only quiet, the cache lacked slf4j (35 classes),
 * the log and progress listeners and the console's, which every plain {@code recover} then read
 * from the jars (docs/benchmarks-passes.md, "./jetstart recover's own start"). Output is discarded (the
 * log lines go to stderr, which the launcher discards); the temp stores are deleted.
 */
@Command(name = "warmup", hidden = true, description = "Train the launcher's start-up cache (used by ./jetstart).")
final class WarmupCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("jetstart-warmup-");
        PrintWriter sink = new PrintWriter(Writer.nullWriter());
        try {
            String store = dir.toString();
            int status = Main.run(sink, sink, "generate", store, "--streams", "4", "--messages", "20000", "--payload", "64",
                    "--subjects", "100", "--consumers", "2");
            status |= Main.run(sink, sink, "inspect", store, "--json");
            status |= Main.run(sink, sink, "inspect", store);
            status |= Main.run(sink, sink, "verify", store);
            status |= Main.run(sink, sink, "recover", store);
            DemoCommand.truncateIndexes(dir);
            status |= Main.run(sink, sink, "recover", store, "--json", "--quiet");
            status |= Main.run(sink, sink, "dump", store, "--json");
            status |= recoverManyStreams(sink);
            return status == 0 ? Main.OK : Main.FAILED;
        } finally {
            DemoCommand.deleteOwnTempDir(dir);
        }
    }

    /**
     * A store of many small streams, each with consumers, recovered with {@code index.db} and then
     * rebuilt: a recovery of hundreds of streams runs paths a 4-stream store barely touches (the
     * structured scope with many forks, threads parked at the disk gate, thousands of consumer
     * meta files) and a cache trained on it starts such a recovery faster (docs/benchmarks-passes.md,
     * issue 13: 1,000 streams, wall 546 → 378 ms, CPU -7 %). 64 streams: 200 did no better.
     */
    private static int recoverManyStreams(PrintWriter sink) throws Exception {
        Path dir = Files.createTempDirectory("jetstart-warmup-many-");
        try {
            String store = dir.toString();
            int status = Main.run(sink, sink, "generate", store, "--streams", "64", "--messages", "200", "--payload", "100",
                    "--consumers", "2");
            status |= Main.run(sink, sink, "recover", store, "--json");
            DemoCommand.truncateIndexes(dir);
            status |= Main.run(sink, sink, "recover", store, "--json", "--quiet");
            return status;
        } finally {
            DemoCommand.deleteOwnTempDir(dir);
        }
    }
}
