package io.jetstart.cli;

import io.jetstart.core.crypto.StoreCipher;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code --cipher}: the cipher of a stream a runtime command creates while a key is given
 * ({@code publish --create}, {@code kv add}), as the server's {@code jetstream.cipher}. Existing
 * encrypted streams keep their own cipher (their key files' length tells it).
 */
final class CipherOption {
    @Option(names = "--cipher", paramLabel = "chachapoly|aes",
            description = "With --key/--key-file: the cipher of a stream this command creates, as the server's jetstream.cipher "
                    + "(default: chachapoly)")
    String name;

    /**
     * The cipher asked for, or null after saying on {@code err} why {@code --cipher} is not one, or
     * is given without a key (exit {@link Main#USAGE}): without a key nothing is encrypted, and a
     * {@code --cipher aes} dropped in silence left the operator believing the new stream was.
     */
    StoreCipher cipher(KeyOptions keys, PrintWriter err) {
        if (name == null) {
            return StoreCipher.CHACHA;
        }
        StoreCipher c = switch (name) {
            case "chachapoly" -> StoreCipher.CHACHA;
            case "aes" -> StoreCipher.AES;
            default -> null;
        };
        if (c == null) {
            err.println("jetstart: --cipher must be chachapoly or aes, got " + name);
        } else if (keys.text == null && keys.file == null) {
            err.println("jetstart: --cipher " + name + " needs --key or --key-file (without a key nothing is encrypted)");
            return null;
        }
        return c;
    }
}
