package io.jetstart.core.crypto;

import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One stream's keys: the asset key unsealed from its {@code meta.key} (opens {@code meta.inf} and
 * {@code msgs/index.db}), and the way to each block's keystream ({@code msgs/<n>.key}) and each
 * consumer's keys. A stream without {@code meta.key} is plain: {@link #open} returns its input.
 *
 * <p>Design note: a block is encrypted when its own {@code <n>.key} exists, whatever the stream
 * says, as in nats-server's {@code loadEncryptionForMsgBlock} (which converts a plain block it
 * meets in an encrypted stream). Block keys are read when the block is, one small gated read per
 * block read, so nothing per block is kept. Immutable; safe to share between a stream's tasks.
 */
public final class StreamKeys {
    /** For a stream opened without a key and without key files; its {@code meta.inf}'s reader still looks for a {@code meta.key}. */
    public static final StreamKeys PLAIN = new StreamKeys(null, "", "", null, false);

    /**
     * For a stream without a key whose {@code meta.key} was looked for and not found: discovery found
     * none ({@code Encryption.None}). Its {@code meta.inf}'s reader does not look again before it
     * parses, and its consumers' readers look for theirs only when their files do not read as
     * plain ({@link ConsumerKeys#IN_PLAIN_STREAM}).
     */
    public static final StreamKeys NO_KEY_FILE = new StreamKeys(null, "", "", null, true);

    private final StoreKey key;
    private final String account;
    private final String stream;
    private final KeyFiles.Opened meta;
    private final boolean keyFileRuledOut;

    private StreamKeys(StoreKey key, String account, String stream, KeyFiles.Opened meta, boolean keyFileRuledOut) {
        this.key = key;
        this.account = account;
        this.stream = stream;
        this.meta = meta;
        this.keyFileRuledOut = keyFileRuledOut;
    }

    /**
     * Reads the stream's {@code meta.key}, if any, and unseals it.
     *
     * @param key       the operator's key, or null when none was given
     * @param streamDir {@code .../streams/<stream>}; its name is the stream's key context
     * @throws DecryptionException when {@code meta.key} exists and does not open (wrong key, no key, bad file)
     */
    public static StreamKeys load(StoreKey key, String account, Path streamDir, DiskGate gate)
            throws DecryptionException, IOException {
        String stream = streamDir.getFileName().toString();
        Optional<KeyFiles.Opened> meta = KeyFiles.open(streamDir.resolve("meta.key"), key, account, stream, gate);
        // Not there: just looked for, so the meta.inf reader need not look again.
        return new StreamKeys(key, account, stream, meta.orElse(null), meta.isEmpty());
    }

    /**
     * New keys for a stream created encrypted, as nats-server's {@code setupAEK} makes them: a random
     * 32-byte seed sealed under KEK(account, stream) with a random nonce.
     *
     * @param metaKey the bytes of the stream's {@code meta.key}, for the caller to write (before {@code meta.inf})
     */
    public record Created(StreamKeys keys, byte[] metaKey) {
    }

    /** Generates the keys of a new encrypted stream {@code stream} of {@code account}. */
    public static Created create(StoreKey key, StoreCipher cipher, String account, String stream) {
        java.util.Objects.requireNonNull(key, "key");
        byte[] seed = KeyFiles.random(StoreCipher.SEED_BYTES);
        byte[] nonce = KeyFiles.random(cipher.nonceBytes());
        byte[] file = cipher.seal(key.keyEncryptionKey(account, stream), nonce, seed);
        return new Created(new StreamKeys(key, account, stream, new KeyFiles.Opened(cipher, seed, nonce), false), file);
    }

    /**
     * A new block's key, as nats-server's {@code genEncryptionKeysForBlock}: a random seed sealed
     * under KEK(account, "stream:index") with a random nonce, which is also the block keystream's IV.
     *
     * @param keyFile the bytes of {@code msgs/<index>.key}, for the caller to write before the block
     */
    public record NewBlockKey(byte[] keyFile, BlockKeystream keystream) {
    }

    /** Generates block {@code index}'s key with the stream's cipher; only for an encrypted stream. */
    public NewBlockKey newBlock(long index) {
        if (meta == null || key == null) {
            throw new IllegalStateException(this + " is not encrypted with a known key: no block key to make");
        }
        StoreCipher cipher = meta.cipher();
        byte[] seed = KeyFiles.random(StoreCipher.SEED_BYTES);
        byte[] nonce = KeyFiles.random(cipher.nonceBytes());
        byte[] file = cipher.seal(key.keyEncryptionKey(account, stream + ":" + index), nonce, seed);
        return new NewBlockKey(file, cipher.keystream(seed, nonce));
    }

    /**
     * {@code nonce || seal(plain)} under the stream's asset key with a fresh random nonce: the
     * stored form of {@code meta.inf} and of {@code index.db}'s body ({@code writeStreamMeta},
     * {@code _writeFullState}); {@code plain} itself when the stream is not encrypted.
     */
    public byte[] seal(byte[] plain) {
        if (meta == null) {
            return plain;
        }
        return meta.cipher().seal(meta.seed(), KeyFiles.random(meta.cipher().nonceBytes()), plain);
    }

    /** Whether {@code meta.inf} and {@code index.db} are sealed. */
    public boolean encrypted() {
        return meta != null;
    }

    /**
     * Whether the stream's {@code meta.key} is known not to exist (looked for when these keys were
     * made, or by discovery): a reader of its plain {@code meta.inf} then looks for one only when the
     * file does not parse, to still name a sealed one as encrypted.
     */
    public boolean keyFileRuledOut() {
        return keyFileRuledOut;
    }

    /** The stream's cipher, when it is encrypted. */
    public Optional<StoreCipher> cipher() {
        return meta == null ? Optional.empty() : Optional.of(meta.cipher());
    }

    /**
     * The plaintext of a stream file ({@code meta.inf}, or the body of {@code index.db} without its
     * checksum trailer) as stored: unchanged when the stream is not encrypted.
     */
    public byte[] open(Path file, byte[] stored) throws DecryptionException {
        return meta == null ? stored : KeyFiles.openSealed(file, meta.cipher(), meta.seed(), stored);
    }

    /**
     * The keystream of block {@code index}, or empty when it has no {@code <n>.key} (a plain block).
     *
     * @throws DecryptionException when the key file exists and does not open
     */
    public Optional<BlockKeystream> block(Path msgsDir, long index, DiskGate gate) throws DecryptionException, IOException {
        if (key == null && meta == null) {
            // No key: nothing to open a key file with, so no look for one on every block read (the
            // plain path stays as it was). A caller with no key refuses streams whose layout shows
            // key files; one that does not meets the ciphertext as records that fail their checks.
            return Optional.empty();
        }
        return KeyFiles.open(msgsDir.resolve(index + ".key"), key, account, stream + ":" + index, gate)
                .map(o -> o.cipher().keystream(o.seed(), o.nonce()));
    }

    /** A consumer's keys, from {@code obs/<consumer>/meta.key} (context {@code "<stream>.<consumer>"}). */
    public ConsumerKeys consumer(Path consumerDir, DiskGate gate) throws DecryptionException, IOException {
        String consumer = consumerDir.getFileName().toString();
        Optional<KeyFiles.Opened> opened = KeyFiles.open(consumerDir.resolve("meta.key"), key, account,
                stream + "." + consumer, gate);
        return new ConsumerKeys(opened.orElse(null), opened.isEmpty());
    }

    /**
     * A new consumer's keys, as nats-server's {@code writeConsumerMeta} makes them
     * ({@code genEncryptionKeys("<stream>.<consumer>")}): a random seed sealed under
     * KEK(account, "stream.consumer") with a random nonce.
     *
     * @param keys    the consumer's keys, to seal its {@code meta.inf} and {@code o.dat}
     * @param metaKey the bytes of {@code obs/<consumer>/meta.key}, for the caller to write before {@code meta.inf}
     */
    public record NewConsumerKey(ConsumerKeys keys, byte[] metaKey) {
    }

    /**
     * Generates consumer {@code consumer}'s key with the stream's cipher; only for an encrypted
     * stream. (The server uses its configured cipher, which is the stream's unless it is converting
     * the store; a server configured with the other cipher converts the consumer as it converts the stream.)
     */
    public NewConsumerKey newConsumer(String consumer) {
        if (meta == null || key == null) {
            throw new IllegalStateException(this + " is not encrypted with a known key: no consumer key to make");
        }
        StoreCipher cipher = meta.cipher();
        byte[] seed = KeyFiles.random(StoreCipher.SEED_BYTES);
        byte[] nonce = KeyFiles.random(cipher.nonceBytes());
        byte[] file = cipher.seal(key.keyEncryptionKey(account, stream + "." + consumer), nonce, seed);
        return new NewConsumerKey(new ConsumerKeys(new KeyFiles.Opened(cipher, seed, nonce), false), file);
    }

    @Override
    public String toString() {
        return meta == null ? "StreamKeys[plain]" : "StreamKeys[" + account + " > " + stream + ", " + meta.cipher() + "]";
    }
}
