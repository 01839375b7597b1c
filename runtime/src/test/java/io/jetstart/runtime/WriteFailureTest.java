package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a stream does when its files cannot be written (a full disk, as DiskFullIT makes one): an
 * {@code index.db} that cannot be written stops nothing (the blocks hold every message and
 * removal; nats-server's periodic state write fails as quietly), and a write error that does stop
 * the writer shows on the stream's handle with its reason. Without root a full disk cannot be made
 * here: {@code index.db} is kept from being replaced by a non-empty directory of its name.
 */
class WriteFailureTest {
    @TempDir
    Path dir;

    @Test
    void anIndexDbThatCannotBeWrittenFailsTheFlushAloneAndWritesGoOnUntilItCanBeWrittenAgain() throws Exception {
        Path msgs = dir.resolve("jetstream/$G/streams/S/msgs");
        Path index = msgs.resolve("index.db");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            for (int i = 1; i <= 10; i++) {
                s.publish("s." + (i % 3), bytes("m" + i));
            }
            s.flush();
            assertThat(index).isRegularFile();
            block(index);

            assertThat(s.publish("s.1", bytes("m11")).seq()).isEqualTo(11);
            assertThatThrownBy(s::flush).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                assertThat(e.errCode()).isEqualTo(10077);
                assertThat(e.description()).contains(index.toString());
            });
            assertThat(store.stream("S").state()).isEqualTo(StreamHandle.State.READY);
            assertThat(s.readOnlyReason()).isEmpty();
            assertThat(s.publish("s.2", bytes("m12")).seq()).as("a publish after the failed flush").isEqualTo(12);
            s.delete(3);
            assertThat(s.info().messages()).isEqualTo(11);
            assertThat(leftovers(msgs)).as("temp files left beside index.db").isEmpty();

            unblock(index);
            s.flush();
            assertThat(index).as("written again once it can be").isRegularFile();
            assertThat(s.publish("s.0", bytes("m13")).seq()).isEqualTo(13);
        }
        io.jetstart.core.store.StreamState state = RuntimeTestSupport.recovered(dir, "S");
        assertThat(state.messages()).isEqualTo(12);
        assertThat(state.lastSeq()).isEqualTo(13);
    }

    @Test
    void aCloseThatCannotWriteIndexDbStillClosesAndTheNextOpenRebuildsFromTheBlocks() throws Exception {
        Path index = dir.resolve("jetstream/$G/streams/S/msgs/index.db");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            for (int i = 1; i <= 5; i++) {
                s.publish("s.a", bytes("m" + i));
            }
            s.flush();
            block(index);
            s.publish("s.a", bytes("m6"));
            s.delete(2);
        }
        assertThat(Thread.getAllStackTraces().keySet()).as("threads left after the close")
                .noneMatch(t -> t.getName().startsWith("jetstart-writer") && t.isAlive());
        unblock(index);
        assertThat(index).as("no index.db: the close could not write it").doesNotExist();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("S").await(Duration.ofSeconds(30));
            assertThat(s.info().messages()).isEqualTo(5);
            assertThat(s.info().lastSeq()).isEqualTo(6);
            assertThat(s.get(2)).isEmpty();
            assertThat(s.publish("s.a", bytes("m7")).seq()).isEqualTo(7);
        }
    }

    @Test
    void emptiedFirstBlocksWaitForTheirIndexDbAndGoOnceItCanBeWritten() throws Exception {
        Path msgs = dir.resolve("jetstream/$G/streams/S/msgs");
        Path index = msgs.resolve("index.db");
        long firstBlockLast;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            s.publish("s.a", bytes("message 1" + " ".repeat(60)));
            // index.db names the first block as the last: it must be written before that block can go.
            s.flush();
            block(index);
            for (int i = 2; i <= 40; i++) {
                s.publish("s.a", bytes("message " + i + " ".repeat(60)));
            }
            long firstBlock = s.info().blocks().getFirst().index();
            firstBlockLast = s.info().blocks().getFirst().lastSeq();
            assertThat(s.info().blocks()).as("blocks").hasSizeGreaterThan(2);
            for (long seq = 1; seq <= firstBlockLast; seq++) {
                s.delete(seq);
            }
            assertThat(s.publish("s.a", bytes("after")).seq()).isEqualTo(41);
            assertThat(msgs.resolve(firstBlock + ".blk")).as("an emptied block whose index.db could not go first").exists();
            unblock(index);
            s.flush();
            assertThat(msgs.resolve(firstBlock + ".blk")).as("the emptied block once index.db is written").doesNotExist();
            assertThat(s.info().firstSeq()).isEqualTo(firstBlockLast + 1);
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(41 - firstBlockLast);
    }

    @Test
    void aWriteErrorThatStopsTheWriterShowsOnTheHandleAndReadsGoOn() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.publish("s", bytes("one"));
            WriterLoop w = s.writer();
            w.tailExpiry(Duration.ofMillis(1));
            IdleStoreTest.awaitReleased(w);
            assertThat(store.stream("S").state()).isEqualTo(StreamHandle.State.READY);
            Path block = dir.resolve("jetstream/$G/streams/S/msgs").resolve(s.info().blocks().getLast().index() + ".blk");
            // Bytes the writer did not write: it must not append after them (IdleStoreTest).
            Files.write(block, new byte[] {9, 9, 9}, java.nio.file.StandardOpenOption.APPEND);
            assertThatThrownBy(() -> s.publish("s", bytes("two"))).hasMessageContaining(block.toString());

            assertThat(store.stream("S").state()).isEqualTo(StreamHandle.State.READ_ONLY);
            assertThat(s.readOnlyReason()).get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                    .startsWith("writes stopped after a write error: ").contains(block.toString());
            assertThat(store.streamStates()).isEqualTo(new StreamCounts(0, 0, 1, 0));
            assertThat(s.get(1)).map(m -> new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8)).contains("one");
        }
    }

    @Test
    void aCloseThatCannotWriteAConsumersOdatClosesAndSaysWhichAndARestartRedeliversItsAcks() throws Exception {
        Path odat = dir.resolve("jetstream/$G/streams/S/obs/C/o.dat");
        byte[] before;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            for (int i = 1; i <= 5; i++) {
                s.publish("s", bytes("m" + i));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            before = Files.readAllBytes(odat);
            block(odat);
            for (ConsumedMessage m : c.fetch(3, 0, Duration.ofSeconds(1))) {
                m.ack();
            }
            assertThatThrownBy(store::close).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("$G > S > C").hasMessageContaining(odat.toString()).hasMessageContaining("redelivers");
            assertThat(store.isClosed()).isTrue();
        }
        unblock(odat);
        // What a full disk leaves: the o.dat written before the acks.
        Files.write(odat, before);
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("S").await(Duration.ofSeconds(30));
            assertThat(s.consumer("C").fetch(5, 0, Duration.ofSeconds(1))).extracting(ConsumedMessage::streamSeq)
                    .as("what the unwritten acks acknowledged comes again").startsWith(1L, 2L, 3L);
        }
    }

    /** Keeps {@code file} ({@code index.db}, an {@code o.dat}) from being replaced: a directory of its name with a file in it. */
    private static void block(Path index) throws Exception {
        Files.deleteIfExists(index);
        Files.createDirectories(index);
        Files.writeString(index.resolve("in-the-way"), "x");
    }

    private static void unblock(Path index) throws Exception {
        Files.delete(index.resolve("in-the-way"));
        Files.delete(index);
    }

    private static List<Path> leftovers(Path msgs) throws Exception {
        try (Stream<Path> files = Files.list(msgs)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }
}
