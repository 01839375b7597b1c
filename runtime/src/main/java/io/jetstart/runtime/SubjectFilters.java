package io.jetstart.runtime;

import io.jetstart.core.format.IndexDbCodec;

/**
 * Which subjects a publish may store: what nats-server routes to a stream and {@code index.db}
 * can hold ({@link IndexDbCodec#canHold}). (Which filters can match anything is
 * {@link io.jetstart.core.store.SubjectFilter#canMatch}'s to say.)
 */
final class SubjectFilters {
    private SubjectFilters() {
    }

    /**
     * Whether a message may be stored on {@code subject}: no empty token, no whitespace, no NUL or
     * U+FFFD. The server does not route a publish on anything else to a stream (no ack). A literal
     * {@code *} or {@code >} token it does store, as here, also a {@code >} before the last token
     * ({@code a.>.b}): the server keeps that message across a restart (its {@code index.db} is then
     * rejected and the stream rebuilt from the blocks), and so does the runtime.
     */
    static boolean storable(String subject) {
        return IndexDbCodec.canHold(subject);
    }
}
