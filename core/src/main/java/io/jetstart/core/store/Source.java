package io.jetstart.core.store;

/** How a stream's state was obtained. */
public enum Source {
    /** Decoded from {@code index.db} after it agreed with the blocks (nats-server's fast path). */
    INDEX,
    /** Rebuilt by reading and verifying every block. */
    REBUILT;

    public String jsonName() {
        return this == INDEX ? "index" : "rebuilt";
    }
}
