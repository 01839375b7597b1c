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
    @Option(names = "--cipher", defaultValue = "chachapoly", paramLabel = "chachapoly|aes",
            description = "With --key/--key-file: the cipher of a stream this command creates, as the server's jetstream.cipher "
                    + "(default: ${DEFAULT-VALUE})")
    String name;

    /** The cipher asked for, or null after saying on {@code err} why {@code --cipher} is not one (exit {@link Main#USAGE}). */
    StoreCipher cipher(PrintWriter err) {
        return switch (name) {
            case "chachapoly" -> StoreCipher.CHACHA;
            case "aes" -> StoreCipher.AES;
            default -> {
                err.println("jetstart: --cipher must be chachapoly or aes, got " + name);
                yield null;
            }
        };
    }
}
