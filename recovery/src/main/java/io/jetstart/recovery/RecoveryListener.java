package io.jetstart.recovery;

/**
 * Receives recovery events. Called on one reporter thread, never concurrently, so an
 * implementation needs no locking; it must not block for long (it delays later events, not
 * recovery itself).
 */
@FunctionalInterface
public interface RecoveryListener {
    RecoveryListener NONE = e -> { };

    void onEvent(RecoveryEvent event);

    /** Both listeners, this one first. */
    default RecoveryListener andThen(RecoveryListener other) {
        return e -> {
            onEvent(e);
            other.onEvent(e);
        };
    }
}
