package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "A sync completed up to seq N" is observable: {@link CommitListener#synced} after every sync that covers the whole stream. */
class SyncPointTest {
    @TempDir
    Path dir;

    @Test
    void aFlushAndTheIntervalSyncReportTheLastSequenceTheyCovered() throws Exception {
        List<CommitListener.SyncPoint> points = new CopyOnWriteArrayList<>();
        CountDownLatch intervalSync = new CountDownLatch(1);
        RuntimeOptions options = RuntimeOptions.defaults().withSync(SyncPolicy.INTERVAL).withSyncInterval(Duration.ofMillis(20));
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            store.addCommitListener(new CommitListener() {
                @Override
                public void batchCommitted(CommittedBatch batch) {
                }

                @Override
                public void synced(SyncPoint point) {
                    points.add(point);
                    if (point.lastSeq() == 5) {
                        intervalSync.countDown();
                    }
                }
            });
            for (int i = 0; i < 3; i++) {
                s.publish("s", bytes("m" + i));
            }
            s.flush();
            // The flush's sync point is told before flush() returns.
            assertThat(points).contains(new CommitListener.SyncPoint("$G", "S", 3));
            s.publish("s", bytes("m3"));
            s.publish("s", bytes("m4"));
            // No flush: the interval sync reaches seq 5 by itself (no time is asserted, only that it comes).
            assertThat(intervalSync.await(60, TimeUnit.SECONDS)).as("an interval sync covering seq 5").isTrue();
        }
        // Sync points only go up, and the last one is the close's.
        List<Long> seqs = points.stream().map(CommitListener.SyncPoint::lastSeq).toList();
        assertThat(seqs).isSorted();
        assertThat(seqs.get(seqs.size() - 1)).isEqualTo(5);
        assertThat(recovered(dir, "S").messages()).isEqualTo(5);
    }

    @Test
    void withSyncAlwaysEveryBatchIsASyncPoint() throws Exception {
        List<Long> seqs = new CopyOnWriteArrayList<>();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            store.addCommitListener(new CommitListener() {
                @Override
                public void batchCommitted(CommittedBatch batch) {
                }

                @Override
                public void synced(SyncPoint point) {
                    seqs.add(point.lastSeq());
                }
            });
            s.publish("s", bytes("1"));
            assertThat(seqs).contains(1L);
            s.publish("s", bytes("2"));
            assertThat(seqs).contains(2L);
        }
    }
}
