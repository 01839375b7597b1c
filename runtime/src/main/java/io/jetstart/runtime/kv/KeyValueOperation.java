package io.jetstart.runtime.kv;

import io.jetstart.runtime.Headers;

/** What a bucket's message says about its key: the {@code KV-Operation} header, absent for a put. */
public enum KeyValueOperation {
    PUT, DEL, PURGE;

    /** The header jnats and nats.go write on delete and purge markers. */
    public static final String HEADER = "KV-Operation";

    /** The operation of a stored header block; a missing or unknown value reads as a put, as jnats reads it. */
    static KeyValueOperation of(byte[] headers) {
        if (headers == null || headers.length == 0) {
            return PUT;
        }
        String v = Headers.parse(headers, 0, headers.length).first(HEADER).orElse("");
        return switch (v) {
            case "DEL" -> DEL;
            case "PURGE" -> PURGE;
            default -> PUT;
        };
    }
}
