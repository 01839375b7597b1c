package io.jetstart.runtime.kv;

/** How a watch starts and what it delivers, as jnats's {@code KeyValueWatchOption}. */
public enum WatchOption {
    /** Start with every stored entry of the matching keys (history), not only the latest of each. */
    INCLUDE_HISTORY,
    /** Deliver no delete or purge markers. */
    IGNORE_DELETE,
    /** Deliver only entries written after the watch started (no initial values). */
    UPDATES_ONLY,
    /** Deliver entries without their values. */
    META_ONLY
}
