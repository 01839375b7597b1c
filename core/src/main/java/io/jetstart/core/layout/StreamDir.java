package io.jetstart.core.layout;

import io.jetstart.core.io.MsgsListing;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One stream directory as discovered, before anything in it is read.
 *
 * @param account    the account directory name ({@code $G} without configured accounts)
 * @param name       the stream directory name, which is the stream name and keys its checksums
 * @param dir        {@code <jetstream>/<account>/streams/<name>}
 * @param blockBytes total size of its {@code msgs/<n>.blk} files (the recovery cost estimate)
 * @param blockCount how many {@code msgs/<n>.blk} files it has
 * @param hasIndexDb whether {@code msgs/index.db} exists (the fast path may apply)
 * @param consumers  the directory names under {@code obs/}, in {@code os.ReadDir} order
 * @param encryption whether key files were seen
 * @param msgs       what the listing of {@code msgs/} showed (block indexes, 2.9 {@code .idx} files),
 *                   handed to the opener so that it does not list the directory again; null when
 *                   {@code msgs/} is missing or not a directory (the opener then looks for itself)
 * @param indexDbBytes the size of {@code msgs/index.db} as discovery saw it, or -1 when there is none or
 *                   its size was not read: the line detector opens the smallest sealed one of a store
 *                   without a stat of each ({@code ServerLineDetector})
 */
public record StreamDir(String account, String name, Path dir, long blockBytes, int blockCount, boolean hasIndexDb,
                        List<String> consumers, Encryption encryption, MsgsListing msgs, long indexDbBytes) {
    public StreamDir {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dir, "dir");
        consumers = List.copyOf(consumers);
        Objects.requireNonNull(encryption, "encryption");
    }

    /** A stream whose {@code index.db} size is not known. */
    public StreamDir(String account, String name, Path dir, long blockBytes, int blockCount, boolean hasIndexDb,
                     List<String> consumers, Encryption encryption, MsgsListing msgs) {
        this(account, name, dir, blockBytes, blockCount, hasIndexDb, consumers, encryption, msgs, -1);
    }
}
