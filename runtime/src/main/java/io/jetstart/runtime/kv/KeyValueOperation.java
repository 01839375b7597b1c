package io.jetstart.runtime.kv;

import io.jetstart.runtime.Headers;

/** What a bucket's message says about its key: the {@code KV-Operation} header, absent for a put. */
public enum KeyValueOperation {
    PUT, DEL, PURGE;

    /** The header jnats and nats.go write on delete and purge markers. */
    public static final String HEADER = "KV-Operation";

    /**
     * The server's delete-marker header (2.11+, {@code subject_delete_marker_ttl} and
     * {@code Nats-TTL} expiries): jnats reads {@code Remove} as a delete, {@code MaxAge} and
     * {@code Purge} as a purge.
     */
    public static final String MARKER_REASON = "Nats-Marker-Reason";

    /**
     * The operation of a stored header block, as jnats 2.26 reads it: {@code KV-Operation} first,
     * then {@code Nats-Marker-Reason}; anything else is a put.
     */
    static KeyValueOperation of(byte[] headers) {
        if (headers == null || headers.length == 0) {
            return PUT;
        }
        Headers h = Headers.parse(headers, 0, headers.length);
        switch (h.first(HEADER).orElse("")) {
            case "PUT" -> {
                return PUT;
            }
            case "DEL" -> {
                return DEL;
            }
            case "PURGE" -> {
                return PURGE;
            }
            default -> {
                // not a KV operation header: the server's marker, if any, decides
            }
        }
        return switch (h.first(MARKER_REASON).orElse("")) {
            case "Remove" -> DEL;
            case "MaxAge", "Purge" -> PURGE;
            default -> PUT;
        };
    }
}
