package io.jetstart.recovery;

/** How a stream came back. */
public enum Outcome {
    /** From index.db (fast path). */
    RECOVERED,
    /** Rebuilt from its blocks. */
    REBUILT,
    /** Could not be opened; left on disk exactly as it was. */
    FAILED,
    /** Not finished when the recovery was cancelled or its deadline passed. */
    CANCELLED;

    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
