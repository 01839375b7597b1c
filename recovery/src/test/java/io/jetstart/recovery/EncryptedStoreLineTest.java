package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every start of a recovery detects an encrypted store's line with the run's key: the plain and
 * pipelined starts, a stream named first (discovery is then a task of its own) and small-first all hand it
 * to the detector, which opens a sealed index.db for its version.
 */
class EncryptedStoreLineTest {
    static Stream<Arguments> starts() {
        RecoveryOptions parallel = RecoveryOptions.defaults();
        List<Arguments> out = new java.util.ArrayList<>();
        for (String fixture : List.of("nats-2.10.27-chacha", "nats-2.15.1-aes")) {
            out.add(Arguments.of(fixture, "sequential", parallel.withMode(RecoveryOptions.Mode.SEQUENTIAL)));
            out.add(Arguments.of(fixture, "parallel", parallel));
            out.add(Arguments.of(fixture, "named first", parallel.withFirstStreams(Set.of("LIM1"))));
            out.add(Arguments.of(fixture, "small first", parallel.withSmallFirst(true)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("starts")
    void withTheKeyTheStoreIsItsWritersLine(String fixture, String start, RecoveryOptions options, @TempDir Path tmp)
            throws Exception {
        Path store = TestStores.copyFixtureStore(fixture, tmp);
        StoreKey key = StoreKey.ofText(Fixtures.key(fixture).orElseThrow());

        RecoveryReport report = StoreRecovery.recover(store, options.withKey(key));

        ServerLine writer = ServerLine.parse(fixture.split("-")[1]);
        assertThat(report.serverLine().line()).as("evidence %s", report.serverLine().evidence()).isEqualTo(writer);
        assertThat(report.serverLine().asked()).isFalse();
        assertThat(report.serverLine().evidence()).anyMatch(e -> e.startsWith("encrypted index.db v")
                && e.endsWith(", opened with the key (1 stream)"));
        assertThat(report.streams()).extracting(StreamReport::outcome).containsOnly(Outcome.RECOVERED);
    }
}
