package io.jetstart.core.lines;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerLineDetectorTest {
    @TempDir
    Path tmp;

    private LineChoice detect(Path store) throws Exception {
        return ServerLineDetector.detect(StoreLayout.discover(store, DiskGate.unbounded()).streams(), DiskGate.unbounded());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "nats-2.9.10-small, 2.9, meta.inf without compression and consumer_limits (2.9) (3 streams)",
            "nats-2.10.27-small, 2.10, index.db v1 (3 streams)",
            "nats-2.15.1-small, 2.15, index.db v4 (2.14 or newer) (3 streams)",
            "nats-2.10.27-lines, 2.10, index.db v1 (4 streams)",
            "nats-2.15.1-lines, 2.15, index.db v4 (2.14 or newer) (4 streams)"})
    void eachRealStoreIsSeenAsTheLineThatWroteIt(String fixture, String line, String evidence) throws Exception {
        LineChoice c = detect(Fixtures.copyStore(fixture, tmp));

        assertThat(c.line()).isEqualTo(ServerLine.parse(line));
        assertThat(c.asked()).isFalse();
        assertThat(c.evidence()).containsExactly(evidence);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "nats-2.10.27-small, 2.10, meta.inf with compression and consumer_limits only (2.10) (3 streams)",
            "nats-2.15.1-small, 2.15, meta.inf with allow_msg_ttl or _nats.req.level (2.11 or newer) (3 streams)"})
    void withoutIndexDbTheMetaKeySetDecides(String fixture, String line, String evidence) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        Fixtures.dropIndexes(store);

        LineChoice c = detect(store);

        assertThat(c.line()).isEqualTo(ServerLine.parse(line));
        assertThat(c.evidence()).containsExactly(evidence);
    }

    @Test
    void aStoreWithNoStreamIsTakenAsTheNewestLineAndSaysSo() throws Exception {
        LineChoice c = ServerLineDetector.detect(List.of(), DiskGate.unbounded());

        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).containsExactly("no readable index.db or meta.inf; the newest line assumed");
    }

    @Test
    void askingForALineKeepsWhatTheFilesSaid() throws Exception {
        LineChoice c = detect(Fixtures.copyStore("nats-2.10.27-small", tmp)).askedFor(ServerLine.V2_15);

        assertThat(c.line()).isEqualTo(ServerLine.V2_15);
        assertThat(c.asked()).isTrue();
        assertThat(c.evidence()).containsExactly("index.db v1 (3 streams)");
    }

    @Test
    void aStreamSurelyInTheSampleBoundsTheStoresLineFromBelowByItsOwnClue() throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-small", tmp);
        var lim1 = StoreLayout.discover(store, DiskGate.unbounded()).streams().get(1);

        assertThat(ServerLineDetector.lowestFor(lim1, 1, DiskGate.unbounded())).isEqualTo(ServerLine.V2_10);
        assertThat(ServerLineDetector.lowestFor(lim1, ServerLineDetector.MAX_STREAMS - 1, DiskGate.unbounded()))
                .isEqualTo(ServerLine.V2_10);
        // Maybe outside the detector's sample: its clue need not count.
        assertThat(ServerLineDetector.lowestFor(lim1, ServerLineDetector.MAX_STREAMS, DiskGate.unbounded())).isNull();
    }
}
