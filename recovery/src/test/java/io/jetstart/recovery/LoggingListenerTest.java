package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** The restore lines in nats-server's order and wording. */
class LoggingListenerTest {

    /** Keeps every formatted line as "LEVEL message". */
    static final class Lines extends LegacyAbstractLogger {
        final List<String> lines = new ArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, args));
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }

    @Test
    void aProblemFoundWhileOpeningIsLoggedOnceBetweenStartingRestoreAndRestored() {
        Lines log = new Lines();
        LoggingListener listener = new LoggingListener(log);
        Problem shortIndex = Problem.warning(Path.of("S1/msgs/index.db"), "Recovering stream state from index errored: Stream state too short (0 bytes)");
        Problem consumerLate = Problem.warning(Path.of("S1/obs/C1/o.dat"), "found after the Restored line");
        StreamReport finished = new StreamReport("$G", "S1", Outcome.REBUILT, null, null, List.of(), List.of(shortIndex, consumerLate),
                250_000_000L, 0, 0, 0, 0);

        listener.onEvent(new RecoveryEvent.StreamStarted("$G", "S1", 100));
        listener.onEvent(new RecoveryEvent.StreamRestored("$G", "S1", 1_000, 100, "rebuilt", 178_400_000L, List.of(shortIndex)));
        listener.onEvent(new RecoveryEvent.ConsumersStarting("$G", "S1", 2));
        listener.onEvent(new RecoveryEvent.StreamFinished(finished));

        assertThat(log.lines).containsExactly(
                "INFO   Starting restore for stream '$G > S1'",
                "WARN Filestore [S1] S1/msgs/index.db: Recovering stream state from index errored: Stream state too short (0 bytes)",
                "INFO   Restored 1,000 messages for stream '$G > S1' in 178ms",
                "INFO   Recovering 2 consumers for stream - '$G > S1'",
                "WARN Filestore [S1] S1/obs/C1/o.dat: found after the Restored line");
    }
}
