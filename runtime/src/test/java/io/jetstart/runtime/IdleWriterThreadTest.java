package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer holds a thread only while its stream has something to do (WriterLoop's runs): an idle
 * stream's thread ends, the next operation starts another, a timer of an idle stream comes as a ring
 * (WriterAlarms), and a close does the last sync of a stream with no thread. Until 2026-12 every
 * writable stream held a platform thread from its hand-over to the close: 10,023 threads for a store
 * of 10,000 streams (docs/runtime.md, "Many streams").
 */
class IdleWriterThreadTest {
    @TempDir
    Path dir;

    @Test
    void anIdleStreamsWriterEndsItsThreadAndItsNextPublishIsStoredAndAcked() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            WriterLoop w = s.writer();
            assertThat(s.publish("s", bytes("one")).seq()).isEqualTo(1);
            Thread first = w.thread();
            assertThat(first.isAlive()).as("the thread of a writer just written to").isTrue();
            // Its tail let go at once; its next timer (the interval sync, 2 minutes) is past the horizon.
            w.tailExpiry(Duration.ZERO);
            awaitTrue(() -> !first.isAlive(), "the writer's thread ends once its stream is idle");
            assertThat(w.running()).isFalse();
            assertThat(writerThreadsAlive("S")).as("threads named for the stream's writer").isZero();

            w.tailExpiry(Duration.ofHours(1));
            assertThat(s.publish("s", bytes("two")).seq()).isEqualTo(2);
            assertThat(w.thread()).isNotSameAs(first);
            assertThat(w.thread().isAlive()).as("the thread the publish started").isTrue();
            assertThat(w.thread().isVirtual()).as("a run that takes publishes runs on a platform thread").isFalse();
            assertThat(s.get(2)).map(m -> new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8)).contains("two");
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(2);
    }

    @Test
    void aRecoveredStreamWithNoTimerDueHoldsNoThreadUntilSomethingIsOffered() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            for (int i = 0; i < 3; i++) {
                store.createStream("$G", config("{\"name\":\"S" + i + "\",\"subjects\":[\"s" + i + "\"]}")).publish("s" + i, bytes("one"));
            }
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            List<JetStartStream> streams = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                streams.add(RuntimeTestSupport.open(store, "S" + i));
            }
            for (JetStartStream s : streams) {
                // Until 2026-12 each was handed a platform thread at its hand-over, for good.
                assertThat(s.writer().thread()).as("%s's writer thread after the open", s.name()).isNull();
                assertThat(s.writer().runsStarted()).isZero();
                assertThat(s.writer().tailBytesHeld()).as("%s's tail bytes after the open", s.name()).isZero();
            }
            assertThat(streams.getFirst().publish("s0", bytes("two")).seq()).isEqualTo(2);
            assertThat(streams.getFirst().writer().thread().isAlive()).isTrue();
            assertThat(streams.get(1).writer().thread()).as("S1's writer thread after S0's publish").isNull();
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S0").messages()).isEqualTo(2);
        assertThat(RuntimeTestSupport.recovered(dir, "S1").messages()).isEqualTo(1);
    }

    @Test
    void anIdleStreamsMaxAgeRemovesItsMessageOnTimeThroughARing() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"AGE\",\"subjects\":[\"a\"],\"max_age\":4000000000}"));
            WriterLoop w = s.writer();
            // No timer keeps the thread: the age check 4 s ahead is left to a ring.
            w.idleHorizon(Duration.ZERO);
            w.tailExpiry(Duration.ZERO);
            long published = System.nanoTime();
            assertThat(s.publish("a", bytes("old")).seq()).isEqualTo(1);
            awaitTrue(() -> !w.running(), "the run ends with the message's expiry 4 s ahead");
            long endedAfter = System.nanoTime() - published;
            long runs = w.runsStarted();
            // A slow machine may take the whole 4 s to get here: then this run says nothing of the ring.
            org.junit.jupiter.api.Assumptions.assumeTrue(endedAfter < TimeUnit.SECONDS.toNanos(3),
                    "the run ended " + endedAfter / 1_000_000 + " ms after the publish");
            assertThat(s.info().messages()).as("messages while no thread holds the writer").isEqualTo(1);

            awaitTrue(() -> s.info().messages() == 0, "the message removed by max_age");
            assertThat(System.nanoTime() - published).as("removed no earlier than max_age").isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(4));
            assertThat(w.runsStarted()).as("runs started, the ring's among them").isGreaterThan(runs);
            awaitTrue(() -> !w.running(), "the ring's run ends once the stream is empty");
            assertThat(w.thread().isVirtual()).as("a ring's run, which took no operation").isTrue();
        }
        assertThat(RuntimeTestSupport.recovered(dir, "AGE").messages()).isZero();
    }

    @Test
    void anIdleStreamsIntervalSyncWritesItsIndexDbThroughARing() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withSync(SyncPolicy.INTERVAL).withSyncInterval(Duration.ofSeconds(2));
        Path indexDb = dir.resolve("jetstream/$G/streams/S/msgs/index.db");
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            WriterLoop w = s.writer();
            s.publish("s", bytes("one"));
            s.flush();
            Object before = fileKey(indexDb);
            w.idleHorizon(Duration.ZERO);
            w.tailExpiry(Duration.ZERO);
            s.publish("s", bytes("two"));
            awaitTrue(() -> !w.running(), "the run ends with the interval sync ahead");
            long runs = w.runsStarted();
            awaitTrue(() -> !fileKey(indexDb).equals(before), "index.db written by the interval sync");
            assertThat(w.runsStarted()).as("runs started, the ring's among them").isGreaterThan(runs);
            awaitTrue(() -> !w.running(), "the ring's run ends once index.db is current");
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(2);
    }

    @Test
    void aCloseDoesTheLastSyncOfAStreamWithNoThreadOnAVirtualThread() throws Exception {
        Path indexDb = dir.resolve("jetstream/$G/streams/S/msgs/index.db");
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        WriterLoop w;
        Object before;
        try {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            w = s.writer();
            s.publish("s", bytes("one"));
            s.flush();
            before = fileKey(indexDb);
            w.idleHorizon(Duration.ZERO);
            w.tailExpiry(Duration.ZERO);
            s.publish("s", bytes("two"));
            awaitTrue(() -> !w.running(), "the run ends, index.db behind");
            assertThat(fileKey(indexDb)).as("index.db before the close").isEqualTo(before);
        } finally {
            store.close();
        }
        assertThat(fileKey(indexDb)).as("index.db written by the close").isNotEqualTo(before);
        assertThat(w.thread().isVirtual()).as("the close's run of a writer that held no thread").isTrue();
        assertThat(w.thread().isAlive()).isFalse();
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(2);
    }

    /**
     * Publishers race with runs that end after every batch (no horizon, the tail let go at once): an
     * offer that comes as a run lets the writer go must be taken by that run or start the next one.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void publishesRacingWithRunsThatEndAreAllStoredAndAcked() throws Exception {
        int publishers = 4;
        int each = 1000;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r\"]}"));
            WriterLoop w = s.writer();
            w.idleHorizon(Duration.ZERO);
            w.tailExpiry(Duration.ZERO);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failed = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int p = 0; p < publishers; p++) {
                threads.add(Thread.ofPlatform().name("racer-" + p).start(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            CompletableFuture<PublishAck> ack = s.publishAsync("r", Headers.EMPTY, new byte[8]);
                            // A lost wake-up leaves the ack waiting: named here instead of hanging the build.
                            ack.get(30, TimeUnit.SECONDS);
                            java.util.concurrent.locks.LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(300_000));
                        }
                    } catch (Throwable t) {
                        failed.add(t);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failed).isEmpty();
            assertThat(s.info().messages()).isEqualTo((long) publishers * each);
            assertThat(w.runsStarted()).as("runs started: the writer let go between publishes").isGreaterThan(1);
        }
        assertThat(RuntimeTestSupport.recovered(dir, "R").messages()).isEqualTo((long) publishers * each);
    }

    private static long writerThreadsAlive(String stream) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("jetstart-writer $G > " + stream)).count();
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!check.holds() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(check.holds()).as(what).isTrue();
    }

    private static Object fileKey(Path p) throws java.io.IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        return a.fileKey() != null ? a.fileKey() : a.lastModifiedTime();
    }
}
