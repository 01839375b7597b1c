package io.jetstart.cli;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine.Mixin;

/**
 * What the read-only commands (inspect, recover, verify, dump) read: {@code STORE_DIR},
 * {@code --key}/{@code --key-file} and {@code --stream}, and their checks in one order (a missing
 * store, then a bad key, then an unknown stream), so that the same mistake gets the same answer
 * from each of them.
 */
final class StoreInput {
    @Mixin
    StoreDirArg store = new StoreDirArg();

    @Mixin
    KeyOptions keys = new KeyOptions();

    @Mixin
    StreamSelection selection = new StreamSelection();

    /** The first refusal of {@link #refuseStoreOrKey} then {@link #refuseUnknownStreams}; null when none. */
    Integer refusal(PrintWriter err) throws IOException, InterruptedException {
        Integer refused = refuseStoreOrKey(err);
        return refused != null ? refused : refuseUnknownStreams(err);
    }

    /** The exit status after saying why on {@code err} when STORE_DIR is missing or the key is bad; else null. */
    Integer refuseStoreOrKey(PrintWriter err) throws IOException, InterruptedException {
        Integer missing = store.refuseIfMissing(err);
        return missing != null ? missing : keys.refuseIfBad(store.dir, err);
    }

    /** {@link Main#USAGE} after naming them on {@code err} when {@code --stream} names streams the store lacks; else null. */
    Integer refuseUnknownStreams(PrintWriter err) throws IOException {
        return selection.refuseUnknown(store.dir, err);
    }

    Path dir() {
        return store.dir;
    }

    /** The key read by the checks, or null when none was given. */
    StoreKey key() {
        return keys.key;
    }

    /** The streams asked for; empty for all. */
    Set<String> streams() {
        return selection.names();
    }

    /**
     * The recovery behind a report of what was asked (inspect, verify): the selected streams, opened
     * with the key, and no listener (the report is printed at the end).
     */
    RecoveryOptions reportOptions() {
        return RecoveryOptions.defaults().withListener(RecoveryListener.NONE).withOnlyStreams(streams()).withKey(key());
    }
}
