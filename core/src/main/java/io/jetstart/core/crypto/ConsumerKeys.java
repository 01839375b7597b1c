package io.jetstart.core.crypto;

import java.nio.file.Path;

/**
 * One consumer's asset key, unsealed from {@code obs/<consumer>/meta.key} (or made for a new
 * consumer, {@link StreamKeys#newConsumer}): it opens and seals the consumer's {@code meta.inf} and
 * {@code o.dat} ({@code nonce || seal(plain)} each, a fresh random nonce per write, as nats-server's
 * {@code writeConsumerMeta} and {@code encryptState}). Plain when there was no key file.
 */
public final class ConsumerKeys {
    public static final ConsumerKeys PLAIN = new ConsumerKeys(null);

    private final KeyFiles.Opened opened;

    ConsumerKeys(KeyFiles.Opened opened) {
        this.opened = opened;
    }

    public boolean encrypted() {
        return opened != null;
    }

    /**
     * The stored form of {@code meta.inf} or {@code o.dat}: {@code nonce || seal(plain)} under the
     * consumer's asset key with a fresh random nonce; {@code plain} itself when not encrypted.
     */
    public byte[] seal(byte[] plain) {
        return opened == null ? plain : opened.cipher().seal(opened.seed(), KeyFiles.random(opened.cipher().nonceBytes()), plain);
    }

    /** The plaintext of {@code meta.inf} or {@code o.dat} as stored; unchanged when not encrypted. */
    public byte[] open(Path file, byte[] stored) throws DecryptionException {
        return opened == null ? stored : KeyFiles.openSealed(file, opened.cipher(), opened.seed(), stored);
    }
}
