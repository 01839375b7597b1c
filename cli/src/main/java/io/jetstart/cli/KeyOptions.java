package io.jetstart.cli;

import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --key} / {@code --key-file}: the server's {@code jetstream.key}, for stores it encrypted
 * (inspect, recover, dump). Without either, encrypted streams are refused as before.
 */
final class KeyOptions {
    @Option(names = "--key", paramLabel = "TEXT",
            description = "The server's jetstream key (jetstream { key: ... }), to read an encrypted store "
                    + "(visible to other users in the process list: prefer --key-file)")
    String text;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "Read the server's jetstream key from FILE (a trailing line end is ignored)")
    Path file;

    /** The key asked for, or null when none; set by {@link #refuseIfBad}. */
    StoreKey key;

    /**
     * Reads the key, then checks it against every encrypted stream's {@code meta.key} in {@code storeDir}.
     *
     * @return {@link Main#USAGE} for both options or an unreadable key file, {@link Main#NO_INPUT}
     *         when the key does not open a key file of the store (a wrong key; the file is named); else null
     */
    Integer refuseIfBad(Path storeDir, PrintWriter err) throws IOException, InterruptedException {
        if (text != null && file != null) {
            err.println("jetstart: give --key or --key-file, not both");
            return Main.USAGE;
        }
        if (text != null) {
            if (text.isEmpty()) {
                err.println("jetstart: --key is empty");
                return Main.USAGE;
            }
            key = StoreKey.ofText(text);
        } else if (file != null) {
            try {
                key = StoreKey.fromFile(file);
            } catch (IOException e) {
                err.println("jetstart: cannot read the key file: " + e.getMessage());
                return Main.USAGE;
            }
        }
        if (key == null) {
            return null;
        }
        // One small read per encrypted stream: a wrong key fails here, naming the file, instead of
        // as one failed stream per stream.
        for (StreamDir sd : StoreLayout.discover(storeDir, DiskGate.unbounded()).streams()) {
            if (!sd.encryption().isEncrypted()) {
                continue;
            }
            try {
                StreamKeys.load(key, sd.account(), sd.dir(), DiskGate.unbounded());
            } catch (DecryptionException e) {
                if (e.kind() == DecryptionException.Kind.WRONG_KEY || e.kind() == DecryptionException.Kind.BAD_KEY_FILE) {
                    err.println("jetstart: wrong key? " + e.getMessage());
                    return Main.NO_INPUT;
                }
            }
        }
        return null;
    }
}
