package io.jetstart.runtime.kv;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * One entry of a bucket, as jnats's {@code KeyValueEntry} has it.
 *
 * @param value    the stored payload; empty for delete and purge markers
 * @param revision the message's stream sequence
 * @param created  the message's timestamp
 * @param delta    entries of the same read still to come after this one (0 for a get), as the
 *                 server's {@code num_pending} gives it to a watching consumer
 */
public record KeyValueEntry(String bucket, String key, byte[] value, long revision, Instant created, long delta,
                            KeyValueOperation operation) {

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValueEntry e && bucket.equals(e.bucket) && key.equals(e.key) && Arrays.equals(value, e.value)
                && revision == e.revision && created.equals(e.created) && delta == e.delta && operation == e.operation;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(revision) * 31 + key.hashCode();
    }

    @Override
    public String toString() {
        return bucket + " > " + key + " @" + revision + " " + operation + " " + value.length + " bytes, created " + created
                + ", delta " + delta;
    }
}
