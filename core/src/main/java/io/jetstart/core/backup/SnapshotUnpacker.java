package io.jetstart.core.backup;

import io.jetstart.core.compress.S2InputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Unpacks a nats-server stream snapshot (an S2 stream of a tar, {@code filestore.go:
 * streamSnapshot}) into a stream folder, as the server's own restore does ({@code stream.go:
 * RestoreStream}): every entry a regular file under the folder, written into a temporary sibling
 * first and moved into place only once the whole archive read cleanly, so a broken snapshot
 * leaves no half stream behind.
 *
 * <p>nats-server 2.15+ snapshots in a second format (an archive starting {@code NATSARC1} inside the
 * S2 stream instead of a tar: the state, the consumers and the messages rather than the files);
 * given the stream config the snapshot API answered with, that form is written out as the files
 * the server would have ({@link ArchiveUnpacker}), else it is refused by name.
 */
public final class SnapshotUnpacker {
    static final String ARCHIVE_V2_MAGIC = "NATSARC1";

    /** What was unpacked. */
    public record Result(Path streamDir, int files, long bytes) {
    }

    private SnapshotUnpacker() {
    }

    /** Unpacks the S2-compressed tar snapshot read from {@code s2Tar} into {@code streamDir}, which must not exist. */
    public static Result unpack(InputStream s2Tar, Path streamDir) throws IOException {
        return unpack(s2Tar, streamDir, null);
    }

    /**
     * As {@link #unpack(InputStream, Path)}, also reading the {@code NATSARC1} form, for which
     * {@code streamConfig} (the {@code config} of the snapshot API's answer) gives {@code meta.inf}.
     */
    public static Result unpack(InputStream s2Tar, Path streamDir, com.fasterxml.jackson.databind.JsonNode streamConfig)
            throws IOException {
        if (Files.exists(streamDir)) {
            throw new FileAlreadyExistsException(streamDir.toString(), null, "the stream folder exists already");
        }
        Path parent = streamDir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + streamDir.getFileName() + ".unpacking-");
        try {
            BufferedInputStream in = new BufferedInputStream(new S2InputStream(s2Tar), 1 << 16);
            in.mark(8);
            byte[] head = in.readNBytes(8);
            in.reset();
            if (new String(head, StandardCharsets.ISO_8859_1).equals(ARCHIVE_V2_MAGIC)) {
                if (streamConfig != null) {
                    int files = ArchiveUnpacker.unpack(new ArchiveReader(in), streamConfig, tmp);
                    Files.move(tmp, streamDir);
                    return new Result(streamDir, files, 0);
                }
                throw new IOException("the snapshot is in nats-server's second snapshot format (" + ARCHIVE_V2_MAGIC
                        + " archive), not a tar; jetstart reads the tar form");
            }
            TarReader tar = new TarReader(in);
            int files = 0;
            long bytes = 0;
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                Path target = safeTarget(tmp, e);
                if (!e.regularFile()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target)) {
                    tar.copyEntry(out);
                }
                files++;
                bytes += e.size();
            }
            if (!Files.isRegularFile(tmp.resolve("meta.inf"))) {
                throw new IOException("the snapshot has no meta.inf; it is not a stream snapshot");
            }
            Files.move(tmp, streamDir);
            return new Result(streamDir, files, bytes);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /** The entry's path under {@code root}; absolute names and {@code ..} are refused, as the server refuses them. */
    static Path safeTarget(Path root, TarReader.Entry e) throws IOException {
        String name = e.name();
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\")) {
            throw new IOException("tar entry '" + name + "' at offset " + e.offset() + " is not a relative path");
        }
        Path target = root.resolve(name).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw new IOException("tar entry '" + name + "' at offset " + e.offset() + " points outside the stream folder");
        }
        return target;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Best effort: the original error is what the caller must see.
        }
    }
}
