package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTableTest {

    @Test
    void theSameProblemInSeveralStreamsIsPrintedOnceWithTheStreamsItConcerns(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        assertThat(TestStores.cli("generate", store.toString(), "--streams", "3", "--messages", "100", "--payload", "8").exit()).isZero();
        TestStores.dropIndexes(store);

        TestStores.Run run = TestStores.cli("inspect", store.toString());

        List<String> problemLines = Arrays.stream(run.out().split("\n")).filter(l -> l.startsWith("  WARNING")).toList();
        assertThat(problemLines).as(run.out()).singleElement().satisfies(l -> assertThat(l)
                .contains("3 streams ($G > S1, $G > S2, $G > S3)")
                .contains(": msgs/index.db: Recovering stream state from index errored: Stream state too short (0 bytes)")
                .doesNotContain(tmp.toString()));
    }

    @Test
    void anEntryDiscoveryPassedOverIsListedUnderTheTableWithItsReason(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        // nats-server removes a '.'-prefixed stream folder (a delete in progress) at start-up.
        Files.createDirectories(store.resolve("jetstream/$G/streams/.OLD/msgs"));

        for (String command : List.of("inspect", "recover", "verify")) {
            TestStores.Run run = TestStores.cli(command, store.toString());

            assertThat(run.out()).as("%s:%n%s", command, run.out())
                    .contains("Skipped (not read; paths relative to the jetstream folder):\n  $G/streams/.OLD: stream being deleted");
        }
    }
}
