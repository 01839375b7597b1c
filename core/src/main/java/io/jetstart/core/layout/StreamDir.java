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
 */
public record StreamDir(String account, String name, Path dir, long blockBytes, int blockCount, boolean hasIndexDb,
                        List<String> consumers, Encryption encryption, MsgsListing msgs) {
    public StreamDir {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dir, "dir");
        consumers = List.copyOf(consumers);
        Objects.requireNonNull(encryption, "encryption");
    }
}
