/**
 * Encryption at rest, as nats-server writes it with {@code jetstream { key, cipher }} (spec §1.3,
 * §3.9): the operator's key ({@link io.jetstart.core.crypto.StoreKey}), the two cipher families
 * ({@link io.jetstart.core.crypto.StoreCipher}: XChaCha20-Poly1305 with the XChaCha20 block
 * keystream, AES-256-GCM with the AES-256-CTR block keystream), and, per stream, the keys unsealed
 * from its key files ({@link io.jetstart.core.crypto.StreamKeys}, {@link io.jetstart.core.crypto.ConsumerKeys}).
 *
 * <p>Owns: key derivation (HMAC-SHA256 key-encryption keys, sealed 32-byte seeds), opening sealed
 * files ({@code meta.inf}, {@code index.db}, {@code o.dat}; a 2.9 block's {@code .idx}, sealed with the
 * block's own seed and key-file nonce) and the keystream that XORs a block. The
 * JDK provides ChaCha20, ChaCha20-Poly1305 (12-byte nonce), AES-GCM and AES-CTR; the one missing
 * piece, HChaCha20 (for XChaCha20's 24-byte nonce), lives here. No other dependency.
 *
 * <p>Must not: parse any format (callers decode what this package decrypts), write files, or
 * decide policy. Nothing here writes a file: {@code StreamKeys.create}, {@code newBlock} and
 * {@code seal} make the bytes of new key files and sealed files (random seeds and nonces, as the
 * server's {@code genEncryptionKeys}) for the runtime's writer to write. A failed authentication tag is a {@link io.jetstart.core.crypto.DecryptionException}
 * naming the file, never garbage handed on.
 */
package io.jetstart.core.crypto;
