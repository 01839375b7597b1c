package io.jetstart.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.recovery.StreamReport;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recovery meters after recovering real stores: fast path, rebuilt, damaged. */
class JetStartRecoveryMetricsTest {
    static final String FIXTURE = "nats-2.10.27-small";

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final JetStartRecoveryMetrics metrics = new JetStartRecoveryMetrics(Tags.of("store", "test"));

    @TempDir
    Path tmp;

    RecoveryReport recover(Path store, RecoveryListener after) throws Exception {
        metrics.bindTo(registry);
        return StoreRecovery.recover(store, RecoveryOptions.defaults().withListener(metrics.andThen(after)));
    }

    RecoveryReport recover(Path store) throws Exception {
        return recover(store, RecoveryListener.NONE);
    }

    double counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    static JsonNode oracle(String file) throws IOException {
        return new ObjectMapper().readTree(Fixtures.root().resolve(FIXTURE).resolve(file).toFile());
    }

    static long oracleSum(JsonNode oracle, String field) {
        long sum = 0;
        for (JsonNode s : oracle.get("streams")) {
            sum += s.get("state").get(field).asLong();
        }
        return sum;
    }

    static long oracleConsumers(JsonNode oracle) {
        long n = 0;
        for (JsonNode s : oracle.get("streams")) {
            n += s.get("consumers").size();
        }
        return n;
    }

    static long blockBytesOnDisk(Path store) throws IOException {
        try (Stream<Path> files = Files.walk(store)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".blk")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    @Test
    void aStoreWithValidIndexesCountsEveryStreamAsRecoveredAndEveryConsumerAsRestored() throws Exception {
        JsonNode oracle = oracle("oracle.json");
        int streams = oracle.get("streams").size();
        recover(Fixtures.copyStore(FIXTURE, tmp));

        assertThat(counter(RecoveryMeterNames.STREAMS, "outcome", "recovered")).isEqualTo(streams);
        assertThat(counter(RecoveryMeterNames.STREAMS, "outcome", "rebuilt")).isZero();
        assertThat(counter(RecoveryMeterNames.STREAMS, "outcome", "failed")).isZero();
        assertThat(counter(RecoveryMeterNames.CONSUMERS, "outcome", "restored")).isEqualTo(oracleConsumers(oracle));
        assertThat(registry.get(RecoveryMeterNames.STREAM_DURATION).tags("outcome", "recovered").timer().count()).isEqualTo(streams);
        assertThat(counter(RecoveryMeterNames.RECORDS_VERIFIED)).as("the fast path verifies no record").isZero();
        assertThat(counter(RecoveryMeterNames.READ)).as("index.db files are read").isPositive();
    }

    @Test
    void streamSizesAreRecordedAsDistributionSummariesOfTheServersFigures() throws Exception {
        JsonNode oracle = oracle("oracle.json");
        recover(Fixtures.copyStore(FIXTURE, tmp));

        var size = registry.get(RecoveryMeterNames.STREAM_SIZE).summary();
        var messages = registry.get(RecoveryMeterNames.STREAM_MESSAGES).summary();
        assertThat(size.count()).isEqualTo(oracle.get("streams").size());
        assertThat(size.totalAmount()).isEqualTo(oracleSum(oracle, "bytes"));
        assertThat(messages.totalAmount()).isEqualTo(oracleSum(oracle, "messages"));
        assertThat(size.getId().getBaseUnit()).isEqualTo("bytes");
    }

    @Test
    void afterRecoveryTheStoreGaugesShowWhatTheServerReported() throws Exception {
        JsonNode oracle = oracle("oracle.json");
        recover(Fixtures.copyStore(FIXTURE, tmp));

        assertThat(registry.get(RecoveryMeterNames.STORE_STREAMS).gauge().value()).isEqualTo(oracle.get("streams").size());
        assertThat(registry.get(RecoveryMeterNames.STORE_CONSUMERS).gauge().value()).isEqualTo(oracleConsumers(oracle));
        assertThat(registry.get(RecoveryMeterNames.STORE_MESSAGES).gauge().value()).isEqualTo(oracleSum(oracle, "messages"));
        assertThat(registry.get(RecoveryMeterNames.STORE_SIZE).gauge().value()).isEqualTo(oracleSum(oracle, "bytes"));
    }

    @Test
    void theStoreGaugesFollowTheRuntimesLiveTotalsOnceTracked() throws Exception {
        recover(Fixtures.copyStore(FIXTURE, tmp));
        metrics.trackStore(new StoreTotals.Snapshot(7, 11, 13, 17));

        assertThat(registry.get(RecoveryMeterNames.STORE_STREAMS).gauge().value()).isEqualTo(7);
        assertThat(registry.get(RecoveryMeterNames.STORE_CONSUMERS).gauge().value()).isEqualTo(11);
        assertThat(registry.get(RecoveryMeterNames.STORE_MESSAGES).gauge().value()).isEqualTo(13);
        assertThat(registry.get(RecoveryMeterNames.STORE_SIZE).gauge().value()).isEqualTo(17);
    }

    @Test
    void aRebuildVerifiesEveryRecordAndReadsEveryBlockByte() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp);
        for (String s : List.of("INT1", "LIM1", "MAX1")) {
            Fixtures.truncateIndex(Fixtures.stream(store, s));
        }
        RecoveryReport report = recover(store);

        assertThat(counter(RecoveryMeterNames.STREAMS, "outcome", "rebuilt")).isEqualTo(3);
        assertThat(counter(RecoveryMeterNames.READ)).isGreaterThanOrEqualTo(blockBytesOnDisk(store))
                .isEqualTo(report.streams().stream().mapToLong(StreamReport::bytesRead).sum());
        assertThat(counter(RecoveryMeterNames.RECORDS_VERIFIED))
                .as("at least every message the server reported after its own rebuild")
                .isGreaterThanOrEqualTo(oracleSum(oracle("oracle.rebuilt.json"), "messages"))
                .isEqualTo(report.streams().stream().mapToLong(StreamReport::recordsVerified).sum());
        assertThat(counter(RecoveryMeterNames.PROBLEMS, "severity", "warning")).as("one stale index.db per stream").isEqualTo(3);
        assertThat(counter(RecoveryMeterNames.CHECKSUM_FAILURES)).isZero();
        assertThat(counter(RecoveryMeterNames.LOST)).isZero();
    }

    @Test
    void aCorruptRecordCountsOneChecksumFailureAndItsBytesAsLost() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp);
        Path lim1 = Fixtures.stream(store, "LIM1");
        Fixtures.truncateIndex(lim1);
        long recordLength = Fixtures.corruptLastRecord(lim1.resolve("msgs").resolve("1.blk"));
        recover(store);

        assertThat(counter(RecoveryMeterNames.CHECKSUM_FAILURES)).isEqualTo(1);
        assertThat(counter(RecoveryMeterNames.LOST)).isEqualTo(recordLength);
        assertThat(counter(RecoveryMeterNames.PROBLEMS, "severity", "damage")).isEqualTo(1);
        assertThat(counter(RecoveryMeterNames.STREAMS, "outcome", "rebuilt")).as("a damaged stream still comes back").isEqualTo(1);
    }

    @Test
    void aStreamWhoseConfigIsUnreadableCountsAsFailedAndItsSiblingsStillRecover() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp);
        Files.writeString(Fixtures.stream(store, "MAX1").resolve("meta.inf"), "{not json");
        recover(store);

        assertThat(counter(RecoveryMeterNames.STREAMS, "outcome", "failed")).isEqualTo(1);
        assertThat(counter(RecoveryMeterNames.STREAMS, "outcome", "recovered")).isEqualTo(2);
        assertThat(registry.get(RecoveryMeterNames.STREAM_DURATION).tags("outcome", "failed").timer().count()).isEqualTo(1);
        assertThat(counter(RecoveryMeterNames.PROBLEMS, "severity", "fatal")).isEqualTo(1);
        assertThat(registry.get(RecoveryMeterNames.STORE_STREAMS).gauge().value()).as("serving").isEqualTo(2);
    }

    @Test
    void aConsumerWhoseStateIsUnreadableCountsAsFailed() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp);
        Files.write(Fixtures.stream(store, "INT1").resolve("obs").resolve("C1").resolve("o.dat"), new byte[] {1, 2, 3});
        JsonNode oracle = oracle("oracle.json");
        recover(store);

        assertThat(counter(RecoveryMeterNames.CONSUMERS, "outcome", "failed")).isEqualTo(1);
        assertThat(counter(RecoveryMeterNames.CONSUMERS, "outcome", "restored")).isEqualTo(oracleConsumers(oracle) - 1);
    }

    @Test
    void progressAndGateGaugesExistWhileRecoveringAndAreGoneAfter() throws Exception {
        List<Double> remaining = new ArrayList<>();
        double[] atStart = new double[4];
        RecoveryListener probe = e -> {
            if (e instanceof RecoveryEvent.RecoveryStarted s) {
                atStart[0] = registry.get(RecoveryMeterNames.STREAMS_REMAINING).gauge().value();
                atStart[1] = registry.get(RecoveryMeterNames.REMAINING).gauge().value();
                atStart[2] = registry.get(RecoveryMeterNames.GATE_PERMITS).gauge().value();
                atStart[3] = registry.get(RecoveryMeterNames.RECOVERY).longTaskTimer().activeTasks();
                assertThat(s.blockBytes()).isPositive();
            } else if (e instanceof RecoveryEvent.StreamFinished) {
                remaining.add(registry.get(RecoveryMeterNames.STREAMS_REMAINING).gauge().value());
            }
        };
        Path store = Fixtures.copyStore(FIXTURE, tmp);
        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withDios(3)
                .withListener(bound().andThen(probe)));

        assertThat(atStart).containsExactly(3, blockBytesOnDisk(store), 3, 1);
        assertThat(remaining).containsExactly(2.0, 1.0, 0.0);
        for (String gone : List.of(RecoveryMeterNames.STREAMS_REMAINING, RecoveryMeterNames.REMAINING,
                RecoveryMeterNames.STREAMS_ACTIVE, RecoveryMeterNames.GATE_PERMITS, RecoveryMeterNames.GATE_IN_USE,
                RecoveryMeterNames.GATE_WAITERS)) {
            assertThat(registry.find(gone).meters()).as(gone).isEmpty();
        }
        assertThat(registry.get(RecoveryMeterNames.RECOVERY).longTaskTimer().activeTasks()).isZero();
        assertThat(registry.get(RecoveryMeterNames.RECOVERY_DURATION).timer().totalTime(TimeUnit.NANOSECONDS))
                .isCloseTo(report.wallNanos(), within(1.0));
    }

    JetStartRecoveryMetrics bound() {
        metrics.bindTo(registry);
        return metrics;
    }

    @Test
    void theGateWaitTimerTotalsWhatTheGateMeasuredAndSurvivesTheRecovery() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp);
        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withDios(1).withListener(bound()));

        var wait = registry.get(RecoveryMeterNames.GATE_WAIT).functionTimer();
        // totalTime goes nanoseconds -> the registry's base unit (seconds, a double) -> nanoseconds:
        // exact equality fails for some values by a rounding error far below a nanosecond.
        assertThat(wait.totalTime(TimeUnit.NANOSECONDS)).isCloseTo(report.gateWaitNanos(), within(1.0));
        assertThat(wait.count()).as("one permit per disk operation: at least a meta file and index.db per stream").isGreaterThan(6);
    }

    @Test
    void countersAccumulateOverSuccessiveRecoveries() throws Exception {
        Path store = Fixtures.copyStore(FIXTURE, tmp);
        recover(store);
        double waits = registry.get(RecoveryMeterNames.GATE_WAIT).functionTimer().count();
        recover(store);

        assertThat(counter(RecoveryMeterNames.STREAMS, "outcome", "recovered")).isEqualTo(6);
        assertThat(registry.get(RecoveryMeterNames.RECOVERY_DURATION).timer().count()).isEqualTo(2);
        assertThat(registry.get(RecoveryMeterNames.GATE_WAIT).functionTimer().count()).isEqualTo(2 * waits);
    }

    @Test
    void everyMeterHasADescriptionTheCallersTagsAndOnlyBoundedTags() throws Exception {
        List<Meter> seen = new ArrayList<>();
        RecoveryListener probe = e -> {
            if (e instanceof RecoveryEvent.RecoveryStarted) {
                seen.addAll(registry.getMeters());
            }
        };
        recover(Fixtures.copyStore(FIXTURE, tmp), probe);
        seen.addAll(registry.getMeters());

        assertThat(seen).hasSizeGreaterThan(20);
        for (Meter m : seen) {
            var id = m.getId();
            assertThat(id.getName()).as("dot-separated lower-case noun").matches("jetstart(\\.[a-z]+)+");
            assertThat(id.getDescription()).as("%s description", id.getName()).isNotBlank();
            assertThat(id.getTags()).as(id.getName()).contains(Tag.of("store", "test"));
            assertThat(id.getTags()).extracting(Tag::getKey).as(id.getName())
                    .isSubsetOf(Set.of("store", "outcome", "phase", "severity"));
        }
    }

    @Test
    void nothingIsRegisteredOnTheGlobalRegistry() throws Exception {
        recover(Fixtures.copyStore(FIXTURE, tmp));

        assertThat(Metrics.globalRegistry.getMeters()).noneMatch(m -> m.getId().getName().startsWith("jetstart"));
    }

    @Test
    void bindingToASecondRegistryIsRefused() {
        metrics.bindTo(registry);

        assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry())).isInstanceOf(IllegalStateException.class);
    }
}
