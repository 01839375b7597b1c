package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The 2.10.27 s2 store with MANY's 2.blk gone (its {@code index.db} v1 still naming it), alone and
 * with LIM replaced by the 2.15.1 store's ({@code index.db} v4, so the store's line is 2.15). MANY's
 * own clue bounds the line at 2.10, under which the fast path holds (2.10 looks for the write block
 * only), and the pipelined start may open it before the store's line is known (named first):
 * whatever it opened it with, it reports what the store's line starts with (2.10: index.db's 678
 * messages; 2.15: the 645 the blocks hold), as the sequential start does.
 */
class MissingMiddleBlockLineTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "LIM from 2.15.1: {0}")
    @ValueSource(booleans = {false, true})
    void everyStartReportsTheMessagesOfTheStoresLine(boolean newerStream) throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-s2", tmp);
        Path streams = store.resolve("jetstream/$G/streams");
        Files.delete(streams.resolve("MANY/msgs/2.blk"));
        if (newerStream) {
            try (var files = Files.walk(streams.resolve("LIM"))) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
            Fixtures.copyTree(Fixtures.root().resolve("nats-2.15.1-s2/store/jetstream/$G/streams/LIM"), streams.resolve("LIM"));
        }
        ServerLine expectedLine = newerStream ? ServerLine.V2_15 : ServerLine.V2_10;
        long expectedMessages = newerStream ? 645 : 678;
        List<RecoveryOptions> starts = List.of(RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL),
                RecoveryOptions.defaults(), RecoveryOptions.defaults().withFirstStreams(Set.of("MANY")));
        for (RecoveryOptions options : starts) {
            RecoveryReport report = StoreRecovery.recover(store, options);
            assertThat(report.serverLine().line()).as("%s", options).isEqualTo(expectedLine);
            StreamReport many = report.streams().stream().filter(s -> s.name().equals("MANY")).findFirst().orElseThrow();
            assertThat(many.state().messages()).as("%s", options).isEqualTo(expectedMessages);
            assertThat(many.state().lastSeq()).as("%s", options).isEqualTo(1100);
        }
    }
}
