package io.jetstart.recovery.repair;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.LegacyIndexCodec;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.ServerAction;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.testing.StoreFaults;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StreamReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A damaged 2.9 block (one of {@code nats-2.9.10-small}'s, in its first record or a middle one),
 * with its {@code .idx} and without: recovery reports what nats-server 2.9.10 serves on those files
 * and repair cuts nothing it would serve (measured: {@code DamagedLegacyBlockOnServerIT}). With the
 * {@code .idx}, a bad checksum leaves the block read through the {@code .idx}, every other message
 * served and the file as it is; a flipped length has 2.9.10 truncate the block at the damage on its
 * first read, and without the {@code .idx} it truncates it at its start: there repair plans that cut
 * (a removal when nothing is left before the damage), and where that cuts away the {@code .idx}'s
 * last sequence, an empty block whose {@code .idx} keeps it (a 2.9 server takes a tombstone for a
 * message).
 */
class DamagedLegacyBlockRepairTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} {1}, .idx {2}: {3} messages {4}..{5}, lost {6}, block {7}, repair {8} {9}")
    @CsvSource({
            // stream, damage, .idx kept, messages, first, last, lost, the block's action, repair's plan for the block,
            // the block it adds
            "LIM1, PAYLOAD 1,   true,  989, 2,    1000, 1,   NONE,           nothing,",
            "LIM1, PAYLOAD 500, true,  989, 1,    1000, 500, NONE,           nothing,",
            "MAX1, PAYLOAD 201, true,  799, 202,  1000, 201, NONE,           nothing,",
            "INT1, PAYLOAD 302, true,  684, 303,  1000, 302, NONE,           nothing,",
            "INT1, PAYLOAD 1,   true,  685, 302,  1000, '',  NONE,           nothing,",
            // The .idx's last sequence past what the rebuild keeps: an empty block and its .idx keep it.
            "LIM1, LENGTH,      true,  0,   1001, 1000, '',  TRUNCATE_BLOCK, removed, empty block 2",
            "LIM1, LENGTH 500,  true,  494, 1,    1000, '',  TRUNCATE_BLOCK, cut at 68106, empty block 2",
            // A flipped sequence fails the checksum too, and 2.9.10 finds the record by its slot: up
            // past the .idx's last, down to 0, the erase bit, in the first record or a middle one.
            "LIM1, SEQUENCE 1 BIT 10,   true, 989, 2, 1000, 1,   NONE, nothing,",
            "LIM1, SEQUENCE 1 BIT 0,    true, 989, 2, 1000, 1,   NONE, nothing,",
            "LIM1, SEQUENCE 1 BIT 63,   true, 989, 2, 1000, 1,   NONE, nothing,",
            "LIM1, SEQUENCE 500 BIT 10, true, 989, 1, 1000, 500, NONE, nothing,",
            "LIM1, SEQUENCE 500 BIT 2,  true, 989, 1, 1000, 500, NONE, nothing,",
            // MAX1's first record is below its .idx's first (201): flipped, 2.9.10's slots all move by
            // one and it serves none of the 800 it reports.
            "MAX1, SEQUENCE 1 BIT 10,   true, 0, 1001, 1000, '', TRUNCATE_BLOCK, removed, empty block 2",
            "LIM1, SEQUENCE 1 BIT 10,   false, 0, 0, 0, '', TRUNCATE_BLOCK, removed,",
            "LIM1, SEQUENCE 1 BIT 0,    false, 0, 0, 0, '', TRUNCATE_BLOCK, removed,",
            "LIM1, PAYLOAD 1,   false, 0,   0,    0,    '',  TRUNCATE_BLOCK, removed,",
            "LIM1, PAYLOAD 500, false, 494, 1,    499,  '',  TRUNCATE_BLOCK, cut at 68106,",
    })
    void recoveryReportsWhatTheServerServesAndRepairCutsNothingItServes(String stream, String damage, boolean idx, long messages,
                                                                       long first, long last, String lost, ServerAction action,
                                                                       String repair, String adds) throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path msgs = store.resolve("jetstream/$G/streams/" + stream + "/msgs");
        Path blk = msgs.resolve("1.blk");
        damage(blk, damage);
        if (!idx) {
            Files.delete(msgs.resolve("1.idx"));
        }
        byte[] damaged = Files.readAllBytes(blk);

        RecoveryReport report = RepairTest.recover(store);
        StreamReport s = report.streams().stream().filter(r -> r.name().equals(stream)).findFirst().orElseThrow();
        StreamState st = s.state();
        String ctx = stream + " " + damage + " " + s.problems();
        assertThat(List.of(st.messages(), st.firstSeq(), st.lastSeq())).as(ctx).containsExactly(messages, first, last);
        assertThat(Arrays.stream(st.lost().msgs()).boxed().toList()).as(ctx)
                .isEqualTo(lost.isEmpty() ? List.of() : List.of(Long.parseLong(lost)));
        Problem onBlock = s.problems().stream().filter(p -> blk.equals(p.file())).findFirst().orElseThrow();
        assertThat(onBlock.severity()).as(ctx).isEqualTo(Problem.Severity.DAMAGE);
        assertThat(onBlock.serverAction()).as(ctx).isEqualTo(action);

        RepairPlan plan = RepairPlanner.plan(report, Set.of());
        List<RepairStep> onTheBlock = plan.steps().stream().filter(step -> step.target().equals(blk)).toList();
        switch (repair) {
            case "nothing" -> {
                assertThat(onTheBlock).as("%s: %s", ctx, plan).isEmpty();
                assertThat(s.problems()).as(ctx).noneMatch(p -> p.serverAction() == ServerAction.TRUSTS_INDEX);
            }
            case "removed" -> assertThat(onTheBlock).as("%s: %s", ctx, plan).singleElement().isInstanceOf(RepairStep.RemoveFile.class);
            default -> {
                long cut = Long.parseLong(repair.substring("cut at ".length()));
                assertThat(onTheBlock).as("%s: %s", ctx, plan).singleElement().isInstanceOf(RepairStep.Truncate.class)
                        .isEqualTo(new RepairStep.Truncate(blk, cut, damaged.length - cut, "$G > " + stream,
                                ((RepairStep.Truncate) onTheBlock.get(0)).reason()));
            }
        }
        assertThat(Files.readAllBytes(blk)).as("recovery changes nothing").isEqualTo(damaged);
        assertThat(plan.refused()).as("%s: %s", ctx, plan).isEmpty();
        // A 2.9 server reads no tombstone (2.9.10 took one for a message of sequence 2^62 + 1000): the
        // .idx's last sequence, where the blocks lost it, is kept by an empty block and its .idx.
        List<RepairStep> added = plan.steps().stream().filter(step -> !Files.exists(step.target())).toList();
        if (adds == null) {
            assertThat(added).as("%s: %s", ctx, plan).isEmpty();
        } else {
            Path newBlock = msgs.resolve(adds.substring("empty block ".length()) + ".blk");
            assertThat(added).as("%s: %s", ctx, plan).singleElement().isEqualTo(new RepairStep.AddEmptyLegacyBlock(newBlock, last,
                    st.lastTs(), "$G > " + stream, added.get(0).reason()));
        }
    }

    /**
     * The repair where the blocks lost the {@code .idx}'s last sequence, applied: recovery reports
     * the state it reported before (what 2.9.10 reports on the repaired files, DamagedLegacyBlockOnServerIT),
     * the quarantine's manifest lists the two files added, and undo puts every byte back. Without the
     * new {@code .idx} the empty block keeps nothing, and the last sequence is the records' again.
     */
    @ParameterizedTest(name = "{0}: {1} messages, first {2}, last 1000 after the repair")
    @CsvSource({"LENGTH, 0, 1001", "LENGTH 500, 494, 1"})
    void anEmptyBlockKeepsThe29LastSequenceAndUndoPutsEveryByteBack(String damage, long messages, long first) throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path msgs = store.resolve("jetstream/$G/streams/LIM1/msgs");
        damage(msgs.resolve("1.blk"), damage);
        Map<String, String> damaged = Fixtures.digests(store);
        RecoveryReport before = RepairTest.recover(store);
        RepairPlan plan = RepairPlanner.plan(before, Set.of());
        Path quarantine = Repair.newQuarantineFolder(store, Instant.now());

        List<QuarantineEntry> entries = Repair.apply(plan, store, quarantine);

        assertThat(entries).as("%s", plan).filteredOn(e -> e.op().equals("add")).extracting(QuarantineEntry::file)
                .containsExactly("jetstream/$G/streams/LIM1/msgs/2.idx", "jetstream/$G/streams/LIM1/msgs/2.blk");
        assertThat(msgs.resolve("2.blk")).isEmptyFile();
        LegacyIndex idx = LegacyIndexCodec.decode(Files.readAllBytes(msgs.resolve("2.idx")));
        assertThat(List.of(idx.msgs(), idx.firstSeq(), idx.lastSeq())).containsExactly(0L, 1001L, 1000L);
        RecoveryReport after = RepairTest.recover(store);
        StreamState st = after.streams().stream().filter(r -> r.name().equals("LIM1")).findFirst().orElseThrow().state();
        assertThat(List.of(st.messages(), st.firstSeq(), st.lastSeq())).containsExactly(messages, first, 1000L);
        assertThat(RepairCheck.broken(before, after, Set.of())).as("the state recover reported before").isEmpty();

        Files.copy(msgs.resolve("2.idx"), tmp.resolve("2.idx"));
        Files.delete(msgs.resolve("2.idx"));
        assertThat(RepairTest.recover(store).streams().stream().filter(r -> r.name().equals("LIM1")).findFirst().orElseThrow()
                .state().lastSeq()).as("the empty block without its .idx").isLessThan(1000L);
        Files.copy(tmp.resolve("2.idx"), msgs.resolve("2.idx"));

        assertThat(Undo.undo(quarantine).restored()).hasSize(entries.size());
        assertThat(Fixtures.digests(store)).as("undo puts every byte back").isEqualTo(damaged);
    }

    /**
     * No record damaged, but LIM1's {@code .idx} (its checksum still the block's) says last 1005 over
     * records 1..1000: 2.9.10 takes the {@code .idx} and reports 990 messages, last 1005
     * (DamagedLegacyBlockOnServerIT), so recovery keeps that last; the repair removes the
     * {@code .idx} jetstart does not use and touches no block, and the empty block 2 and its
     * {@code .idx} keep 1005, where without them 2.9.10 started again after 1000 (and 1.idx alone
     * in the quarantine lost it).
     */
    @org.junit.jupiter.api.Test
    void anIdxLastPastItsIntactBlocksRecordsIsKeptByAnEmptyBlockWhenTheRepairRemovesOnlyThatIdx() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path msgs = store.resolve("jetstream/$G/streams/LIM1/msgs");
        LegacyIndex real = LegacyIndexCodec.decode(Files.readAllBytes(msgs.resolve("1.idx")));
        Files.write(msgs.resolve("1.idx"), LegacyIndexCodec.encode(new LegacyIndex(real.version(), real.msgs(), real.bytes(),
                real.firstSeq(), real.firstTs(), 1005, real.lastTs(), real.deleted(), real.lastChecksum(), real.deletedFileOrder())));
        Map<String, String> before = Fixtures.digests(store);

        RecoveryReport report = RepairTest.recover(store);
        StreamReport s = report.streams().stream().filter(r -> r.name().equals("LIM1")).findFirst().orElseThrow();
        StreamState st = s.state();
        assertThat(List.of(st.messages(), st.firstSeq(), st.lastSeq())).as("%s", s.problems()).containsExactly(990L, 1L, 1005L);
        assertThat(s.problems()).extracting(Problem::serverAction).containsExactlyInAnyOrder(ServerAction.TRUSTS_INDEX,
                ServerAction.WRITE_TOMBSTONE);

        RepairPlan plan = RepairPlanner.plan(report, Set.of());

        assertThat(plan.refused()).isEmpty();
        assertThat(plan.steps()).as("%s", plan).hasSize(2);
        // The block that keeps the last sequence first: a repair stopped between the two leaves it kept.
        assertThat(plan.steps().get(0)).isEqualTo(new RepairStep.AddEmptyLegacyBlock(msgs.resolve("2.blk"), 1005, st.lastTs(),
                "$G > LIM1", plan.steps().get(0).reason()));
        assertThat(plan.steps().get(1)).isInstanceOf(RepairStep.RemoveFile.class);
        assertThat(plan.steps().get(1).target()).isEqualTo(msgs.resolve("1.idx"));
        Path quarantine = Repair.newQuarantineFolder(store, Instant.now());
        List<QuarantineEntry> entries = Repair.apply(plan, store, quarantine);
        assertThat(msgs.resolve("1.blk")).as("the block as it was").exists();
        LegacyIndex added = LegacyIndexCodec.decode(Files.readAllBytes(msgs.resolve("2.idx")));
        assertThat(List.of(added.msgs(), added.firstSeq(), added.lastSeq())).containsExactly(0L, 1006L, 1005L);
        RecoveryReport after = RepairTest.recover(store);
        StreamState repaired = after.streams().stream().filter(r -> r.name().equals("LIM1")).findFirst().orElseThrow().state();
        assertThat(List.of(repaired.messages(), repaired.firstSeq(), repaired.lastSeq())).containsExactly(990L, 1L, 1005L);
        assertThat(RepairCheck.broken(report, after, Set.of())).as("the state recover reported before").isEmpty();

        assertThat(Undo.undo(quarantine).restored()).hasSize(entries.size());
        assertThat(Fixtures.digests(store)).as("undo puts every byte back").isEqualTo(before);
    }

    /**
     * Seeded random damage to a 2.9.10 fixture block (a bit flipped anywhere or in the last 300
     * bytes, several flipped, the file cut short; LIM1, MAX1, INT1 in turn): wherever recovery keeps
     * a last sequence the blocks lost (WRITE_TOMBSTONE), the plan keeps it with the empty block and
     * its {@code .idx}, and after the repair recovery reports the state it reported before. The
     * rounds with such a last are counted, so the test cannot pass on none.
     */
    @org.junit.jupiter.api.Test
    void wherever29KeepsALastTheBlocksLostTheRepairKeepsItWithAnEmptyBlock() throws Exception {
        long seed = 7;
        java.util.Random rnd = new java.util.Random(seed);
        Path clean = Fixtures.copyStore("nats-2.9.10-small", tmp.resolve("clean"));
        int kept = 0;
        for (int round = 0; round < 120; round++) {
            String stream = new String[] {"LIM1", "MAX1", "INT1"}[round % 3];
            Path store = tmp.resolve("r" + round);
            Fixtures.copyTree(clean, store);
            Path blk = store.resolve("jetstream/$G/streams/" + stream + "/msgs/1.blk");
            byte[] b = Files.readAllBytes(blk);
            int kind = rnd.nextInt(4);
            if (kind == 1) {
                b = Arrays.copyOf(b, b.length - 1 - rnd.nextInt(400));
            } else {
                for (int i = kind == 3 ? 1 + rnd.nextInt(8) : 1; i > 0; i--) {
                    int at = kind == 2 ? b.length - 1 - rnd.nextInt(300) : rnd.nextInt(b.length);
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            Files.write(blk, b);
            String ctx = "seed " + seed + " round " + round + " " + stream;
            RecoveryReport before = RepairTest.recover(store);
            StreamReport s = before.streams().stream().filter(r -> r.name().equals(stream)).findFirst().orElseThrow();
            if (s.problems().stream().noneMatch(p -> p.serverAction() == ServerAction.WRITE_TOMBSTONE)) {
                continue;
            }
            kept++;
            RepairPlan plan = RepairPlanner.plan(before, Set.of());
            assertThat(plan.steps()).as("%s: %s", ctx, plan).anySatisfy(step -> assertThat(step)
                    .isInstanceOfSatisfying(RepairStep.AddEmptyLegacyBlock.class, a -> assertThat(a.lastSeq()).isEqualTo(s.state().lastSeq())));
            Repair.apply(plan, store, Repair.newQuarantineFolder(store, Instant.now()));
            assertThat(RepairCheck.broken(before, RepairTest.recover(store), Set.of())).as(ctx).isEmpty();
        }
        assertThat(kept).as("seed %d: rounds where recovery kept a last the blocks lost", seed).isPositive();
    }

    /**
     * The damage kinds measured on 2.9.10: {@code PAYLOAD <seq>} flips a payload bit of that message's
     * record (its checksum fails, its length and sequence hold); {@code LENGTH} puts the first record's
     * length 2 bytes off (still plausible, every record after it misframed), {@code LENGTH <seq>} that
     * message's; {@code SEQUENCE <seq> BIT <n>} flips bit n of that message's sequence (its checksum,
     * which covers the sequence, fails).
     */
    static void damage(Path blk, String kind) throws Exception {
        if (kind.startsWith("PAYLOAD ")) {
            StoreFaults.flipPayloadBit(blk, Long.parseLong(kind.substring("PAYLOAD ".length())));
        } else if (kind.startsWith("SEQUENCE ")) {
            String[] seqAndBit = kind.substring("SEQUENCE ".length()).split(" BIT ");
            StoreFaults.flipSequenceBit(blk, Long.parseLong(seqAndBit[0]), Integer.parseInt(seqAndBit[1]));
        } else if (kind.equals("LENGTH")) {
            byte[] b = Files.readAllBytes(blk);
            b[0] ^= 2;
            Files.write(blk, b);
        } else if (kind.startsWith("LENGTH ")) {
            StoreFaults.flipLengthBit(blk, Long.parseLong(kind.substring("LENGTH ".length())));
        } else {
            throw new IllegalArgumentException(kind);
        }
    }
}
