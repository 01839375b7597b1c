package io.jetstart.core.layout;

import java.util.List;

/**
 * Whether a stream directory shows signs of nats-server encryption at rest (spec §1.3, §3.9).
 * Such a stream is read only with the server's key ({@link io.jetstart.core.crypto.StreamKeys});
 * without it, this says what was seen so the report can explain why the stream is not recovered.
 */
public sealed interface Encryption {
    /** No key file was seen. */
    None NONE = new None();

    /** No {@code meta.key} and no {@code msgs/<n>.key}. */
    record None() implements Encryption {
    }

    /**
     * Key files were found.
     *
     * @param evidence what was seen, e.g. {@code "meta.key present (72 bytes: XChaCha20-Poly1305)"},
     *                 {@code "msgs/3.key (72 bytes: XChaCha20-Poly1305)"}
     */
    record Encrypted(List<String> evidence) implements Encryption {
        public Encrypted {
            evidence = List.copyOf(evidence);
            if (evidence.isEmpty()) {
                throw new IllegalArgumentException("an encrypted stream needs at least one piece of evidence");
            }
        }
    }

    default boolean isEncrypted() {
        return this instanceof Encrypted;
    }

    /**
     * The cipher a key file's length implies: {@code nonce || AEAD.Seal(32-byte seed)} is 24+32+16 =
     * 72 bytes for XChaCha20-Poly1305 and 16+32+16 = 64 for AES-256-GCM; the server rejects files
     * under 64 bytes.
     */
    static String cipherForKeyLength(long length) {
        if (length == 72) {
            return "XChaCha20-Poly1305";
        }
        if (length == 64) {
            return "AES-256-GCM";
        }
        return length < 64 ? "too short for a key, nats-server rejects it" : "unknown cipher";
    }
}
