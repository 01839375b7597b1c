package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 2.9.10's INT1 (interest retention) whose {@code 1.idx} is not used: 2.9 wrote no tombstone for an
 * interest removal, only the {@code .idx} kept its deletes, so the block alone holds messages 2.9 had
 * removed. What each open reports is what the server reports at its start on those files, and every
 * message the runtime's start-up interest sweep removes gets its tombstone, as the server's
 * {@code removeMsg} writes one: the reopen with {@code index.db} and a rescan without it agree.
 *
 * <p>Found by {@link HostileStoreRuntimeTest} (a damaged {@code 1.idx}): the second open removed the
 * 14 messages both consumers had acknowledged (the 2.10 walk: the runtime's {@code index.db} v1 makes
 * the store a 2.10 one) without a tombstone, and a rescan brought them back. The last test is the
 * same gap on a store of the 2.10 line alone: the open's walk, then the consumers gone.
 *
 * <p>The servers on the fixture with {@code 1.idx} removed: 2.9.10 reports 699 messages (the 14
 * back, its {@code oracle.rebuilt.json}); 2.10.27 and 2.15.1 report 685 and append 315 tombstones to
 * {@code 1.blk} (1-301 below the lowest ack floor and the 14), the very bytes the runtime's two opens
 * leave there ({@code UnusableLegacyIndexOnServerIT}).
 */
class UnusableLegacyIndexInterestTest {
    static final Duration AWAIT = Duration.ofSeconds(30);
    /** The messages of INT1 both consumers acknowledged that only its {@code 1.idx} called removed. */
    static final List<Long> ACKED_BY_BOTH = LongStream.rangeClosed(0, 13).map(i -> 308 + 7 * i).boxed().toList();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "1.idx {0}")
    @ValueSource(strings = {"removed", "cut"})
    void everyMessageTheStartUpSweepRemovesIsTombstonedSoTheReopenAndARescanAgree(String how) throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp.resolve("store"));
        Path msgs = store.resolve("jetstream/$G/streams/INT1/msgs");
        Path idx = msgs.resolve("1.idx");
        if (how.equals("removed")) {
            Files.delete(idx);
        } else {
            byte[] b = Files.readAllBytes(idx);
            Files.write(idx, Arrays.copyOf(b, b.length / 2));
        }

        // First open, as 2.9.10 starts on these files: the 14 are back (its oracle.rebuilt.json: 699).
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            StreamView v = rt.stream("INT1").await(AWAIT).info();
            assertThat(v.messages()).as("first open: what 2.9.10 reports").isEqualTo(699);
            assertThat(v.firstSeq()).isEqualTo(302);
        }
        // Second open: the runtime's index.db v1 makes it a 2.10 store, and 2.10.27 removes the 14 at
        // its start (both consumers acknowledged them), as 2.15.1 does.
        StreamView reopened;
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            reopened = rt.stream("INT1").await(AWAIT).info();
            assertThat(reopened.messages()).as("second open: what 2.10.27 reports").isEqualTo(685);
        }
        TreeSet<Long> tombstoned = tombstones(msgs);

        // A rescan: the same files without any index.db (so the store's line is 2.9 again, by its
        // meta.inf files), recovered by the runtime from the blocks.
        deleteIndexDbs(store);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            StreamView r = rt.stream("INT1").await(AWAIT).info();
            assertThat(r.messages()).as("rescan %s = reopen %s", r, reopened).isEqualTo(reopened.messages());
            assertThat(r.firstSeq()).isEqualTo(reopened.firstSeq());
            assertThat(r.lastSeq()).isEqualTo(reopened.lastSeq());
            assertThat(r.bytes()).isEqualTo(reopened.bytes());
        }
        // What makes them agree: 2.9's purge below the lowest ack floor (1-301) at the first open, the
        // 2.10 walk (the 14) at the second, each with a tombstone in the writer's block. A 1.idx cut
        // past its first sequence still gives 302, which 2.9.10's rebuild keeps (it restores 699 and
        // its purge finds nothing below the floor: UndecodableLegacyIndexOnServerIT), so 1-301 are
        // not served from the first open on, and the sweep has none of them to remove.
        List<Long> belowFloor = LongStream.rangeClosed(1, 301).boxed().toList();
        assertThat(tombstoned).as("a tombstone for each message the start-up sweeps removed").containsAll(ACKED_BY_BOTH);
        if (how.equals("removed")) {
            assertThat(tombstoned).containsAll(belowFloor);
        } else {
            assertThat(tombstoned).doesNotContainAnyElementsOf(belowFloor);
        }
    }

    /**
     * The same on the 2.10 line, where the open's walk removes what the consumers' {@code o.dat}
     * files say both acknowledged while the stream's files do not (acks the stream had not applied
     * when it stopped). Those removals are tombstoned too, as nats-server's are, so they outlive
     * {@code index.db} when the consumers are gone as well (an operator moving their directories
     * out): without the tombstones a rescan brought the five back.
     */
    @Test
    void theOpensWalkOnA210StoreTombstonesWhatItRemovesSoItOutlivesIndexDbAndTheConsumers() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("walk"));
        Path streamDir = store.resolve("jetstream/$G/streams/I");
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.createStream("$G", RuntimeTestSupport.config(
                    "{\"name\":\"I\",\"subjects\":[\"i.*\"],\"retention\":\"interest\"}"));
            s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\"}");
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"}");
            for (int i = 1; i <= 10; i++) {
                s.publish("i.x", RuntimeTestSupport.bytes("m" + i));
            }
        }
        Path before = tmp.resolve("msgs-before-acks");
        copyDir(streamDir.resolve("msgs"), before);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("I").await(AWAIT);
            for (String c : List.of("A", "B")) {
                for (ConsumedMessage m : s.consumer(c).fetch(5, 0, Duration.ZERO)) {
                    m.ack();
                }
            }
        }
        // The stream's files as they were before the acks, the consumers' as after them.
        deleteDir(streamDir.resolve("msgs"));
        copyDir(before, streamDir.resolve("msgs"));

        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            StreamView v = rt.stream("I").await(AWAIT).info();
            assertThat(v.messages()).as("the open's walk removes what A and B acknowledged").isEqualTo(5);
            assertThat(v.firstSeq()).isEqualTo(6);
        }
        TreeSet<Long> tombstoned = tombstones(streamDir.resolve("msgs"));
        for (String c : List.of("A", "B")) {
            Files.move(streamDir.resolve("obs").resolve(c), tmp.resolve("moved-out-" + c));
        }
        deleteIndexDbs(store);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            StreamView r = rt.stream("I").await(AWAIT).info();
            assertThat(r.messages()).as("a rescan without consumers %s", r).isEqualTo(5);
            assertThat(r.firstSeq()).isEqualTo(6);
        }
        assertThat(tombstoned).as("the walk's removals tombstoned").containsAll(List.of(1L, 2L, 3L, 4L, 5L));
    }

    private static void deleteIndexDbs(Path store) throws IOException {
        try (Stream<Path> walk = Files.walk(store)) {
            for (Path f : walk.filter(f -> f.getFileName().toString().equals("index.db")).toList()) {
                Files.delete(f);
            }
        }
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName().toString()));
            }
        }
    }

    private static void deleteDir(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** The sequences the tombstones of every block in {@code msgs} name. */
    static TreeSet<Long> tombstones(Path msgs) throws IOException {
        TreeSet<Long> out = new TreeSet<>();
        List<Path> blocks = new ArrayList<>();
        try (Stream<Path> s = Files.list(msgs)) {
            s.filter(p -> p.getFileName().toString().endsWith(".blk")).forEach(blocks::add);
        }
        for (Path blk : blocks) {
            byte[] b = Files.readAllBytes(blk);
            RecordCursor c = new RecordCursor().wrap(b, b.length);
            while (c.next()) {
                if (c.isTombstone()) {
                    out.add(c.seq());
                }
            }
        }
        return out;
    }
}
