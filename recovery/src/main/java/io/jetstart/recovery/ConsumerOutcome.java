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

    record Failed(String name, Problem cause) implements ConsumerOutcome {
    }
}
