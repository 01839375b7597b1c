package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.Problem;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The event and report paths of a CLI recovery use {@code instanceof} chains and a hand-written
 * comparison instead of pattern switches and a record's {@code equals} (their bootstraps are spun at
 * run time, which an AOT cache does not keep: docs/benchmarks-passes.md, "./jetstart recover's own start").
 * A chain loses the compiler's exhaustiveness check, so this test stands in for it: a new event,
 * consumer outcome or problem component fails here until the chains are looked at
 * ({@link LoggingListener#onEvent}, {@link RecoveryProgress}, {@link Finding#of(StreamReport)}, the CLI's {@code ReportJson} and
 * {@code ReportTable}, and {@code LoggingListener.saidAlready}); then the lists below are updated.
 */
class InstanceofChainsCoverTest {

    private static List<String> permitted(Class<?> sealed) {
        List<String> names = new ArrayList<>();
        for (Class<?> c : sealed.getPermittedSubclasses()) {
            names.add(c.getSimpleName());
        }
        return names;
    }

    @Test
    void theEventChainsKnowEveryRecoveryEvent() {
        assertThat(permitted(RecoveryEvent.class)).containsExactlyInAnyOrder("RecoveryStarted", "StreamStarted", "BlockScanned",
                "StreamRestored", "ConsumersStarting", "ConsumerRestored", "ConsumerFailed", "StreamFinished", "RecoveryFinished");
    }

    @Test
    void theReportChainsKnowEveryConsumerOutcome() {
        assertThat(permitted(ConsumerOutcome.class)).containsExactlyInAnyOrder("Restored", "Failed");
    }

    @Test
    void theLoggedProblemComparisonKnowsEveryComponentOfAProblem() {
        List<String> names = new ArrayList<>();
        for (RecordComponent c : Problem.class.getRecordComponents()) {
            names.add(c.getName());
        }
        assertThat(names).containsExactly("severity", "file", "offset", "message", "serverAction");
    }
}
