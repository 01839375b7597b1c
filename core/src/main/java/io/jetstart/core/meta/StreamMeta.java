package io.jetstart.core.meta;

import io.jetstart.core.hash.StreamChecksumKey;
import java.util.Objects;

/**
 * A stream's verified meta files.
 *
 * @param config  the parsed {@code meta.inf}
 * @param metaInf the exact bytes of {@code meta.inf} (decrypted: the JSON, when the stream is encrypted)
 * @param metaSum the content of {@code meta.sum}: 16 lowercase hex characters
 * @param checksumKey the key {@code meta.sum} was checked with (the stream directory's name), which
 *                    also keys the stream's {@code index.db} trailer
 */
public record StreamMeta(StreamConfig config, byte[] metaInf, String metaSum, StreamChecksumKey checksumKey) {
    public StreamMeta {
        Objects.requireNonNull(config, "config");
        metaInf = metaInf.clone();
        Objects.requireNonNull(metaSum, "metaSum");
        Objects.requireNonNull(checksumKey, "checksumKey");
    }

    @Override
    public byte[] metaInf() {
        return metaInf.clone();
    }
}
