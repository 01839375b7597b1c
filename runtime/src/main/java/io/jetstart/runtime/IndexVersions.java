package io.jetstart.runtime;

import io.jetstart.core.format.IndexDbCodec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which {@code index.db} version to write: the one the stream's own file has (the server line
 * that wrote the store reads it), else the one any other stream of the store has, else 1, which
 * every server from 2.10 on reads (2.10 reads nothing else; 2.12 rejects 4).
 */
final class IndexVersions {
    static final int FALLBACK = 1;

    private IndexVersions() {
    }

    /** The version of {@code msgs/index.db} under {@code streamDir}, or 0 when there is none or it is not one. */
    static int of(Path streamDir) {
        Path f = streamDir.resolve("msgs").resolve("index.db");
        // Both bytes in one read, through RandomAccessFile: it runs at every stream's hand-over, and
        // an InputStream from Files.newInputStream (a channel under it) read them one system call each.
        // A short read of a regular file is its end: a file of 0 or 1 bytes is no index.db.
        try (RandomAccessFile in = new RandomAccessFile(f.toFile(), "r")) {
            byte[] head = new byte[2];
            int n = in.read(head, 0, 2);
            int magic = n >= 1 ? head[0] & 0xff : -1;
            int version = n == 2 ? head[1] & 0xff : -1;
            return magic == IndexDbCodec.MAGIC && version >= IndexDbCodec.MIN_VERSION && version <= IndexDbCodec.MAX_VERSION
                    ? version : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The first version found in any stream of the store, else {@link #FALLBACK}. */
    static int ofStore(Path storeDir) {
        Path js = JetStreamDir.of(storeDir);
        if (!Files.isDirectory(js)) {
            return FALLBACK;
        }
        try (DirectoryStream<Path> accounts = Files.newDirectoryStream(js)) {
            for (Path acc : accounts) {
                Path streams = acc.resolve("streams");
                if (!Files.isDirectory(streams)) {
                    continue;
                }
                try (DirectoryStream<Path> ss = Files.newDirectoryStream(streams)) {
                    for (Path s : ss) {
                        int v = of(s);
                        if (v > 0) {
                            return v;
                        }
                    }
                }
            }
        } catch (IOException e) {
            return FALLBACK;
        }
        return FALLBACK;
    }
}
