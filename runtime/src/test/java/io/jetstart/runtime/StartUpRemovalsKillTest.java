package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.StreamState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill -9 at each step of the hand-over that makes the open's removals last (each
 * {@code index.db} written, each block file removed), then a reopen, an update lifting the limit
 * and another kill before the writer's first batch, then {@code index.db} lost: nothing the first
 * open removed comes back. Until 2026-12-07 the hand-over wrote {@code index.db} (naming the
 * emptied blocks between the first and the tail empty) before their files went: a kill between
 * left their records without a tombstone, the reopen adopted that {@code index.db} and did not
 * remove them, and a rebuild under the lifted limit served them again.
 *
 * <p>The stream: 1 KiB blocks of 7 records of 133 bytes; {@code max_msgs_per_subject} 1 set on
 * disk, as an operator's edit, with the {@code index.db} the last close wrote.
 */
class StartUpRemovalsKillTest {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final byte[] PAYLOAD = new byte[100];

    @TempDir
    Path tmp;

    /**
     * p.a, then 40 of p.b, then p.c: the first block keeps p.a and loses 2-7 one by one, the four
     * blocks of p.b only after it are emptied, the tail keeps the last p.b and p.c.
     */
    @Test
    void aKillAtAnyStepOfTheHandOverOfEmptiedMiddleBlocksBringsNothingBackOnceTheLimitIsLifted() throws Exception {
        List<String> subjects = new ArrayList<>();
        subjects.add("p.a");
        for (int i = 0; i < 40; i++) {
            subjects.add("p.b");
        }
        subjects.add("p.c");
        killAtEachStep(subjects, 3, false);
    }

    /**
     * Seven subjects once each (the first block), 21 of p.b (three blocks), seven more subjects once
     * each, then the last p.b alone in the tail: the limit empties the three blocks of p.b and
     * removes nothing else, so the hand-over writes no tombstone of its own before their files go.
     */
    @Test
    void aKillAtAnyStepOfTheHandOverOfOnlyEmptiedMiddleBlocksBringsNothingBack() throws Exception {
        List<String> subjects = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            subjects.add("p.k" + i);
        }
        for (int i = 0; i < 21; i++) {
            subjects.add("p.b");
        }
        for (int i = 8; i <= 14; i++) {
            subjects.add("p.k" + i);
        }
        subjects.add("p.b");
        killAtEachStep(subjects, 15, false);
    }

    /**
     * The first block all p.b (emptied: it goes behind an {@code index.db} naming it empty, the
     * front blocks' order), then p.a and p.b, then blocks of p.b only (emptied, between the first
     * and the tail), then the last p.b and p.c.
     */
    @Test
    void aKillAtAnyStepOfTheHandOverOfEmptiedFirstAndMiddleBlocksBringsNothingBack() throws Exception {
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            subjects.add("p.b");
        }
        subjects.add("p.a");
        for (int i = 0; i < 30; i++) {
            subjects.add("p.b");
        }
        subjects.add("p.c");
        killAtEachStep(subjects, 3, true);
    }

    /**
     * The open's {@code index.db} names as its last block a middle block the limit empties: written
     * at a close when block 2 (all p.b) was the tail, then blocks 3 and 4 were written and a kill came
     * before the next close's {@code index.db}. The hand-over removes that {@code index.db} before
     * block 2 goes (2.10.27 and 2.15.1 reported block 2's messages as lost data on the files a kill
     * left after it went: StartUpLimitsOnServerIT); at every step the files read as the runtime
     * served them, with no lost data, and so after a reopen, the limit lifted and index.db lost.
     */
    @Test
    void aKillAtAnyStepWhenTheOpensIndexDbNamesAnEmptiedMiddleBlockAsItsLastLosesNothing() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            for (int i = 1; i <= 7; i++) {
                s.publish("p.k" + i, PAYLOAD);
            }
            for (int i = 0; i < 7; i++) {
                s.publish("p.b", PAYLOAD);
            }
        }
        Path indexDb = store.resolve("jetstream/$G/streams/P/msgs/index.db");
        byte[] namesBlock2 = Files.readAllBytes(indexDb);
        assertThat(BlockReclaimTest.blocks(store, "P")).as("the close's index.db names 2 as the last block").containsExactly(1L, 2L);
        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            JetStartStream s = rt.stream("P").await(AWAIT);
            for (int i = 8; i <= 14; i++) {
                s.publish("p.k" + i, PAYLOAD);
            }
            s.publish("p.b", PAYLOAD);
        }
        Files.write(indexDb, namesBlock2);
        StartUpLimitsRemovalsTest.editConfig(store, "P", "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":1");

        List<Path> kills = new ArrayList<>();
        try (JetStartStore rt = new JetStartStore(store, BlockReclaimTest.small())) {
            rt.afterHandOverStep(() -> kills.add(copy(store, "kill-" + kills.size())));
            rt.start();
            assertThat(rt.stream("P").await(AWAIT).info().messages()).isEqualTo(15);
        }
        assertThat(kills).as("the hand-over's steps").isNotEmpty();
        assertThat(Files.exists(kills.get(kills.size() - 1).resolve("jetstream/$G/streams/P/msgs/2.blk"))).as("2.blk gone").isFalse();
        for (Path killed : kills) {
            Path msgs = killed.resolve("jetstream/$G/streams/P/msgs");
            assertThat(Files.exists(msgs.resolve("2.blk")) || !Files.exists(msgs.resolve("index.db")))
                    .as("%s: no index.db names a block that is gone", killed.getFileName()).isTrue();
            StreamState read = RuntimeTestSupport.recovered(killed, "P");
            assertThat(read.messages()).as("%s read as it is", killed.getFileName()).isEqualTo(15);
            assertThat(read.lost().isEmpty()).as("%s: no lost data", killed.getFileName()).isTrue();
            Path again;
            try (JetStartStore rt = JetStart.open(killed, BlockReclaimTest.small())) {
                assertThat(rt.stream("P").await(AWAIT).info().messages()).as("%s reopened", killed.getFileName()).isEqualTo(15);
                again = copy(killed, killed.getFileName() + "-again");
            }
            StartUpLimitsRemovalsTest.editConfig(again, "P", "\"max_msgs_per_subject\":1", "\"max_msgs_per_subject\":-1");
            Files.deleteIfExists(again.resolve("jetstream/$G/streams/P/msgs/index.db"));
            assertThat(RuntimeTestSupport.recovered(again, "P").messages())
                    .as("%s after the reopen, the limit lifted, index.db lost", killed.getFileName()).isEqualTo(15);
        }
    }

    /**
     * {@code indexDbWritten}: whether the hand-over writes an {@code index.db} (for the first blocks
     * only: the middle ones go before any).
     */
    private void killAtEachStep(List<String> subjects, long kept, boolean indexDbWritten) throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            for (String subject : subjects) {
                s.publish(subject, PAYLOAD);
            }
        }
        List<Long> before = BlockReclaimTest.blocks(store, "P");
        StartUpLimitsRemovalsTest.editConfig(store, "P", "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":1");
        byte[] openedIndexDb = Files.readAllBytes(store.resolve("jetstream/$G/streams/P/msgs/index.db"));

        List<Path> kills = new ArrayList<>();
        try (JetStartStore rt = new JetStartStore(store, BlockReclaimTest.small())) {
            rt.afterHandOverStep(() -> kills.add(copy(store, "kill-" + kills.size())));
            rt.start();
            assertThat(rt.stream("P").await(AWAIT).info().messages()).isEqualTo(kept);
        }
        assertThat(kills).as("the hand-over's steps").isNotEmpty();
        long withNewIndexDb = 0;
        for (Path killed : kills) {
            if (!java.util.Arrays.equals(openedIndexDb, Files.readAllBytes(killed.resolve("jetstream/$G/streams/P/msgs/index.db")))) {
                withNewIndexDb++;
            }
        }
        assertThat(withNewIndexDb > 0).as("an index.db written in the hand-over, %d of %d steps", withNewIndexDb, kills.size())
                .isEqualTo(indexDbWritten);
        assertThat(BlockReclaimTest.blocks(store, "P")).as("emptied blocks gone: %s before", before).hasSizeLessThan(before.size());

        for (Path killed : kills) {
            assertThat(RuntimeTestSupport.recovered(killed, "P").messages()).as("%s read as it is", killed.getFileName())
                    .isEqualTo(kept);
            Path again;
            try (JetStartStore rt = JetStart.open(killed, BlockReclaimTest.small())) {
                assertThat(rt.stream("P").await(AWAIT).info().messages()).as("%s reopened", killed.getFileName()).isEqualTo(kept);
                // The second kill, before the writer's first batch.
                again = copy(killed, killed.getFileName() + "-again");
            }
            // An update lifting the limit (its meta.inf written), then index.db lost.
            StartUpLimitsRemovalsTest.editConfig(again, "P", "\"max_msgs_per_subject\":1", "\"max_msgs_per_subject\":-1");
            Files.deleteIfExists(again.resolve("jetstream/$G/streams/P/msgs/index.db"));
            StreamState rescan = RuntimeTestSupport.recovered(again, "P");
            assertThat(rescan.messages()).as("%s after the reopen, the limit lifted, index.db lost", killed.getFileName())
                    .isEqualTo(kept);
        }
    }

    private Path copy(Path store, String name) {
        try {
            Path to = tmp.resolve(name);
            BlockReclaimTest.copyTree(store, to);
            Files.deleteIfExists(to.resolve("jetstart.lock"));
            return to;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
