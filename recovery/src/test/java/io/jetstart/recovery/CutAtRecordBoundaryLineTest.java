package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.testing.StoreFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The 2.10.27 small store with MAX1 cut at the start of record 1000 (its {@code index.db} v1 still
 * saying 1000), alone and with LIM1 replaced by the 2.15.1 store's ({@code index.db} v4, so the
 * store's line is 2.15). MAX1's own clue bounds the line at 2.10, and the pipelined start may open it
 * before the store's line is known (named first): whatever it opened it with, it reports what the store's line
 * starts with (2.10: the blocks' 999; 2.15: index.db's 1000), as the sequential start does.
 */
class CutAtRecordBoundaryLineTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "LIM1 from 2.15.1: {0}")
    @ValueSource(booleans = {false, true})
    void bothStartsReportTheLastSequenceOfTheStoresLine(boolean newerStream) throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-small", tmp);
        Path streams = store.resolve("jetstream/$G/streams");
        Path blk = streams.resolve("MAX1/msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        Files.write(blk, Arrays.copyOf(b, Math.toIntExact(StoreFaults.recordStarts(b).get(999))));
        if (newerStream) {
            try (var files = Files.walk(streams.resolve("LIM1"))) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
            Fixtures.copyTree(Fixtures.root().resolve("nats-2.15.1-small/store/jetstream/$G/streams/LIM1"), streams.resolve("LIM1"));
        }
        ServerLine expectedLine = newerStream ? ServerLine.V2_15 : ServerLine.V2_10;
        long expectedLast = newerStream ? 1000 : 999;
        List<RecoveryOptions> starts = List.of(RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL),
                RecoveryOptions.defaults(), RecoveryOptions.defaults().withFirstStreams(Set.of("MAX1")));
        for (RecoveryOptions options : starts) {
            RecoveryReport report = StoreRecovery.recover(store, options);
            assertThat(report.serverLine().line()).as("%s", options).isEqualTo(expectedLine);
            StreamReport max1 = report.streams().stream().filter(s -> s.name().equals("MAX1")).findFirst().orElseThrow();
            assertThat(max1.state().lastSeq()).as("%s", options).isEqualTo(expectedLast);
        }
    }
}
