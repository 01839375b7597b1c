package io.jetstart.bench;

/** The state a store is started from. */
enum Mode {
    /** {@code index.db} as generated: every stream takes the fast path. */
    FAST("index.db intact (fast path)"),
    /** Every {@code index.db} truncated to 0 bytes: every stream is rebuilt from its blocks. */
    REBUILD("index.db truncated to 0 bytes (rebuild)");

    final String title;

    Mode(String title) {
        this.title = title;
    }
}
