package io.jetstart.cli;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code STORE_DIR STREAM [--account NAME]}: one stream of a store, for export, push and pull. */
final class StreamArgs {
    static final String GLOBAL_ACCOUNT = "$G";

    @Parameters(index = "0", paramLabel = "STORE_DIR", description = "nats-server store_dir (or its jetstream/ folder)")
    Path dir;

    @Parameters(index = "1", paramLabel = "STREAM", description = "the stream's name")
    String stream;

    @Option(names = "--account", paramLabel = "NAME", description = "the store's account holding the stream (default: ${DEFAULT-VALUE})")
    String account = GLOBAL_ACCOUNT;

    /** The stream's folder in the store, or null after saying on {@code err} why there is none. */
    StreamDir find(PrintWriter err) throws IOException {
        if (RuntimeOpen.refuseIfMissing(dir, err) != null) {
            // "does not exist" for a mistyped path, as the other commands say it ("is not a directory" said it of both).
            return null;
        }
        for (StreamDir sd : StoreLayout.discover(dir, DiskGate.unbounded()).streams()) {
            if (sd.account().equals(account) && sd.name().equals(stream)) {
                return sd;
            }
        }
        // The names that are there, as get and the runtime commands give them: a typo is seen at once.
        err.println("jetstart: " + dir + " has no stream " + account + " > " + stream + NotFoundHints.streamsOnDisk(dir, account));
        return null;
    }

    /** {@link #findReadable}'s answer: the stream, or the exit status after saying on {@code err} why not. */
    sealed interface Lookup permits Found, Refused {
    }

    record Found(StreamDir stream) implements Lookup {
    }

    record Refused(int exitStatus) implements Lookup {
    }

    /**
     * The stream to read with {@code keys}: refused as {@link #find} refuses (no such store or stream:
     * {@link Main#NO_INPUT}), then as the key's check does (export and push read the same way).
     */
    Lookup findReadable(KeyOptions keys, PrintWriter err) throws IOException, InterruptedException {
        StreamDir sd = find(err);
        if (sd == null) {
            return new Refused(Main.NO_INPUT);
        }
        Integer badKey = keys.refuseIfBad(dir, err);
        return badKey != null ? new Refused(badKey) : new Found(sd);
    }

    /** Where the stream's folder is (or goes) in the store: {@code <jetstream>/<account>/streams/<stream>}. */
    Path streamFolder() {
        Path js = dir.getFileName() != null && dir.getFileName().toString().equals("jetstream") ? dir : dir.resolve("jetstream");
        return js.resolve(account).resolve("streams").resolve(stream);
    }
}
