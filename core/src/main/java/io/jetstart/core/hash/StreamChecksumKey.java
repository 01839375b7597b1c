package io.jetstart.core.hash;

import java.util.Objects;

/**
 * A stream's checksum key ({@link HashKeys#forStream}: the SHA-256 of its name), which keys both its
 * {@code meta.sum} and its {@code index.db} trailer.
 *
 * <p>Design note: a recovery reads {@code meta.sum} and then {@code index.db} of every stream, and
 * computed the same digest for each (one SHA-256 in five per stream of a store like {@code many}).
 * The meta files' reader makes this once and the opener takes it; it names its stream, so a key
 * handed to another stream's open is not used there. Immutable: the key bytes never leave it.
 */
public final class StreamChecksumKey {
    private final String stream;
    private final byte[] key;

    private StreamChecksumKey(String stream, byte[] key) {
        this.stream = stream;
        this.key = key;
    }

    /** The key of stream {@code stream} (its directory name). */
    public static StreamChecksumKey of(String stream) {
        return new StreamChecksumKey(Objects.requireNonNull(stream, "stream"), HashKeys.forStream(stream));
    }

    /** The stream whose name keys it. */
    public String stream() {
        return stream;
    }

    /** Whether this is the key of stream {@code name}. */
    public boolean isFor(String name) {
        return stream.equals(name);
    }

    /** A new hasher with this key (a {@link HighwayHash64} holds its own keyed state). */
    public HighwayHash64 hasher() {
        return new HighwayHash64(key);
    }

    @Override
    public String toString() {
        return "StreamChecksumKey[" + stream + "]";
    }
}
