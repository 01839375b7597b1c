package io.jetstart.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Takes back what a create that failed half-way (a full disk at its {@code meta.inf}) made: a
 * stream's or consumer's directory left behind answered "not found" to the next create of that name
 * and was reported as a failed stream or consumer at the next open, one that never existed. Only for
 * a directory the failed call itself made (it did not exist before, and the store's lock keeps
 * other writers out): the files it writes, by name, then the directory once empty. Anything else
 * found there is left, and the directory with it.
 */
final class UnmadeDirectory {
    private UnmadeDirectory() {
    }

    /** Removes {@code names} in {@code dir} (files, or directories that must be empty), then {@code dir}. */
    static void remove(Path dir, String... names) {
        try {
            for (String name : names) {
                Files.deleteIfExists(dir.resolve(name));
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // Something that is not the call's own (or cannot go): left as it is.
        }
    }
}
