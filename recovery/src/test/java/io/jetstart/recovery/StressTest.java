package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, proof 5: 2,000 tiny streams recovered 20 times in a row, without an exception and with
 * every stream's state and consumers identical each time (and right the first time).
 */
class StressTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(2_000, 5, 8).withSubjects(2).withConsumers(1);
    static final int RUNS = 20;

    @Test
    void twoThousandTinyStreamsRecoverIdenticallyTwentyTimes(@TempDir(factory = TestStores.FastTempDir.class) Path store)
            throws Exception {
        TestStores.generate(store, SPEC);

        Map<String, Object> first = null;
        for (int run = 1; run <= RUNS; run++) {
            RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults());
            assertThat(report.streams()).as("run %d", run).hasSize(SPEC.streams());
            assertThat(report.counts().get(Outcome.RECOVERED)).as("run %d", run).isEqualTo(SPEC.streams());
            Map<String, Object> snapshot = snapshot(report);
            if (first == null) {
                first = snapshot;
                for (StreamReport s : report.streams()) {
                    int i = Integer.parseInt(s.name().substring(1));
                    assertThat(TestStores.Expected.of(s)).as(s.name()).isEqualTo(TestStores.Expected.of(SPEC, i));
                }
            } else {
                assertThat(snapshot).as("run %d against run 1", run).isEqualTo(first);
            }
        }
    }

    /** Everything a run reports per stream that must not vary: outcome, state, consumers, problems. */
    private static Map<String, Object> snapshot(RecoveryReport report) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (StreamReport s : report.streams()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("outcome", s.outcome());
            m.put("state", FixtureOracleTest.stateFields(s.state()));
            for (ConsumerOutcome c : s.consumers()) {
                m.put("consumer " + c.name(), c instanceof ConsumerOutcome.Restored r
                        ? FixtureOracleTest.consumerFields(r.info()) : c);
            }
            m.put("problems", s.problems());
            out.put(s.account() + " > " + s.name(), m);
        }
        return out;
    }
}
