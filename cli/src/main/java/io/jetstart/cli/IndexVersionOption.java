package io.jetstart.cli;

import io.jetstart.runtime.RuntimeOptions;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code --index-version}: the {@code index.db} version a runtime command ({@code publish},
 * {@code kv}) writes, as {@link RuntimeOptions#withIndexVersion}. By default the store's own (the
 * version its streams' files have), and 1 in a store with none: 2.10 reads nothing newer. A stream
 * with per-message TTLs or subject delete markers (a {@code kv add --limit-marker} bucket) needs 4,
 * which a new store otherwise cannot get from the command line.
 */
final class IndexVersionOption {
    @Option(names = "--index-version", paramLabel = "1|4",
            description = "index.db version written: 1 (nats-server 2.10 reads only 1) or 4 (2.14+; needed for per-message TTLs "
                    + "and limit markers); default: the store's own, 1 in a store with none")
    Integer version;

    /** {@code options} with the version asked for, or null after saying on {@code err} why it is not one (exit {@link Main#USAGE}). */
    RuntimeOptions apply(RuntimeOptions options, PrintWriter err) {
        if (version == null) {
            return options;
        }
        if (version != 1 && version != 4) {
            err.println("jetstart: --index-version must be 1 or 4, got " + version);
            return null;
        }
        return options.withIndexVersion(version);
    }
}
