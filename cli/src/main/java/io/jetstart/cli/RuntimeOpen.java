package io.jetstart.cli;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.recovery.repair.Repair;
import io.jetstart.recovery.repair.StoreHolders;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.StoreLockedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How {@code publish}, {@code consume} and {@code kv} open a store in the embedded runtime, with
 * one set of refusals: a missing or non-directory {@code STORE_DIR} ({@code 66}, worded as
 * {@link StoreDirArg} words it for the read-only commands), a {@code --key}/{@code --key-file}
 * that cannot be read ({@code 64}) or does not open an encrypted stream's {@code meta.key}
 * ({@code 66}, the file named, before the runtime opens: as for {@code get}), a store another
 * runtime holds ({@code 2}, the lock's own message), and a store a running nats-server serves
 * ({@code 2}, the server named).
 */
final class RuntimeOpen {
    /** The outcome of an open. */
    sealed interface Result permits Opened, Refused {
    }

    /** The store, open; the caller closes it. */
    record Opened(JetStartStore store) implements Result {
    }

    /** Not opened; the reason is already on stderr. */
    record Refused(int exitStatus) implements Result {
    }

    private RuntimeOpen() {
    }

    /**
     * A runtime refusal in the words of the command's user: the runtime tells an embedding
     * application which call lifts it ({@code open it with RuntimeOptions.withIndexVersion(4)}, for a
     * limit-marker bucket in a store of 2.10's index.db), and the command's user sets that with a flag.
     */
    static String inFlags(String runtimeMessage) {
        return runtimeMessage.replace("open it with RuntimeOptions.withIndexVersion(4)", "give the command --index-version 4");
    }

    /** {@code null} when {@code storeDir} is a directory, else the exit status after saying why on {@code err}. */
    static Integer refuseIfMissing(Path storeDir, PrintWriter err) {
        if (Files.isDirectory(storeDir)) {
            return null;
        }
        err.println("jetstart: " + storeDir + (Files.exists(storeDir) ? " is not a directory" : " does not exist"));
        return Main.NO_INPUT;
    }

    /**
     * {@code null} when {@code account} can be a store's account, else {@link Main#USAGE} after
     * saying why on {@code err}, as {@code get} says it: checked before the store is opened, so a
     * mistyped {@code --account ''} is a wrong option and not a stream the store lacks.
     */
    static Integer refuseIfBadAccount(String account, PrintWriter err) {
        try {
            JetStart.checkAccount(account);
            return null;
        } catch (IllegalArgumentException e) {
            err.println("jetstart: " + e.getMessage());
            return Main.USAGE;
        }
    }

    /**
     * As {@link #refuseIfMissing}, for the commands that write through the runtime: a missing
     * directory is not made (a mistyped path would become a new, empty store), and the line says
     * how to start a new store, which a newcomer's first {@code publish --create} needs.
     */
    static Integer refuseIfMissingToWrite(Path storeDir, PrintWriter err) {
        if (Files.exists(storeDir)) {
            Integer missing = refuseIfMissing(storeDir, err);
            return missing != null ? missing : refuseIfNotAStore(storeDir, err);
        }
        err.println("jetstart: " + storeDir + " does not exist (the runtime starts a new store only in an existing "
                + "directory, so a mistyped path never becomes one: create it first, e.g. mkdir -p " + storeDir + ")");
        return Main.NO_INPUT;
    }

    /**
     * {@code null} when {@code storeDir} holds a JetStream store ({@code jetstream/}, or it is that
     * folder: {@code <account>/streams/} inside) or no folder at all (a new store; files such as the
     * operator's key file may be there), else {@link Main#NO_INPUT} after saying why on {@code err}.
     * The runtime starts a new store in any directory without one: {@code publish} given the folder
     * above its {@code store_dir} (a fixture's, a home directory) made {@code jetstream/$G/streams/}
     * and {@code jetstart.lock} there, and said "stream not found".
     */
    static Integer refuseIfNotAStore(Path storeDir, PrintWriter err) {
        List<Path> children;
        try (var list = Files.list(storeDir)) {
            children = list.toList();
        } catch (IOException e) {
            err.println("jetstart: " + storeDir + " cannot be listed: " + e.getMessage());
            return Main.NO_INPUT;
        }
        boolean store = Files.isDirectory(storeDir.resolve("jetstream")) || children.stream().anyMatch(c -> Files.isDirectory(c.resolve("streams")));
        boolean folders = children.stream().anyMatch(Files::isDirectory);
        if (store || !folders) {
            return null;
        }
        String hint = children.stream().filter(c -> Files.isDirectory(c.resolve("jetstream"))).findFirst()
                .map(c -> "; did you mean " + c + "?").orElse("");
        err.println("jetstart: " + storeDir + " holds no JetStream store (no jetstream/ folder, no <account>/streams/ inside) but holds "
                + "folders: a new store is started only in a directory without folders, so a mistyped path never becomes one" + hint);
        return Main.NO_INPUT;
    }

    /**
     * Opens with the operator's key from {@code keys} (none: encrypted streams fail, naming their
     * {@code meta.key}); {@code cipher} is that of streams the command creates (null: the default,
     * XChaCha20-Poly1305). A store with no JetStream layout yet has no key file to check the key against.
     */
    static Result open(Path storeDir, KeyOptions keys, StoreCipher cipher, RuntimeOptions options, PrintWriter err)
            throws IOException, InterruptedException {
        Integer missing = refuseIfMissingToWrite(storeDir, err);
        if (missing != null) {
            return new Refused(missing);
        }
        Integer badKey = keys.refuseIfBadOrNew(storeDir, err);
        if (badKey != null) {
            return new Refused(badKey);
        }
        if (keys.key == null) {
            return open(storeDir, options, err);
        }
        return open(storeDir, cipher == null ? options.withKey(keys.key) : options.withKey(keys.key, cipher), err);
    }

    static Result open(Path storeDir, RuntimeOptions options, PrintWriter err) throws IOException {
        Integer missing = refuseIfMissingToWrite(storeDir, err);
        if (missing != null) {
            return new Refused(missing);
        }
        // nats-server takes no lock on its store: a publish beside a live server appended to the
        // block the server then wrote over at its own offsets, and the runtime's acked messages
        // were gone (seq 18..20 acked by both, the server's kept, 297 bytes of the block unreadable).
        List<StoreHolders.Holder> servers = StoreHolders.natsServers(Repair.storeRoot(storeDir));
        if (!servers.isEmpty()) {
            err.println("jetstart: " + servers.get(0).description() + ": stop it first (nats-server takes no lock on its "
                    + "store, and its writes and the runtime's would overwrite each other)");
            return new Refused(Main.FAILED);
        }
        try {
            return new Opened(JetStart.open(storeDir, options));
        } catch (StoreLockedException e) {
            err.println("jetstart: " + e.getMessage());
            return new Refused(Main.FAILED);
        }
    }
}
