package io.jetstart.recovery;

/**
 * Receives recovery events. Called on one reporter thread, never concurrently, so an
 * implementation needs no locking; it must not block for long (it delays later events, not
 * recovery itself).
 */
@FunctionalInterface
public interface RecoveryListener {
    RecoveryListener NONE = new None();

    void onEvent(RecoveryEvent event);

    /** Both listeners, this one first. */
    default RecoveryListener andThen(RecoveryListener other) {
        return new Both(this, other);
    }

    // Named classes, not lambdas: made at each open, where a fresh JVM would spin a lambda's class
    // at run time (package-info).

    /** Hears nothing. */
    final class None implements RecoveryListener {
        private None() {
        }

        @Override
        public void onEvent(RecoveryEvent event) {
        }
    }

    /** Two listeners, the first one first. */
    final class Both implements RecoveryListener {
        private final RecoveryListener first;
        private final RecoveryListener second;

        private Both(RecoveryListener first, RecoveryListener second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void onEvent(RecoveryEvent event) {
            first.onEvent(event);
            second.onEvent(event);
        }
    }
}
