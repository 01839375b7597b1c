package io.jetstart.core.meta;

import java.util.Objects;
import java.util.Optional;

/**
 * A consumer's meta files as nats-server accepts them at startup.
 *
 * @param config          the parsed {@code meta.inf}
 * @param metaInf         the exact bytes of {@code meta.inf} (the decrypted JSON when the consumer is encrypted)
 * @param metaSum         the content of {@code meta.sum} as read (it may not match, see below)
 * @param checksumWarning present when {@code meta.sum} does not match {@code meta.inf}. nats-server
 *                        never compares a consumer's checksum (only its existence, spec §2.3), so a
 *                        mismatch is reported but does not stop the consumer
 */
public record ConsumerMeta(ConsumerConfig config, byte[] metaInf, String metaSum, Optional<String> checksumWarning) {
    public ConsumerMeta {
        Objects.requireNonNull(config, "config");
        // The config's own array when MetaFiles made both: neither ever hands it out uncopied.
        metaInf = config.keeps(metaInf) ? metaInf : metaInf.clone();
        Objects.requireNonNull(metaSum, "metaSum");
        Objects.requireNonNull(checksumWarning, "checksumWarning");
    }

    @Override
    public byte[] metaInf() {
        return metaInf.clone();
    }
}
