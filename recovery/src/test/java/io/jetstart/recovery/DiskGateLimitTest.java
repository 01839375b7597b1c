package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, proof 3: while 1,000 streams recover, the blocking disk operations in flight never
 * exceed the dios setting, counted both by the gate (the report's peak) and by a probe that wraps
 * the gate. Each probed operation is held 200 µs, as on a slow disk, so that operations do overlap;
 * the same probe with a wide gate sees far more at once, which shows it would catch a leak.
 */
class DiskGateLimitTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(1_000, 10, 16).withConsumers(1);
    static final int DIOS = 3;
    static final long HOLD_NANOS = 200_000;

    @TempDir(factory = TestStores.FastTempDir.class)
    static Path store;

    @BeforeAll
    static void generate() throws Exception {
        TestStores.generate(store, SPEC);
    }

    private static RecoveryReport recover(int dios, DiskProbe probe) throws Exception {
        try (StoreRecovery r = new StoreRecovery(store, RecoveryOptions.defaults().withDios(dios), probe)) {
            RecoveryReport report = r.run();
            assertThat(report.streams()).hasSize(SPEC.streams());
            assertThat(report.allRecovered()).as("every stream recovered").isTrue();
            return report;
        }
    }

    @Test
    void atMostDiosDiskOperationsRunAtOnceAndTheLimitIsReached() throws Exception {
        DiskProbe probe = new DiskProbe(HOLD_NANOS);

        RecoveryReport report = recover(DIOS, probe);

        assertThat(report.dios()).isEqualTo(DIOS);
        assertThat(report.peakDiskOps()).as("the gate's own peak").isEqualTo(DIOS);
        assertThat(probe.peak()).as("the probe's peak").isEqualTo(DIOS);
        // Every stream passed the probe: meta.inf, meta.sum, index.db, the last block's tail, the
        // block listing, and its consumer's meta.inf, meta.sum and o.dat.
        assertThat(probe.operations()).as("operations seen by the probe").isGreaterThanOrEqualTo(8L * SPEC.streams());
        assertThat(probe.threads().size()).as("distinct threads doing disk operations").isGreaterThan(SPEC.streams());
    }

    @Test
    void theProbeSeesMoreThanThreeAtOnceWhenTheGateAllowsIt() throws Exception {
        DiskProbe probe = new DiskProbe(HOLD_NANOS);

        RecoveryReport report = recover(64, probe);

        assertThat(probe.peak()).as("the probe's peak with dios 64").isGreaterThan(DIOS);
        assertThat(report.peakDiskOps()).isEqualTo(probe.peak());
    }
}
