package io.jetstart.core.crypto;

import java.nio.file.Path;

/**
 * One consumer's asset key, unsealed from {@code obs/<consumer>/meta.key}: it opens the consumer's
 * {@code meta.inf} and {@code o.dat} ({@code nonce || seal(plain)} each). Plain when there was no key file.
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

    /** The plaintext of {@code meta.inf} or {@code o.dat} as stored; unchanged when not encrypted. */
    public byte[] open(Path file, byte[] stored) throws DecryptionException {
        return opened == null ? stored : KeyFiles.openSealed(file, opened.cipher(), opened.seed(), stored);
    }
}
