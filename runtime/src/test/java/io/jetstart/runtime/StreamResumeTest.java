package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.StoredMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JetStartStore#resumeStream}: a stream whose writer a write error stopped comes back
 * without closing the store, once the cause is gone. Without root a full disk cannot be made here
 * (DiskFullIT makes one): the writer is stopped as {@link WriteFailureTest} stops it, by bytes it
 * did not write after its released tail (a tail the full disk cut short reads the same way), and a
 * cause that stays is a non-empty directory where the resume must write the next block's key file.
 */
class StreamResumeTest {
    @TempDir
    Path dir;

    @Test
    void aStoppedStreamIsResumedWithEveryAcknowledgedMessageItsConsumersAcksAndTheNextSequence() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            JetStartStream other = store.createStream("$G", config("{\"name\":\"O\",\"subjects\":[\"o\"]}"));
            for (int i = 1; i <= 20; i++) {
                s.publish("s." + (i % 3), Headers.of("X-N", "" + i), bytes("message " + i + " ".repeat(i)));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            for (ConsumedMessage m : c.fetch(5, 0, Duration.ofSeconds(1))) {
                m.ack();
            }
            List<StoredMessage> acknowledged = new ArrayList<>();
            for (long seq = 1; seq <= 20; seq++) {
                acknowledged.add(s.get(seq).orElseThrow());
            }
            Path torn = stop(s);
            long tornLength = Files.size(torn);
            StreamHandle held = store.stream("S");
            assertThat(held.state()).isEqualTo(StreamHandle.State.READ_ONLY);
            assertThat(other.publish("o", bytes("while S is stopped")).seq()).isEqualTo(1);

            List<Long> publishedDuringTheResume = new ArrayList<>();
            store.beforeConsumerRestore(x -> {
                try {
                    publishedDuringTheResume.add(other.publish("o", bytes("during the resume")).seq());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            JetStartStream resumed = store.resumeStream("S");

            assertThat(publishedDuringTheResume).as("another stream served during the resume").containsExactly(2L);
            assertThat(resumed).isNotSameAs(s);
            assertThat(store.stream("S").await(Duration.ofSeconds(1))).isSameAs(resumed);
            assertThat(store.stream("S").state()).isEqualTo(StreamHandle.State.READY);
            assertThat(held.state()).as("a handle held across the resume").isEqualTo(StreamHandle.State.READY);
            assertThat(held.await(Duration.ofSeconds(1))).isSameAs(resumed);
            assertThat(resumed.readOnlyReason()).isEmpty();
            assertThat(store.streamStates()).isEqualTo(new StreamCounts(0, 2, 0, 0));
            for (StoredMessage m : acknowledged) {
                assertThat(resumed.get(m.seq())).as("seq %d", m.seq()).contains(m);
            }
            assertThat(resumed.publish("s.1", bytes("after the resume")).seq()).isEqualTo(21);
            assertThat(Files.size(torn)).as("the block the error cut short is left as it is").isEqualTo(tornLength);
            assertThat(resumed.info().blocks().getLast().index()).as("new records go to a new block")
                    .isGreaterThan(Long.parseLong(torn.getFileName().toString().replace(".blk", "")));
            List<ConsumedMessage> next = resumed.consumer("C").fetch(3, 0, Duration.ofSeconds(1));
            assertThat(next).extracting(ConsumedMessage::streamSeq).as("what C acknowledged is not delivered again")
                    .containsExactly(6L, 7L, 8L);
            for (ConsumedMessage m : next) {
                m.ack();
            }
            assertThat(other.publish("o", bytes("after")).seq()).isEqualTo(3);
            assertThat(s.writer().thread().isAlive()).as("the old writer's thread").isFalse();
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(21);
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("S").await(Duration.ofSeconds(30));
            assertThat(s.publish("s.2", bytes("after a reopen")).seq()).isEqualTo(22);
            assertThat(s.consumer("C").fetch(1, 0, Duration.ofSeconds(1))).extracting(ConsumedMessage::streamSeq)
                    .as("the acks taken after the resume are kept too").containsExactly(9L);
        }
    }

    @Test
    void theReplacedStreamAndItsConsumersFailNamingTheResume() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.publish("s", bytes("one"));
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            List<ConsumedMessage> delivered = c.fetch(1, 0, Duration.ofSeconds(1));
            stop(s);

            store.resumeStream("S");

            assertThat(s.isReplaced()).isTrue();
            assertThatThrownBy(() -> s.publish("s", bytes("two"))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("resumeStream");
            assertThatThrownBy(() -> s.get(1)).hasMessageContaining("resumeStream");
            assertThatThrownBy(s::flush).hasMessageContaining("resumeStream");
            assertThatThrownBy(() -> s.consumer("C")).hasMessageContaining("resumeStream");
            assertThatThrownBy(() -> c.fetch(1, 0, Duration.ZERO)).hasMessageContaining("resumeStream");
            assertThatThrownBy(() -> delivered.getFirst().ack()).hasMessageContaining("resumeStream");
            assertThat(store.stream("S").await(Duration.ofSeconds(1)).publish("s", bytes("two")).seq()).isEqualTo(2);
        }
    }

    @Test
    void aResumeIsRefusedSayingWhyForAStreamNoWriteErrorStopped() throws Exception {
        Path m = JetStreamDir.stream(dir, "$G", "M");
        Files.createDirectories(m.resolve("msgs"));
        MetaFiles.writeStream(m, "M", StreamDefinitions.metaInf(config("{\"name\":\"M\",\"subjects\":[\"m\"],\"storage\":\"memory\"}"),
                WriterLoop.wallNanos()));
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        try (store) {
            store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            assertThat(store.stream("M").await(Duration.ofSeconds(30)).readOnlyReason()).isPresent();

            assertThatThrownBy(() -> store.resumeStream("S")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is writable");
            assertThatThrownBy(() -> store.resumeStream("M")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("read-only by its config");
            assertThatThrownBy(() -> store.resumeStream("NONE")).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10059));
            assertThat(store.stream("S").state()).isEqualTo(StreamHandle.State.READY);
        }
        assertThatThrownBy(() -> store.resumeStream("S")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aResumeWhoseHandOverCannotWriteFailsNamingWhyAndALaterOneWorksOnceTheCauseIsGone() throws Exception {
        RuntimeOptions opts = RuntimeOptions.defaults().withKey(EncryptedStoreTest.KEY, StoreCipher.AES);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            for (int i = 1; i <= 5; i++) {
                s.publish("s", bytes("m" + i));
            }
            long tail = s.info().blocks().getLast().index();
            Path torn = stop(s);
            // The resume must start a new block after the torn one, and an encrypted block's key file first.
            Path key = torn.resolveSibling((tail + 1) + ".key");
            block(key);

            assertThatThrownBy(() -> store.resumeStream("S")).isInstanceOf(StreamUnavailableException.class)
                    .hasMessageContaining(key.toString());
            assertThat(store.stream("S").state()).isEqualTo(StreamHandle.State.FAILED);
            assertThatThrownBy(() -> store.stream("S").await(Duration.ofSeconds(1))).hasMessageContaining(key.toString());
            assertThat(s.writer().thread().isAlive()).isFalse();

            unblock(key);
            JetStartStream resumed = store.resumeStream("S");
            for (int i = 1; i <= 5; i++) {
                assertThat(resumed.get(i).map(x -> new String(x.payload(), java.nio.charset.StandardCharsets.UTF_8))).contains("m" + i);
            }
            assertThat(resumed.publish("s", bytes("m6")).seq()).isEqualTo(6);
            assertThat(store.stream("S").state()).isEqualTo(StreamHandle.State.READY);
        }
        assertThat(EncryptedStoreTest.recovered(dir, "S", EncryptedStoreTest.KEY).messages()).isEqualTo(6);
    }

    @Test
    void aStreamAFailedResumeLeftCanBeDeleted() throws Exception {
        RuntimeOptions opts = RuntimeOptions.defaults().withKey(EncryptedStoreTest.KEY, StoreCipher.AES);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.publish("s", bytes("m1"));
            long tail = s.info().blocks().getLast().index();
            Path key = stop(s).resolveSibling((tail + 1) + ".key");
            block(key);
            assertThatThrownBy(() -> store.resumeStream("S")).isInstanceOf(StreamUnavailableException.class);

            store.deleteStream("$G", "S");

            assertThat(JetStreamDir.stream(dir, "$G", "S")).doesNotExist();
            assertThatThrownBy(() -> store.stream("S").await(Duration.ofSeconds(1))).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10059));
            assertThat(store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}")).publish("s", bytes("new")).seq())
                    .isEqualTo(1);
        }
    }

    @Test
    void aBucketHeldAcrossAResumeWritesToTheNewStream() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            io.jetstart.runtime.kv.KeyValue kv = store.createKeyValue(io.jetstart.runtime.kv.KeyValueConfig.of("B"));
            long first = kv.put("k", bytes("v1"));
            java.util.concurrent.LinkedBlockingQueue<String> seen = new java.util.concurrent.LinkedBlockingQueue<>();
            io.jetstart.runtime.kv.KeyValueWatch watch = kv.watch(">",
                    e -> seen.add(e.key() + "=" + new String(e.value(), java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(seen.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("k=v1");
            JetStartStream before = kv.stream();
            stop(dir, before, "$KV.B.k");
            assertThatThrownBy(() -> kv.put("k", bytes("lost"))).hasMessageContaining("10077");

            store.resumeStream("KV_B");

            assertThat(kv.stream()).isNotSameAs(before).isSameAs(store.stream("KV_B").await(Duration.ofSeconds(1)));
            assertThat(kv.put("k", bytes("v2"))).isEqualTo(first + 1);
            assertThat(kv.get("k").map(e -> new String(e.value(), java.nio.charset.StandardCharsets.UTF_8))).contains("v2");
            assertThat(seen.poll(10, java.util.concurrent.TimeUnit.SECONDS)).as("a watch started before the resume").isEqualTo("k=v2");
            assertThat(watch.failure()).isEmpty();
            watch.close();
        }
    }

    @Test
    void resumesRacingPublishesReadsFetchesEachOtherADeleteAndACloseLeaveNoThreadAndOnlyClearErrors() throws Exception {
        for (int round = 0; round < 6; round++) {
            Path storeDir = Files.createDirectories(dir.resolve("round-" + round));
            List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
            JetStartStore store = JetStart.open(storeDir, RuntimeOptions.defaults());
            try {
                JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
                JetStartStream other = store.createStream("$G", config("{\"name\":\"O\",\"subjects\":[\"o\"]}"));
                for (int i = 1; i <= 50; i++) {
                    s.publish("s", bytes("m" + i));
                }
                s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
                stop(storeDir, s, "s");
                java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
                List<Thread> threads = new ArrayList<>();
                threads.add(Thread.ofPlatform().start(() -> hammer(running, unexpected, () -> current(store).publish("s", bytes("x")))));
                threads.add(Thread.ofPlatform().start(() -> hammer(running, unexpected, () -> current(store).get(1))));
                threads.add(Thread.ofPlatform().start(() -> hammer(running, unexpected, () -> {
                    for (ConsumedMessage m : current(store).consumer("C").fetch(5, 0, Duration.ofMillis(5))) {
                        m.ack();
                    }
                })));
                threads.add(Thread.ofPlatform().start(() -> hammer(running, unexpected, () -> other.publish("o", bytes("o")))));
                int r = round;
                List<Thread> admins = new ArrayList<>();
                java.util.concurrent.atomic.AtomicInteger resumed = new java.util.concurrent.atomic.AtomicInteger();
                for (int t = 0; t < 2; t++) {
                    admins.add(Thread.ofPlatform().start(() -> once(unexpected, () -> {
                        store.resumeStream("S");
                        resumed.incrementAndGet();
                    })));
                }
                if (r % 3 == 1) {
                    admins.add(Thread.ofPlatform().start(() -> once(unexpected, () -> store.deleteStream("$G", "S"))));
                }
                if (r % 3 == 2) {
                    admins.add(Thread.ofPlatform().start(() -> once(unexpected, store::close)));
                }
                for (Thread t : admins) {
                    t.join();
                }
                running.set(false);
                for (Thread t : threads) {
                    t.join();
                }
                // Whole stacks: the assertion below shows three frames, not where the error came from.
                unexpected.forEach(Throwable::printStackTrace);
                assertThat(unexpected).as("round %d: errors other than clear ones", r).isEmpty();
                if (r % 3 == 0) {
                    assertThat(resumed.get()).as("round %d: one resume of the two, the other refused", r).isEqualTo(1);
                    assertThat(store.stream("S").state()).isEqualTo(StreamHandle.State.READY);
                }
            } finally {
                store.close();
            }
            assertThat(Thread.getAllStackTraces().keySet()).as("round %d: writer threads left after the close", round)
                    .noneMatch(t -> t.getName().equals("jetstart-writer $G > S") && t.isAlive());
        }
    }

    /** What the stream's handle serves now, or the failure that says why it cannot. */
    private static JetStartStream current(JetStartStore store) throws Exception {
        return store.stream("S").await(Duration.ofSeconds(30));
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void hammer(java.util.concurrent.atomic.AtomicBoolean running, List<Throwable> unexpected, Call call) {
        while (running.get()) {
            once(unexpected, call);
        }
    }

    /** Runs {@code call}; the errors a caller may meet around a resume are let go, any other is kept. */
    private static void once(List<Throwable> unexpected, Call call) {
        try {
            call.run();
        } catch (IllegalStateException | JetStreamApiException | StreamUnavailableException e) {
            // Clear ones: replaced, closed, stopped (10077), not found (10059, 10014), not resumable, failed.
        } catch (java.io.UncheckedIOException e) {
            unexpected.add(e);
        } catch (Throwable t) {
            unexpected.add(t);
        }
    }

    /**
     * Stops {@code s}'s writer with a write error: its tail released, bytes it did not write appended
     * (the writer must not append after them, IdleStoreTest), and a publish that meets them.
     * Returns the block they were appended to.
     */
    private Path stop(JetStartStream s) throws Exception {
        return stop(dir, s, s.config().subjects().getFirst().replace("*", "x"));
    }

    private static Path stop(Path dir, JetStartStream s, String subject) throws Exception {
        WriterLoop w = s.writer();
        w.tailExpiry(Duration.ofMillis(1));
        IdleStoreTest.awaitReleased(w);
        Path block = JetStreamDir.stream(dir, s.account(), s.name()).resolve("msgs").resolve(s.info().blocks().getLast().index() + ".blk");
        Files.write(block, new byte[] {9, 9, 9}, StandardOpenOption.APPEND);
        assertThatThrownBy(() -> s.publish(subject, bytes("refused"))).hasMessageContaining(block.toString());
        assertThat(s.readOnlyReason()).isPresent();
        return block;
    }

    private static void block(Path file) throws Exception {
        Files.createDirectories(file);
        Files.writeString(file.resolve("in-the-way"), "x");
    }

    private static void unblock(Path file) throws Exception {
        Files.delete(file.resolve("in-the-way"));
        Files.delete(file);
    }
}
