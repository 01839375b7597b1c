package io.jetstart.recovery;

import java.util.List;
import java.util.Objects;

/**
 * Whether the store can serve, as a supervisor needs to know it: still {@link Starting} (with how
 * far it got, so "slow" can be told from "stuck"), {@link Ready}, or {@link Degraded} (up, but
 * some streams or consumers are not, and why).
 *
 * <p>Readiness is not health: a process that is {@code STARTING} for ten minutes is healthy as
 * long as its progress moves. Supervisors that restart on "not ready" cause the restart loops of
 * nats-server #6313 and #3563; they should watch {@link Progress} instead.
 */
public sealed interface Readiness {

    enum Status { STARTING, READY, DEGRADED }

    Status status();

    /** Recovery is running (or not started yet: every total is 0 until discovery is done). */
    record Starting(Progress progress) implements Readiness {
        public Starting {
            Objects.requireNonNull(progress, "progress");
        }

        @Override
        public Status status() {
            return Status.STARTING;
        }
    }

    /** Every stream and consumer came back (some may have reported damage: see the report). */
    record Ready(int streams, long consumers, long messages, long bytes, long wallNanos) implements Readiness {
        @Override
        public Status status() {
            return Status.READY;
        }
    }

    /**
     * Recovery is over but something is not serving: a stream failed or was cancelled, a consumer
     * failed, or the store itself could not be read. The rest is up.
     *
     * @param ready streams that did come back
     */
    record Degraded(int ready, List<Failure> failures) implements Readiness {
        public Degraded {
            failures = List.copyOf(failures);
        }

        @Override
        public Status status() {
            return Status.DEGRADED;
        }
    }

    /**
     * One thing that is not serving.
     *
     * @param account  null when the whole store failed
     * @param stream   null when the whole store failed
     * @param consumer null unless a single consumer failed
     * @param outcome  "failed" or "cancelled"
     * @param reason   which file, which offset, what was wrong
     */
    record Failure(String account, String stream, String consumer, String outcome, String reason) {
    }
}
