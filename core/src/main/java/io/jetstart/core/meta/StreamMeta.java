package io.jetstart.core.meta;

import java.util.Objects;

/**
 * A stream's verified meta files.
 *
 * @param config  the parsed {@code meta.inf}
 * @param metaInf the exact bytes of {@code meta.inf} (decrypted: the JSON, when the stream is encrypted)
 * @param metaSum the content of {@code meta.sum}: 16 lowercase hex characters
 */
public record StreamMeta(StreamConfig config, byte[] metaInf, String metaSum) {
    public StreamMeta {
        Objects.requireNonNull(config, "config");
        // The config's own array when MetaFiles made both: neither ever hands it out uncopied.
        metaInf = config.keeps(metaInf) ? metaInf : metaInf.clone();
        Objects.requireNonNull(metaSum, "metaSum");
    }

    @Override
    public byte[] metaInf() {
        return metaInf.clone();
    }
}
