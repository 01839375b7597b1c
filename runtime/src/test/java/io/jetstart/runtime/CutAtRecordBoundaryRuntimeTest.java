package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.testing.StoreFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MAX1 (records 1..1000 in one block) cut before record 1000, at its start or 10 bytes into it, its
 * {@code index.db} still saying 1000: the runtime goes on where the store's own server line does
 * (CutAtRecordBoundaryOnServerIT measures the servers). A 2.10 store cut at the record boundary lost
 * no data as 2.10.27 counts it, which starts with the blocks' 999 and publishes 1000 again; cut inside
 * the record, or a 2.15 store either way, 1000 stands and the next publish is 1001. A second open
 * goes on from the first's last.
 */
class CutAtRecordBoundaryRuntimeTest {
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} cut {1} bytes into record 1000: last {2}")
    @CsvSource({"nats-2.10.27-small, 0, 999", "nats-2.10.27-small, 10, 1000", "nats-2.15.1-small, 0, 1000",
            "nats-2.15.1-small, 10, 1000"})
    void theRuntimeGoesOnFromTheLastSequenceTheStoresLineStartsWith(String fixture, int into, long last) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        Path blk = store.resolve("jetstream/$G/streams/MAX1/msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        long at = StoreFaults.recordStarts(b).get(999);
        Files.write(blk, Arrays.copyOf(b, Math.toIntExact(at) + into));
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("MAX1").await(AWAIT);
            assertThat(s.info().lastSeq()).isEqualTo(last);
            assertThat(s.publish("max1.x", new byte[] {1}).seq()).isEqualTo(last + 1);
        }
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("MAX1").await(AWAIT);
            assertThat(s.info().lastSeq()).isEqualTo(last + 1);
            assertThat(s.publish("max1.x", new byte[] {2}).seq()).isEqualTo(last + 2);
        }
    }
}
