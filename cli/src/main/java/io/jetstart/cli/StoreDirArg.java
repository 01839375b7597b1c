package io.jetstart.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/** The {@code STORE_DIR} parameter of every command that reads a store, and its one check. */
final class StoreDirArg {
    @Parameters(index = "0", paramLabel = "STORE_DIR", description = "nats-server store_dir (or its jetstream/ folder)")
    Path dir;

    /**
     * {@link Main#NO_INPUT} after saying why on {@code err} when STORE_DIR is missing or not a
     * directory; else null. The path is echoed as the user typed it.
     */
    Integer refuseIfMissing(PrintWriter err) {
        return RuntimeOpen.refuseIfMissing(dir, err);
    }
}
