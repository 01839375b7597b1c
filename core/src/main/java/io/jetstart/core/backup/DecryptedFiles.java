package io.jetstart.core.backup;

import io.jetstart.core.crypto.BlockKeystream;
import io.jetstart.core.crypto.ConsumerKeys;
import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The plaintext a snapshot carries for each file of an encrypted stream, as nats-server's
 * {@code streamSnapshot} writes it: {@code meta.inf} as JSON with its {@code meta.sum} over that
 * JSON, each block XORed back with its keystream, {@code index.db}'s sealed body opened and its HH64
 * trailer computed again over the plaintext, each consumer's {@code meta.inf}/{@code meta.sum}
 * likewise and its {@code o.dat} opened. Key files are not part of a snapshot: the restoring server
 * encrypts with its own key, if it has one.
 */
final class DecryptedFiles {
    private final Path streamDir;
    private final String stream;
    private final StreamKeys keys;

    DecryptedFiles(Path streamDir, String stream, StreamKeys keys) {
        this.streamDir = streamDir;
        this.stream = stream;
        this.keys = keys;
    }

    /** The bytes of {@code file} (one of {@link StreamExport#files}) as the snapshot holds them. */
    byte[] content(Path file) throws IOException {
        byte[] stored = Files.readAllBytes(file);
        String name = file.getFileName().toString();
        Path parent = file.getParent();
        try {
            if (parent.equals(streamDir)) {
                byte[] meta = keys.open(streamDir.resolve(MetaFiles.META_INF), Files.readAllBytes(streamDir.resolve(MetaFiles.META_INF)));
                return name.equals(MetaFiles.META_INF) ? meta
                        : MetaFiles.streamChecksum(stream, meta).getBytes(StandardCharsets.US_ASCII);
            }
            if (parent.getFileName().toString().equals("msgs")) {
                if (name.equals("index.db")) {
                    if (stored.length < IndexDbCodec.TRAILER_LENGTH) {
                        return stored;
                    }
                    byte[] body = keys.open(file, Arrays.copyOf(stored, stored.length - IndexDbCodec.TRAILER_LENGTH));
                    return IndexDbCodec.withTrailer(stream, body);
                }
                long index = Long.parseLong(name.substring(0, name.length() - ".blk".length()));
                Optional<BlockKeystream> ks = keys.block(parent, index, DiskGate.unbounded());
                ks.ifPresent(k -> k.xor(stored, 0, stored.length, 0));
                return stored;
            }
            // obs/<consumer>/{meta.inf, meta.sum, o.dat}
            String consumer = parent.getFileName().toString();
            ConsumerKeys ck = keys.consumer(parent, DiskGate.unbounded());
            if (name.equals("o.dat")) {
                return ck.open(file, stored);
            }
            byte[] meta = ck.open(parent.resolve(MetaFiles.META_INF), Files.readAllBytes(parent.resolve(MetaFiles.META_INF)));
            return name.equals(MetaFiles.META_INF) ? meta
                    : MetaFiles.consumerChecksum(stream, consumer, meta).getBytes(StandardCharsets.US_ASCII);
        } catch (DecryptionException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
