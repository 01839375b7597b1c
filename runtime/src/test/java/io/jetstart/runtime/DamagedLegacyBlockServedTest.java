package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.testing.StoreFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A 2.9 block with a bad record, its {@code .idx} intact: the runtime serves what nats-server
 * 2.9.10 serves on those files (measured in {@code DamagedLegacyBlockOnServerIT}), at the first open
 * and the next, and never cuts or rewrites what the block held. A bad checksum: every other message
 * the {@code .idx} counts. A flipped length: nothing (2.9.10's first read truncates the block), but
 * the {@code .idx}'s last sequence stands, where 2.9.10, having cut the block, published 1 again.
 */
class DamagedLegacyBlockServedTest {
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} {1}, .idx {2}: {3} served, the first {4}, the next publish {5}")
    @CsvSource({
            "LIM1, PAYLOAD 1,   true,  989, 2,   1001",
            "LIM1, PAYLOAD 500, true,  989, 1,   1001",
            "INT1, PAYLOAD 302, true,  684, 303, 1001",
            "INT1, PAYLOAD 1,   true,  685, 302, 1001",
            "LIM1, LENGTH,      true,  0,   0,   1001",
            // A flipped sequence: found by its slot as 2.9.10 finds it, the others served.
            "LIM1, SEQUENCE 1 BIT 10,   true, 989, 2, 1001",
            "LIM1, SEQUENCE 1 BIT 0,    true, 989, 2, 1001",
            "LIM1, SEQUENCE 1 BIT 63,   true, 989, 2, 1001",
            "LIM1, SEQUENCE 500 BIT 10, true, 989, 1, 1001",
            // Without the .idx 2.9.10 truncates the block at the damage at its start (and then reuses
            // sequences from there); the runtime serves what it keeps and goes on above the records
            // it can verify past the damage.
            "LIM1, PAYLOAD 1,   false, 0,   0,   1001",
            "LIM1, PAYLOAD 500, false, 494, 1,   1001",
    })
    void theRuntimeServesWhat29ServesAndKeepsTheBlock(String stream, String damage, boolean idx, long served, long firstServed,
                                                      long nextSeq) throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path blk = store.resolve("jetstream/$G/streams/" + stream + "/msgs/1.blk");
        List<Long> before = liveSequences(stream);
        damage(blk, damage);
        if (!idx) {
            Files.delete(blk.resolveSibling("1.idx"));
        }
        byte[] damaged = Files.readAllBytes(blk);
        long next;
        List<Long> got;
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream(stream).await(AWAIT);
            got = servedOf(s, before);
            assertThat(got).as("served").hasSize((int) served);
            assertThat(s.info().messages()).as("counted as served").isEqualTo(served);
            if (served > 0) {
                assertThat(got.get(0)).isEqualTo(firstServed);
                assertThat(s.info().firstSeq()).isEqualTo(firstServed);
            }
            if (idx) {
                assertThat(s.info().lastSeq()).isEqualTo(1000);
            }
            next = s.publish(stream.toLowerCase() + ".x", new byte[] {1}).seq();
            assertThat(next).isEqualTo(nextSeq);
        }
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream(stream).await(AWAIT);
            long published = next;
            assertThat(servedOf(s, before)).as("served at the next open").filteredOn(seq -> seq != published)
                    .containsExactlyElementsOf(got);
            assertThat(s.get(next)).as("the message published after the damage").isPresent();
            assertThat(s.info().messages()).isEqualTo(served + 1);
        }
        byte[] now = Files.readAllBytes(blk);
        assertThat(Arrays.equals(now, 0, Math.min(now.length, damaged.length), damaged, 0, damaged.length)
                && now.length >= damaged.length).as("the damaged block kept whole").isTrue();
    }

    /**
     * The first record's length flipped and no {@code .idx}: nothing is served (2.9.10 truncates the
     * block to 0 at its start and publishes 1 again), but the runtime never removes the damaged
     * bytes, which hold 999 intact records a repair can still copy out (found past the flipped
     * length byte by byte, RecordsPastDamage): the block stays whole, at the first open, its first
     * publish and the next open, and no sequence it holds is reused.
     */
    @org.junit.jupiter.api.Test
    void aBlockDamagedAtItsFirstLengthWithoutItsIdxIsKeptWhole() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path blk = store.resolve("jetstream/$G/streams/LIM1/msgs/1.blk");
        damage(blk, "LENGTH");
        Files.delete(blk.resolveSibling("1.idx"));
        byte[] damaged = Files.readAllBytes(blk);
        for (int open = 0; open < 2; open++) {
            try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
                JetStartStream s = rt.stream("LIM1").await(AWAIT);
                assertThat(s.publish("lim1.x", new byte[] {1}).seq()).as("above the records past the damage").isEqualTo(1001 + open);
                s.flush();
            }
            assertThat(blk).as("open %d", open).exists();
            assertThat(Files.readAllBytes(blk)).as("open %d", open).isEqualTo(damaged);
        }
    }

    /**
     * A delete in a block read by slot (message 1's sequence flipped to 1025, so its records do not
     * ascend): the message goes, at this open and the next, and every other one is still served.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"SEQUENCE 1 BIT 10", "PAYLOAD 1"})
    void aDeleteInABlockReadBySlotRemovesThatMessageAlone(String kind) throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path blk = store.resolve("jetstream/$G/streams/LIM1/msgs/1.blk");
        List<Long> before = liveSequences("LIM1");
        damage(blk, kind);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("LIM1").await(AWAIT);
            s.delete(500);
            assertThat(s.get(500)).isEmpty();
            assertThat(servedOf(s, before)).hasSize(988).doesNotContain(1L, 500L);
        }
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("LIM1").await(AWAIT);
            assertThat(servedOf(s, before)).hasSize(988).doesNotContain(1L, 500L);
            assertThat(s.info().messages()).isEqualTo(988);
        }
    }

    /**
     * What {@code jetstart repair} leaves where it cut away a 2.9 {@code .idx}'s last sequence: the
     * damaged block removed with its {@code .idx}, and an empty block 2 whose {@code .idx} says no
     * messages, first 1001, last 1000 (2.9.10 on these files: 0 messages, last 1000, publishes 1001,
     * DamagedLegacyBlockOnServerIT). The runtime keeps that last sequence at both opens.
     */
    @org.junit.jupiter.api.Test
    void anEmptyBlockWhoseIdxSaysTheLastSequenceKeepsItAtEveryOpen() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path msgs = store.resolve("jetstream/$G/streams/LIM1/msgs");
        long lastTs = io.jetstart.core.format.LegacyIndexCodec.decode(Files.readAllBytes(msgs.resolve("1.idx"))).lastTs();
        Files.delete(msgs.resolve("1.blk"));
        Files.delete(msgs.resolve("1.idx"));
        Files.write(msgs.resolve("2.idx"), io.jetstart.core.format.LegacyIndexCodec.encode(new io.jetstart.core.format.LegacyIndex(
                1, 0, 0, 1001, 0, 1000, lastTs, new io.jetstart.core.format.SequenceSet(), new byte[8], new long[0])));
        Files.write(msgs.resolve("2.blk"), new byte[0]);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("LIM1").await(AWAIT);
            assertThat(List.of(s.info().messages(), s.info().firstSeq(), s.info().lastSeq())).containsExactly(0L, 1001L, 1000L);
            assertThat(s.publish("lim1.x", new byte[] {1}).seq()).isEqualTo(1001);
            s.flush();
        }
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("LIM1").await(AWAIT);
            assertThat(List.of(s.info().messages(), s.info().firstSeq(), s.info().lastSeq())).containsExactly(1L, 1001L, 1001L);
            assertThat(s.get(1001)).isPresent();
            assertThat(s.publish("lim1.x", new byte[] {2}).seq()).isEqualTo(1002);
        }
    }

    /** The sequences the undamaged fixture serves. */
    private List<Long> liveSequences(String stream) throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", Files.createDirectories(tmp.resolve("clean")));
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            return servedOf(rt.stream(stream).await(AWAIT), null);
        }
    }

    /** As {@code DamagedLegacyBlockRepairTest} (recovery): {@code PAYLOAD <seq>} or {@code LENGTH} (the first record's). */
    private static void damage(Path blk, String kind) throws Exception {
        if (kind.startsWith("PAYLOAD ")) {
            StoreFaults.flipPayloadBit(blk, Long.parseLong(kind.substring("PAYLOAD ".length())));
        } else if (kind.startsWith("SEQUENCE ")) {
            String[] seqAndBit = kind.substring("SEQUENCE ".length()).split(" BIT ");
            StoreFaults.flipSequenceBit(blk, Long.parseLong(seqAndBit[0]), Integer.parseInt(seqAndBit[1]));
        } else {
            byte[] b = Files.readAllBytes(blk);
            b[0] ^= 2;
            Files.write(blk, b);
        }
    }

    private static List<Long> servedOf(JetStartStream s, List<Long> candidates) throws Exception {
        List<Long> out = new ArrayList<>();
        for (long seq = 1; seq <= 1000; seq++) {
            if ((candidates == null || candidates.contains(seq)) && s.get(seq).isPresent()) {
                out.add(seq);
            }
        }
        return out;
    }
}
