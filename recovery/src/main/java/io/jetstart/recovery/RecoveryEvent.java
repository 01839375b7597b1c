package io.jetstart.recovery;

import io.jetstart.core.store.Problem;
import java.util.List;

/**
 * What happens during a recovery, in the order each stream experiences it. Events from many
 * stream threads reach the listener one at a time, on a single reporter thread.
 */
public sealed interface RecoveryEvent {

    /**
     * Discovery done: how much work there is.
     *
     * @param gate a live, read-only view of the dios gate this recovery runs with (valid until
     *             {@link RecoveryFinished}; readable from any thread)
     */
    record RecoveryStarted(int streams, long blockBytes, String runner, int dios, int workers, GateView gate)
            implements RecoveryEvent {

        public RecoveryStarted {
            gate = gate == null ? GateView.NONE : gate;
        }

        /** Without a gate view ({@link GateView#NONE}). */
        public RecoveryStarted(int streams, long blockBytes, String runner, int dios, int workers) {
            this(streams, blockBytes, runner, dios, workers, GateView.NONE);
        }
    }

    record StreamStarted(String account, String stream, long blockBytes) implements RecoveryEvent {
    }

    /** One block read and verified (rebuild path). */
    record BlockScanned(String account, String stream, long blockIndex, long bytes, long records) implements RecoveryEvent {
    }

    /**
     * The stream's messages are back (before its consumers).
     *
     * @param problems what opening the stream found (e.g. an index.db it could not use), so a log
     *                 can say it before the "Restored" line, where nats-server says it
     */
    record StreamRestored(String account, String stream, long messages, long bytes, String source, long nanos,
                          List<Problem> problems) implements RecoveryEvent {

        public StreamRestored {
            problems = problems == null ? List.of() : List.copyOf(problems);
        }

        /** Without problems. */
        public StreamRestored(String account, String stream, long messages, long bytes, String source, long nanos) {
            this(account, stream, messages, bytes, source, nanos, List.of());
        }
    }

    record ConsumersStarting(String account, String stream, int consumers) implements RecoveryEvent {
    }

    record ConsumerRestored(String account, String stream, String consumer) implements RecoveryEvent {
    }

    record ConsumerFailed(String account, String stream, String consumer, Problem cause) implements RecoveryEvent {
    }

    /** The stream and its consumers are done: the final outcome. */
    record StreamFinished(StreamReport report) implements RecoveryEvent {
    }

    record RecoveryFinished(RecoveryReport report) implements RecoveryEvent {
    }
}
