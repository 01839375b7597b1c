package io.jetstart.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Hidden: the training run for the launcher's AOT cache. Runs the real commands in this JVM on a
 * small temp store (generate, inspect and recover on the fast path, recover and dump after a
 * rebuild), so the cache holds the classes and method profiles of every path a user takes, not only
 * the demo's. Output is discarded; the temp store is deleted.
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
            status |= Main.run(sink, sink, "recover", store, "--json", "--quiet");
            DemoCommand.truncateIndexes(dir);
            status |= Main.run(sink, sink, "recover", store, "--json", "--quiet");
            status |= Main.run(sink, sink, "dump", store, "--json");
            return status == 0 ? Main.OK : Main.FAILED;
        } finally {
            DemoCommand.deleteOwnTempDir(dir);
        }
    }
}
