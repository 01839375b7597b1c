package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.recovery.repair.RepairPlan;
import io.jetstart.recovery.repair.RepairPlanner;
import io.jetstart.recovery.repair.RepairStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StoreRecovery} on the encrypted 2.9.10 store ({@code nats-2.9.10-chacha}) with its key, as
 * 2.9: every stream is what 2.9.10 reported, its {@code .idx}-only deletes applied from the sealed
 * {@code .idx} files, and no byte changes. Two fields are 2.9.10's own and differ by design (see
 * testdata/README.md): {@code DEL}'s {@code num_deleted}/{@code deleted}, where 2.9.10 leaves out the
 * range of its emptied last block, and the ack floors the running server did not persist.
 */
class SealedLegacyIndexRecoveryTest {
    private static final String FIXTURE = "nats-2.9.10-chacha";

    @TempDir
    Path tmp;

    @Test
    void recoversEveryStreamAs2910ReportedItWithItsSealedIdxDeletes() throws Exception {
        Path store = TestStores.copyFixtureStore(FIXTURE, tmp);
        Map<String, String> before = TestStores.digests(store);
        StoreKey key = StoreKey.ofText(Fixtures.key(FIXTURE).orElseThrow());

        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withKey(key)
                .withServerLine(ServerLine.parse("2.9")));

        JsonNode oracle = new ObjectMapper().readTree(TestStores.fixtures().resolve(FIXTURE).resolve("oracle.json").toFile());
        JsonNode restarted = new ObjectMapper().readTree(TestStores.fixtures().resolve(FIXTURE).resolve("oracle.rebuilt.json").toFile());
        assertThat(report.streams()).hasSize(2);
        for (JsonNode os : oracle.get("streams")) {
            String name = os.get("name").asText();
            StreamReport s = report.streams().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
            assertThat(s.outcome()).as(name).isEqualTo(Outcome.REBUILT);
            assertThat(s.problems()).as("%s: every sealed .idx opened and used", name).isEmpty();
            Map<String, Object> ours = new java.util.LinkedHashMap<>(FixtureOracleTest.stateFields(s.state()));
            Map<String, Object> theirs = new java.util.LinkedHashMap<>(FixtureOracleTest.oracleStateFields(os.get("state")));
            if (name.equals("DEL")) {
                assertThat((long) ours.remove("num_deleted")).isEqualTo((long) theirs.remove("num_deleted") + (1000 - 643 + 1));
                @SuppressWarnings("unchecked")
                List<Object> theirDeleted = (List<Object>) theirs.remove("deleted");
                assertThat(ours.remove("deleted")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).containsAll(theirDeleted);
            }
            assertThat(ours).as("%s state", name).isEqualTo(theirs);
            for (JsonNode oc : os.get("consumers")) {
                String cname = oc.get("name").asText();
                ConsumerInfo c = s.consumers().stream().filter(x -> x.name().equals(cname)).findFirst()
                        .map(x -> ((ConsumerOutcome.Restored) x).info()).orElseThrow();
                Map<String, Object> ourConsumer = new java.util.LinkedHashMap<>(FixtureOracleTest.consumerFields(c));
                Map<String, Object> theirConsumer = new java.util.LinkedHashMap<>(FixtureOracleTest.oracleConsumerFields(oc));
                // The floor 2.9.10 persisted: what it reports restarted on these files (1/1, not the running 60/60).
                assertThat(ourConsumer.remove("ack_floor")).as("%s > %s stored ack floor", name, cname)
                        .isEqualTo(FixtureOracleTest.oracleConsumerFields(consumer(restarted, name, cname)).get("ack_floor"));
                theirConsumer.remove("ack_floor");
                assertThat(ourConsumer).as("%s > %s", name, cname).isEqualTo(theirConsumer);
            }
        }
        assertThat(TestStores.digests(store)).as("no byte of the store changed").isEqualTo(before);
    }

    private static JsonNode consumer(JsonNode oracle, String stream, String consumer) {
        for (JsonNode s : oracle.get("streams")) {
            for (JsonNode c : s.get("consumers")) {
                if (s.get("name").asText().equals(stream) && c.get("name").asText().equals(consumer)) {
                    return c;
                }
            }
        }
        throw new AssertionError("no " + stream + " > " + consumer);
    }

    /**
     * Repair plans nothing on the intact store: each sealed {@code .idx} is used, so none goes to the
     * quarantine (taken for an undecodable one, the plan moved them all away, and 2.9.10 then brought
     * their deletes back). A sealed {@code .idx} that no longer opens goes, alone, as one that does
     * not match its block does: 2.9.10 rebuilds that block and writes its {@code .idx} again.
     */
    @Test
    void repairLeavesEverySealedIdxAndTakesOnlyOneThatDoesNotOpen() throws Exception {
        Path store = TestStores.copyFixtureStore(FIXTURE, tmp);
        StoreKey key = StoreKey.ofText(Fixtures.key(FIXTURE).orElseThrow());
        RecoveryOptions options = RecoveryOptions.defaults().withKey(key).withServerLine(ServerLine.parse("2.9"));

        RepairPlan intact = RepairPlanner.plan(StoreRecovery.recover(store, options), Set.of());
        assertThat(intact.steps()).as("%s", intact).isEmpty();
        assertThat(intact.refused()).isEmpty();

        Path idx = TestStores.streamDir(store, "DEL").resolve("msgs/1.idx");
        byte[] b = Files.readAllBytes(idx);
        b[b.length - 1] ^= 0x01; // in the tag
        Files.write(idx, b);
        RepairPlan damaged = RepairPlanner.plan(StoreRecovery.recover(store, options), Set.of());
        assertThat(damaged.steps()).as("%s", damaged).singleElement().satisfies(step -> {
            assertThat(step).isInstanceOf(RepairStep.RemoveFile.class);
            assertThat(step.target()).isEqualTo(idx);
        });
    }
}
