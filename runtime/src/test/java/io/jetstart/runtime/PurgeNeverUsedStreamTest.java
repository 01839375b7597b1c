package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.StreamState;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A purge of the whole stream on a stream that never held a message, as nats-server 2.10.27 and
 * 2.15.1 answer it: first 1, last 0 (their {@code purge} sets first = last + 1), the same after a
 * restart on their {@code index.db}, and first 0 again when they rebuild without it (no record
 * remembers it). A purge with keep, up to sequence 1 or by subject leaves first 0. RuntimeModelIT
 * draws it against 2.15.1 and starts both servers on the files.
 */
class PurgeNeverUsedStreamTest {
    @TempDir
    Path dir;

    private Path msgs() {
        return dir.resolve("jetstream").resolve("$G").resolve("streams").resolve("N").resolve("msgs");
    }

    private void purgeAllOfANeverUsedStream(PurgeRequest purge) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"N\",\"subjects\":[\"n.>\"]}"));
            assertThat(s.purge(purge)).isZero();
            assertThat(s.info().firstSeq()).isEqualTo(1);
            assertThat(s.info().lastSeq()).isZero();
            assertThat(s.info().messages()).isZero();
        }
    }

    @Test
    void aPurgeOfAllReportsFirstOneLastZero() throws Exception {
        purgeAllOfANeverUsedStream(new PurgeRequest(null, 0, 0));
    }

    @Test
    void aPurgeOnTheFullWildcardIsAPurgeOfAll() throws Exception {
        purgeAllOfANeverUsedStream(new PurgeRequest(">", 0, 0));
    }

    @Test
    void theFirstMessageAfterItIsOne() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"N\",\"subjects\":[\"n.>\"]}"));
            s.purge(new PurgeRequest(null, 0, 0));
            assertThat(s.publish("n.1", Headers.of(Headers.EXPECTED_LAST_SEQ, "0"), bytes("a")).seq()).isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(1);
            assertThat(s.info().lastSeq()).isEqualTo(1);
        }
    }

    @Test
    void aReopenWithIndexDbKeepsFirstOne() throws Exception {
        purgeAllOfANeverUsedStream(new PurgeRequest(null, 0, 0));
        assertThat(msgs().resolve("index.db")).exists();
        StreamState st = recovered(dir, "N");
        assertThat(st.firstSeq()).isEqualTo(1);
        assertThat(st.lastSeq()).isZero();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = open(store, "N");
            assertThat(s.info().firstSeq()).isEqualTo(1);
            assertThat(s.info().lastSeq()).isZero();
            assertThat(s.publish("n.1", bytes("a")).seq()).isEqualTo(1);
        }
    }

    @Test
    void aReopenWithoutIndexDbReportsFirstZeroAsTheServersDo() throws Exception {
        purgeAllOfANeverUsedStream(new PurgeRequest(null, 0, 0));
        Files.delete(msgs().resolve("index.db"));
        StreamState st = recovered(dir, "N");
        assertThat(st.firstSeq()).isZero();
        assertThat(st.lastSeq()).isZero();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(open(store, "N").publish("n.1", bytes("a")).seq()).isEqualTo(1);
        }
    }

    @Test
    void aPurgeWithKeepUpToOneOrBySubjectLeavesFirstZero() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"N\",\"subjects\":[\"n.>\"]}"));
            for (PurgeRequest p : new PurgeRequest[] {new PurgeRequest(null, 1, 0), new PurgeRequest(null, 0, 1),
                    new PurgeRequest("n.1", 0, 0), new PurgeRequest(">", 2, 0)}) {
                assertThat(s.purge(p)).isZero();
                assertThat(s.info().firstSeq()).as(p.toString()).isZero();
            }
        }
    }
}
