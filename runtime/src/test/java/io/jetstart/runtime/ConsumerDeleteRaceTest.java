package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.StreamConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer's delete and the housekeeper's {@code o.dat} write of the same consumer, overlapped
 * with two seams (no timing): the write computed its state before the delete, and reaches the
 * directory after the delete listed the files. (Seen in ConsumeBenchTest as a
 * {@code DirectoryNotEmptyException} from {@code deleteConsumer}: the write's temp file.)
 */
class ConsumerDeleteRaceTest {
    @TempDir
    Path dir;

    @Test
    void aDeleteOverlappingAnOdatWriteRemovesTheConsumerAndEveryFile() throws Exception {
        CountDownLatch inWrite = new CountDownLatch(1);
        CountDownLatch listed = new CountDownLatch(1);
        CountDownLatch written = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean(true);
        Throwable failed;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", StreamConfig.builder("S").subjects("s.*").build());
            s.publish("s.x", bytes("m"));
            PullConsumer c = s.createConsumer(ConsumerConfig.builder().durableName("C").build());
            StreamConsumers consumers = s.consumers();
            consumers.odatWriter((name, file, data) -> {
                if (name.equals("C") && armed.compareAndSet(true, false)) {
                    inWrite.countDown();
                    // Until the delete has listed the files, or waits for this write to end.
                    while (listed.getCount() > 0 && !consumers.deleteWaitsForAWrite()) {
                        Thread.onSpinWait();
                    }
                    // A file of this write that the listing may not hold (AtomicFiles' temp file, mid-write).
                    Files.write(file.resolveSibling("o.dat.writing"), data);
                    AtomicFiles.write(file, data);
                    written.countDown();
                    return;
                }
                AtomicFiles.write(file, data);
            });
            consumers.afterListing(() -> {
                listed.countDown();
                try {
                    written.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // An ack makes the state dirty: the housekeeper's next tick writes o.dat, through the seam.
            c.fetch(1, 0, Duration.ZERO).get(0).ack();
            inWrite.await();

            failed = catchThrowable(() -> s.deleteConsumer("C"));

            assertThat(s.consumerNames()).doesNotContain("C");
        }
        assertThat(failed).as("deleteConsumer").isNull();
        assertThat(dir.resolve("jetstream/$G/streams/S/obs/C")).doesNotExist();
    }
}
