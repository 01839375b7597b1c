package io.jetstart.recovery;

import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.store.Problem;

/** A consumer's restore result. A failed consumer never fails its stream or a sibling. */
public sealed interface ConsumerOutcome {
    String name();

    record Restored(ConsumerInfo info) implements ConsumerOutcome {
        @Override
        public String name() {
            return info.name();
        }
    }

    /**
     * @param unmade whether its directory holds no {@code o.dat} and not both meta files: a create
     *               that never finished (a kill between the directory and its files). Nobody holds
     *               state of it (nats-server skips it at start, as it skips any consumer without
     *               {@code meta.inf} or {@code meta.sum}), so it holds no message of an interest
     *               stream, where any other consumer that could not be restored holds them all
     */
    record Failed(String name, Problem cause, boolean unmade) implements ConsumerOutcome {
        /** A consumer whose files hold state, or may: it holds what it may still need. */
        public Failed(String name, Problem cause) {
            this(name, cause, false);
        }
    }
}
