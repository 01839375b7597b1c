package io.jetstart.cli;

import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --key} / {@code --key-file}: the server's {@code jetstream.key}, for stores it encrypted
 * (inspect, recover, dump, get, publish, consume, kv, verify, repair). Without either, encrypted streams are refused as before.
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
        Integer bad = readKey(err);
        if (bad != null || key == null) {
            return bad;
        }
        return refuseWrongKey(storeDir, err);
    }

    /**
     * As {@link #refuseIfBad}, for a command that may create the store ({@code publish}): a directory
     * with no JetStream layout yet has no key file to check the key against.
     */
    Integer refuseIfBadOrNew(Path storeDir, PrintWriter err) throws IOException, InterruptedException {
        Integer bad = readKey(err);
        if (bad != null || key == null) {
            return bad;
        }
        boolean layout = java.nio.file.Files.isDirectory(storeDir.resolve("jetstream"));
        if (!layout) {
            try (var children = java.nio.file.Files.list(storeDir)) {
                layout = children.anyMatch(c -> java.nio.file.Files.isDirectory(c.resolve("streams")));
            }
        }
        return layout ? refuseWrongKey(storeDir, err) : null;
    }

    /** Reads {@code --key} or {@code --key-file} into {@link #key}; {@link Main#USAGE} when they cannot be read. */
    private Integer readKey(PrintWriter err) {
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
            if (Files.isDirectory(file)) {
                // The JDK's read says only "Is a directory", without the file.
                err.println("jetstart: cannot read the key file: " + file + ": a directory, not a file");
                return Main.USAGE;
            }
            try {
                key = StoreKey.fromFile(file);
            } catch (IOException e) {
                err.println("jetstart: cannot read the key file: " + ErrorText.of(e));
                return Main.USAGE;
            }
        }
        return null;
    }

    private Integer refuseWrongKey(Path storeDir, PrintWriter err) throws IOException {
        // One small read per encrypted stream: a wrong key fails here, naming the file, instead of
        // as one failed stream per stream. But one damaged meta.key (emptied, cut, a flipped bit)
        // ended the whole command with "wrong key?" (66), the other streams unread: a key that
        // opens another stream's key file is the right one, and a key file of a length no cipher
        // writes is damage whatever the key. Such a stream fails on its own, its file named.
        DecryptionException wrong = null;
        boolean opened = false;
        for (StreamDir sd : StoreLayout.discover(storeDir, DiskGate.unbounded()).streams()) {
            if (!sd.encryption().isEncrypted()) {
                continue;
            }
            try {
                StreamKeys.load(key, sd.account(), sd.dir(), DiskGate.unbounded());
                opened = true;
            } catch (DecryptionException e) {
                if (e.kind() == DecryptionException.Kind.WRONG_KEY && wrong == null) {
                    wrong = e;
                }
            } catch (IOException e) {
                // A key file that cannot be read (a directory, permissions): that stream's damage,
                // reported on the file when the stream is opened.
            }
        }
        if (wrong != null && !opened) {
            err.println("jetstart: wrong key? " + wrong.getMessage());
            return Main.NO_INPUT;
        }
        return null;
    }
}
