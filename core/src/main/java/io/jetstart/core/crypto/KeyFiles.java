package io.jetstart.core.crypto;

import io.jetstart.core.io.BoundedReads;
import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.AEADBadTagException;

/**
 * Reads and opens one key file ({@code meta.key}, {@code msgs/<n>.key}, {@code obs/<c>/meta.key}):
 * {@code nonce || seal(KEK(account, context), seed)}, as nats-server's {@code recoverAEK} and
 * {@code loadEncryptionForMsgBlock} do. One gated read; the unseal happens outside the gate.
 */
final class KeyFiles {
    /** What a key file held: its cipher, the 32-byte seed, and the nonce (the block keystream's IV). */
    record Opened(StoreCipher cipher, byte[] seed, byte[] nonce) {
    }

    /** Far above the 72 bytes of a real key file; enough to report what a damaged one holds. */
    private static final long MAX_BYTES = 4096;

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private KeyFiles() {
    }

    /** {@code n} random bytes: a seed or a nonce. */
    static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * @return empty when {@code file} does not exist (that asset is not encrypted)
     * @throws DecryptionException when it exists and cannot be opened with {@code key}
     */
    static Optional<Opened> open(Path file, StoreKey key, String account, String context, DiskGate gate)
            throws DecryptionException, IOException {
        byte[] bytes;
        if (java.nio.file.Files.isDirectory(file)) {
            // The read's bare "Is a directory" named no file and, escaping as an I/O error, ended
            // dump (66) with every other stream unread: a key file no cipher wrote, of this stream alone.
            throw new DecryptionException(DecryptionException.Kind.BAD_KEY_FILE, file, "a directory, not a key file", null);
        }
        try {
            bytes = BoundedReads.readAll(file, MAX_BYTES, gate);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (key == null) {
            throw new DecryptionException(DecryptionException.Kind.NO_KEY, file,
                    "encrypted (key file present) and no key was given", null);
        }
        StoreCipher cipher = StoreCipher.forKeyFileLength(bytes.length).orElseThrow(() -> new DecryptionException(
                DecryptionException.Kind.BAD_KEY_FILE, file, "key file of " + bytes.length + " bytes; nats-server writes "
                + StoreCipher.CHACHA.keyFileBytes() + " (" + StoreCipher.CHACHA + ") or " + StoreCipher.AES.keyFileBytes()
                + " (" + StoreCipher.AES + ")", null));
        byte[] seed;
        try {
            seed = cipher.open(key.keyEncryptionKey(account, context), bytes, 0, bytes.length);
        } catch (AEADBadTagException e) {
            throw new DecryptionException(DecryptionException.Kind.WRONG_KEY, file, "cannot decrypt with the given key ("
                    + cipher + " authentication tag mismatch for account " + account + ", context \"" + context
                    + "\"): not the key this store was encrypted with", e);
        }
        if (seed.length != StoreCipher.SEED_BYTES) {
            throw new DecryptionException(DecryptionException.Kind.BAD_KEY_FILE, file, "sealed seed of " + seed.length
                    + " bytes, expected " + StoreCipher.SEED_BYTES, null);
        }
        return Optional.of(new Opened(cipher, seed, Arrays.copyOf(bytes, cipher.nonceBytes())));
    }

    /** Opens a file sealed with the asset key {@code seed} ({@code nonce || ciphertext || tag}). */
    static byte[] openSealed(Path file, StoreCipher cipher, byte[] seed, byte[] sealed) throws DecryptionException {
        try {
            return cipher.open(seed, sealed, 0, sealed.length);
        } catch (AEADBadTagException e) {
            throw new DecryptionException(DecryptionException.Kind.DAMAGED, file, cipher
                    + " authentication tag mismatch although its key file opened: the file was changed or damaged ("
                    + sealed.length + " bytes)", e);
        }
    }
}
