package io.jetstart.core.store;

import io.jetstart.core.crypto.ConsumerKeys;
import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.ReadBuffer;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A consumer's {@code o.dat} as stored: read whole (bounded), opened with the consumer's keys when
 * it has a {@code meta.key} ({@code nonce || seal(state)}, nats-server's {@code encryptState}), then
 * decoded. The one reader of the file: recovery's {@link ConsumerLoader} and the runtime's hand-over
 * of a restored consumer both use it, so a sealed state is opened the same way everywhere.
 */
public final class ConsumerStateFile {
    /** Far above any real state (a pending entry is a few bytes); a bigger file is not read whole. */
    public static final long MAX_BYTES = 256L << 20;

    private ConsumerStateFile() {
    }

    /**
     * @return the decoded state; {@link ConsumerState#EMPTY} for a zero-length file, which nats-server
     *         reads as a zero state (it exists, so the deliver policy is not applied); null when the
     *         file does not exist (the server then starts the consumer from its deliver policy)
     * @throws DecryptionException when the sealed state does not open with {@code keys}
     * @throws FormatException     when the (opened) state does not decode; its offset is in the plaintext
     */
    public static ConsumerState read(Path odat, ConsumerKeys keys, DiskGate gate)
            throws IOException, InterruptedException, DecryptionException, FormatException {
        return read(odat, keys, gate, null);
    }

    /** As {@link #read(Path, ConsumerKeys, DiskGate)}, read first into {@code first}'s buffer (null: a new one). */
    public static ConsumerState read(Path odat, ConsumerKeys keys, DiskGate gate, ReadBuffer first)
            throws IOException, InterruptedException, DecryptionException, FormatException {
        byte[] bytes;
        try {
            bytes = BlockFiles.readSmallFile(odat, MAX_BYTES, gate, first);
        } catch (NoSuchFileException e) {
            return null;
        }
        // Checked before opening: the server returns the zero state for an empty file before decrypting.
        return bytes.length == 0 ? ConsumerState.EMPTY : ConsumerStateCodec.decode(keys.open(odat, bytes));
    }
}
