package io.jetstart.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the accounts of a store live: {@code <store_dir>/jetstream}, or the given folder itself
 * when it is a {@code jetstream/} folder (it holds {@code <account>/streams/}), as the read-only
 * commands accept either.
 */
final class JetStreamDir {
    private JetStreamDir() {
    }

    static Path of(Path storeDir) {
        Path js = storeDir.resolve("jetstream");
        if (Files.isDirectory(js)) {
            return js;
        }
        try (Stream<Path> children = Files.list(storeDir)) {
            if (children.anyMatch(c -> Files.isDirectory(c.resolve("streams")))) {
                return storeDir;
            }
        } catch (IOException e) {
            return js;
        }
        return js;
    }

    static Path stream(Path storeDir, String account, String name) {
        return streams(storeDir, account).resolve(name);
    }

    /** The folder of an account's streams. */
    static Path streams(Path storeDir, String account) {
        return of(storeDir).resolve(account).resolve("streams");
    }
}
