package io.jetstart.core.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The operator's key: the text of nats-server's {@code jetstream { key: "..." }} option, as bytes.
 * Every key of an encrypted store is derived from it (spec §1.3):
 *
 * <pre>
 *  KEK(account, context) = HMAC-SHA256(key = key text bytes, message = account name || context)
 *  context: "&lt;stream&gt;"             stream meta.key
 *           "&lt;stream&gt;:&lt;n&gt;"         msgs/&lt;n&gt;.key
 *           "&lt;stream&gt;.&lt;consumer&gt;"  obs/&lt;consumer&gt;/meta.key
 * </pre>
 *
 * (nats-server {@code jetstream.go: jsKeyGen}: the account name is HMAC'd first, then the
 * context, with no separator.) The value never appears in {@link #toString()}.
 */
public final class StoreKey {
    /** A key file larger than this is not a key; reading it whole would be a mistake. */
    static final long MAX_KEY_FILE_BYTES = 64 * 1024;

    private final byte[] bytes;

    private StoreKey(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("the key is empty");
        }
        this.bytes = bytes;
    }

    /** The key as given in the server's configuration ({@code jetstream.key}), encoded UTF-8 as Go does. */
    public static StoreKey ofText(String text) {
        return new StoreKey(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The key held in a file: its bytes, less any trailing line end ({@code \n}, {@code \r\n}), so a
     * file written by {@code echo} or an editor gives the same key as the configuration text.
     */
    public static StoreKey fromFile(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_KEY_FILE_BYTES) {
            throw new IOException(file + ": " + size + " bytes is not a key file (at most " + MAX_KEY_FILE_BYTES + ")");
        }
        byte[] b = Files.readAllBytes(file);
        int n = b.length;
        while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) {
            n--;
        }
        if (n == 0) {
            throw new IOException(file + ": the key file is empty");
        }
        return new StoreKey(Arrays.copyOf(b, n));
    }

    /** The 32-byte key-encryption key of {@code context} in {@code account}. */
    byte[] keyEncryptionKey(String account, String context) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(bytes, "HmacSHA256"));
            mac.update(account.getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(context.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "StoreKey[" + bytes.length + " bytes, redacted]";
    }
}
