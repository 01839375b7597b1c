package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --stream} of inspect, dump and recover: an unknown name is an error, a known one selects what is read. */
class StreamSelectionTest {

    @Test
    void aStreamOptionThatSplitsIntoNoNameIsAUsageErrorNotEveryStream(@TempDir Path tmp) {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);

        for (String command : List.of("inspect", "recover", "verify", "dump", "repair")) {
            TestStores.Run run = TestStores.cli(command, store.toString(), "--stream", ",");

            assertThat(run.exit()).as("%s: %s", command, run.err()).isEqualTo(Main.USAGE);
            assertThat(run.err()).as(command).isEqualTo("jetstart: --stream names no stream; give NAME or NAME,NAME, "
                    + "or leave --stream out for every stream\n");
            assertThat(run.out()).as(command).isEmpty();
        }
    }

    @Test
    void inspectWithAnUnknownStreamNamesTheStoresStreamsAndExits64(@TempDir Path tmp) {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);

        TestStores.Run table = TestStores.cli("inspect", store.toString(), "--stream", "NOPE");
        TestStores.Run json = TestStores.cli("inspect", store.toString(), "--stream", "NOPE", "--json");

        for (TestStores.Run run : List.of(table, json)) {
            assertThat(run.exit()).isEqualTo(Main.USAGE);
            assertThat(run.err()).contains("no stream named 'NOPE'").contains("INT1, LIM1, MAX1");
            assertThat(run.out()).as("no empty table, no empty JSON").isEmpty();
        }
    }

    @Test
    void dumpWithAnUnknownStreamAmongKnownOnesSuggestsTheClosestAndPrintsNothing(@TempDir Path tmp) {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);

        TestStores.Run run = TestStores.cli("dump", store.toString(), "--stream", "INT1,lim1");

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("no stream named 'lim1'").contains("did you mean 'LIM1'?");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void recoverWithAnUnknownStreamExits64BeforeRecoveringAnything(@TempDir Path tmp) {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        Path metrics = tmp.resolve("m.prom");

        TestStores.Run run = TestStores.cli("recover", store.toString(), "--stream", "MAX", "--metrics-out", metrics.toString());

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("no stream named 'MAX'").contains("did you mean 'MAX1'?");
        assertThat(run.out()).isEmpty();
        assertThat(metrics).doesNotExist();
    }

    @Test
    void recoverWithStreamsRecoversOnlyThoseStreams(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        Path metrics = tmp.resolve("m.prom");

        TestStores.Run run = TestStores.cli("recover", store.toString(), "--json", "--quiet", "--stream", "LIM1,MAX1",
                "--metrics-out", metrics.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        List<String> names = new ArrayList<>();
        for (JsonNode s : run.json().get("streams")) {
            names.add(s.get("name").asText());
        }
        assertThat(names).containsExactly("LIM1", "MAX1");
        // Not only the output: the recovery itself never opened INT1 (its meters count two streams).
        assertThat(MetricsOptionsTest.sample(Files.readString(metrics), "jetstart_recovery_streams_total{outcome=\"recovered\"}"))
                .isEqualTo(2);
        assertThat(run.json().get("summary").get("messages").asLong()).isEqualTo(990 + 800);
    }

    @Test
    void aStoreWithManyStreamsIsNotListedInFullButByItsClosestNames() {
        Set<String> known = new TreeSet<>();
        IntStream.rangeClosed(1, 40).forEach(i -> known.add("ORDERS_" + i));

        String message = StreamSelection.unknown(Set.of("ORDERS_400"), known, Path.of("/data/nats"));

        assertThat(message).startsWith("no stream named 'ORDERS_400' in /data/nats").contains("did you mean 'ORDERS_40'?")
                .contains("40 streams; closest: ").doesNotContain("ORDERS_17");
    }

    @Test
    void aNameFarFromEveryStreamGetsNoSuggestion() {
        assertThat(StreamSelection.closest("NOPE", Set.of("INT1", "LIM1", "MAX1"))).isNull();
        assertThat(StreamSelection.closest("orders", Set.of("ORDERS", "EVENTS"))).isEqualTo("ORDERS");
    }
}
