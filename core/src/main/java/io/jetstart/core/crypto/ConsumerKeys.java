package io.jetstart.core.crypto;

import java.nio.file.Path;

/**
 * One consumer's asset key, unsealed from {@code obs/<consumer>/meta.key} (or made for a new
 * consumer, {@link StreamKeys#newConsumer}): it opens and seals the consumer's {@code meta.inf} and
 * {@code o.dat} ({@code nonce || seal(plain)} each, a fresh random nonce per write, as nats-server's
 * {@code writeConsumerMeta} and {@code encryptState}). Plain when there was no key file.
 */
public final class ConsumerKeys {
    /** No keys; the reader of the consumer's {@code meta.inf} still looks for a {@code meta.key} first. */
    public static final ConsumerKeys PLAIN = new ConsumerKeys(null, false);

    /**
     * No keys, for a consumer of a stream without a key file read without a key
     * ({@link StreamKeys#NO_KEY_FILE}): the consumer's {@code meta.key} is looked for only when its
     * {@code meta.inf} does not parse or its {@code o.dat} does not decode.
     *
     * <p>Design note: nats-server writes a consumer's {@code meta.key} only when it has a key, and
     * then its stream has one too (written when the stream is created or converted, before its
     * consumers), so in a stream without one a consumer's key file is not the server's doing. One
     * that is there anyway seals that consumer's files, which then do not read as plain, and the
     * look made then still refuses the consumer as encrypted, naming the key file; what is saved is
     * a failed look per consumer (2,000 system calls for {@code many}: docs/benchmarks-passes.md, "Fifth
     * pass on {@code many}"). Only a hand-made consumer with a key file beside plain files is read
     * as plain where the server would skip it.
     */
    public static final ConsumerKeys IN_PLAIN_STREAM = new ConsumerKeys(null, true);

    private final KeyFiles.Opened opened;
    private final boolean keyFileRuledOut;

    ConsumerKeys(KeyFiles.Opened opened, boolean keyFileRuledOut) {
        this.opened = opened;
        this.keyFileRuledOut = keyFileRuledOut;
    }

    public boolean encrypted() {
        return opened != null;
    }

    /**
     * Whether a reader need not look for the consumer's {@code meta.key} before it parses
     * {@code meta.inf}: it was looked for when these keys were loaded and not found, or the consumer
     * is {@link #IN_PLAIN_STREAM}. Such a reader looks only when the files do not read as plain.
     */
    public boolean keyFileRuledOut() {
        return keyFileRuledOut;
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
