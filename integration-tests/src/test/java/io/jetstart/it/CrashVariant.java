package io.jetstart.it;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.runtime.RuntimeOptions;
import java.time.Duration;
import java.util.List;

/**
 * One kind of stream {@link RemovalCrashIT} kills its child on: each is a writer path with files of
 * its own (compressed blocks, key files and ciphertext, thousands of tiny blocks, expiry by age in
 * the background, removals by limits while publishing).
 *
 * @param name       what the trials and their folders are called; the child finds the variant by it
 * @param blockSize  the runtime's block size
 * @param moreConfig JSON members (each after a comma) in the stream's config
 * @param cipher     the store's cipher (a key is set), or null for a plain store
 * @param maxAge     the stream's max_age, or {@link Duration#ZERO}
 * @param limits     whether the config has max_msgs or max_bytes (discard old): the child then reports
 *                   the stream's first sequence with every acknowledgement
 */
record CrashVariant(String name, int blockSize, String moreConfig, StoreCipher cipher, Duration maxAge, boolean limits) {
    static final String KEY = "kill -9 crash variants: jetstart integration test key";
    static final int KIB16 = 16 * 1024;

    static final CrashVariant PLAIN = plain("plain", KIB16, "");
    static final CrashVariant S2 = plain("s2", KIB16, ",\"compression\":\"s2\"");

    /** Encrypted with each cipher, with and without S2 (the runtime writes both ciphers). */
    static final List<CrashVariant> ENCRYPTED = List.of(
            new CrashVariant("chacha", KIB16, "", StoreCipher.CHACHA, Duration.ZERO, false),
            new CrashVariant("aes", KIB16, "", StoreCipher.AES, Duration.ZERO, false),
            new CrashVariant("chacha-s2", KIB16, ",\"compression\":\"s2\"", StoreCipher.CHACHA, Duration.ZERO, false),
            new CrashVariant("aes-s2", KIB16, ",\"compression\":\"s2\"", StoreCipher.AES, Duration.ZERO, false));

    /** 2 KiB blocks: ~20 messages a block, ~1,000 blocks (the servers' index and binary-search paths). */
    static final CrashVariant TINY = plain("tiny", 2 * 1024, "");
    /** The same, encrypted and compressed: a key file per block, ~1,000 of them. */
    static final CrashVariant TINY_SEALED = new CrashVariant("tiny-chacha-s2", 2 * 1024, ",\"compression\":\"s2\"", StoreCipher.CHACHA,
            Duration.ZERO, false);

    /** A max_age of 1.5 s: the writer expires by age (tombstones, whole blocks) while the child publishes. */
    static final CrashVariant AGE = new CrashVariant("age", KIB16, ",\"max_age\":1500000000", null, Duration.ofMillis(1500), false);

    /** max_msgs and max_bytes with discard old: the writer removes the oldest while publishing. */
    static final List<CrashVariant> LIMITS = List.of(
            new CrashVariant("max-msgs", KIB16, ",\"max_msgs\":6000,\"discard\":\"old\"", null, Duration.ZERO, true),
            new CrashVariant("max-bytes", 4 * 1024, ",\"max_bytes\":400000,\"discard\":\"old\"", null, Duration.ZERO, true));

    private static CrashVariant plain(String name, int blockSize, String moreConfig) {
        return new CrashVariant(name, blockSize, moreConfig, null, Duration.ZERO, false);
    }

    static List<CrashVariant> all() {
        List<CrashVariant> all = new java.util.ArrayList<>(List.of(PLAIN, S2, TINY, TINY_SEALED, AGE));
        all.addAll(ENCRYPTED);
        all.addAll(LIMITS);
        return all;
    }

    /** The variant named {@code name} (the child's argument). */
    static CrashVariant named(String name) {
        return all().stream().filter(v -> v.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no crash variant named " + name));
    }

    RuntimeOptions options() {
        RuntimeOptions o = RuntimeOptions.defaults().withBlockSize(blockSize);
        return cipher == null ? o : o.withKey(key(), cipher);
    }

    /** The store key, or null for a plain store. */
    StoreKey key() {
        return cipher == null ? null : StoreKey.ofText(KEY);
    }

    /** The server's {@code jetstream} block for the key, or null for a plain store. */
    String serverConfig() {
        return cipher == null ? null : RuntimeCryptS2ServerIT.jetstreamBlock(KEY, cipher);
    }

    /**
     * Whether the child may securely erase: the runtime refuses erase in encrypted blocks
     * (docs/runtime.md; nats-server only deletes there), so the child deletes there instead. In a
     * compressed stream it erases: the sealed block is rewritten compressed, as the server does.
     */
    boolean erases() {
        return cipher == null;
    }
}
