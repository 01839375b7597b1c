package io.jetstart.recovery.repair;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.ServerAction;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.testing.StoreFaults;
import io.jetstart.recovery.RecoveryReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repair stopped part-way (kill -9, a power cut: every step before the stop done, none after it),
 * then run again, as an operator does: the second run ends with exactly the files one uninterrupted
 * repair leaves, and undoing both quarantines, newest first, gives back every byte of the damaged store.
 */
class InterruptedRepairTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> aRepairStoppedAfterAnyStepAndRunAgainEndsAsOneUninterruptedRepair() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String fixture : Fixtures.SMALL) {
            int steps = RepairPlanner.plan(RepairTest.recover(damaged(fixture, tmp.resolve("count-" + fixture))), Set.of()).steps().size();
            for (int done = 0; done < steps; done++) {
                int k = done;
                tests.add(DynamicTest.dynamicTest(fixture + " stopped after " + k + " of " + steps + " steps",
                        () -> stopAfterThenRerun(fixture, k)));
            }
        }
        return tests.stream();
    }

    private void stopAfterThenRerun(String fixture, int done) throws Exception {
        Path whole = damaged(fixture, tmp.resolve(fixture + "-" + done + "-whole"));
        RecoveryReport wholeBefore = RepairTest.recover(whole);
        Repair.apply(RepairPlanner.plan(wholeBefore, Set.of()), whole, Repair.newQuarantineFolder(whole, Instant.now()));

        Path store = damaged(fixture, tmp.resolve(fixture + "-" + done + "-stopped"));
        Map<String, String> damagedBytes = Fixtures.digests(store);
        RecoveryReport before = RepairTest.recover(store);
        RepairPlan plan = RepairPlanner.plan(before, Set.of());
        String ctx = fixture + ", stopped after " + done + " steps of " + plan.steps().stream()
                .map(s -> s.getClass().getSimpleName() + " " + store.relativize(s.target())).toList();
        Path first = Repair.newQuarantineFolder(store, Instant.EPOCH);
        Repair.apply(new RepairPlan(plan.steps().subList(0, done), List.of(), List.of()), store, first);

        RepairPlan rest = RepairPlanner.plan(RepairTest.recover(store), Set.of());
        Path second = Repair.newQuarantineFolder(store, Instant.EPOCH.plusSeconds(1));
        Repair.apply(rest, store, second);

        RecoveryReport after = RepairTest.recover(store);
        assertThat(RepairCheck.broken(before, after, Set.of())).as(ctx).isEmpty();
        assertThat(after.streams()).as("%s: every tombstone the server would write is on disk", ctx)
                .allSatisfy(s -> assertThat(s.problems()).noneMatch(p -> p.serverAction() == ServerAction.WRITE_TOMBSTONE));
        assertThat(Fixtures.digests(store)).as("%s: the same files as one uninterrupted repair", ctx).isEqualTo(Fixtures.digests(whole));

        Undo.undo(second);
        Undo.undo(first);
        assertThat(Fixtures.digests(store)).as("%s: both undone, every byte is back", ctx).isEqualTo(damagedBytes);
    }

    /**
     * A consumer folder's meta.inf is the first file its removal takes: a stop right after it leaves
     * a folder nats-server skips, not a consumer it loads without its delivery state.
     */
    @Test
    void aConsumerFolderLosesItsMetaInfFirst() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-small", tmp);
        Path oDat = StoreFaults.O_DAT_BAD_MAGIC.apply(store.resolve("jetstream/$G/streams/INT1"));
        RepairPlan plan = RepairPlanner.plan(RepairTest.recover(store), Set.of());
        assertThat(plan.steps()).singleElement().isInstanceOf(RepairStep.RemoveDirectory.class);

        List<QuarantineEntry> entries = Repair.apply(plan, store, Repair.newQuarantineFolder(store, Instant.now()));

        String consumer = store.relativize(oDat.getParent()).toString();
        assertThat(entries).extracting(QuarantineEntry::file)
                .containsExactly(consumer + "/meta.inf", consumer + "/o.dat", consumer + "/meta.sum", consumer);
    }

    /**
     * Killed while writing the tombstone block it adds (created new, named in the manifest first):
     * the block is empty or cut, and undo still puts every byte back. It stopped at that entry, the
     * newest, and so restored nothing.
     */
    @Test
    void undoRemovesAnAddedBlockTheKillLeftEmptyOrCut() throws Exception {
        for (int kept : new int[] {0, 10}) {
            Path store = Fixtures.copyStore("nats-2.10.27-small", Files.createDirectories(tmp.resolve("cut-" + kept)));
            StoreFaults.BLOCK_TAIL_TORN.apply(store.resolve("jetstream/$G/streams/MAX1"));
            Map<String, String> damagedBytes = Fixtures.digests(store);
            RepairPlan plan = RepairPlanner.plan(RepairTest.recover(store), Set.of());
            RepairStep add = plan.steps().get(0);
            assertThat(add).isInstanceOf(RepairStep.AddTombstoneBlock.class);
            Path quarantine = Repair.newQuarantineFolder(store, Instant.now());
            Repair.apply(new RepairPlan(List.of(add), List.of(), List.of()), store, quarantine);
            try (var ch = java.nio.channels.FileChannel.open(add.target(), java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(kept);
            }

            Undo.undo(quarantine);

            assertThat(Fixtures.digests(store)).as("%d bytes of the added block written", kept).isEqualTo(damagedBytes);
        }
    }

    /**
     * An undo killed while it wrote bytes back (a cut block half appended again, a removed file half
     * copied back): run again, it finishes, and every byte is back. It stopped at the half-written
     * file as "changed since the repair" and could never finish.
     */
    @Test
    void anUndoStoppedWhileWritingBackFinishesWhenRunAgain() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-small", Files.createDirectories(tmp.resolve("undo")));
        Path streams = store.resolve("jetstream/$G/streams");
        Path block = StoreFaults.BLOCK_MIDDLE_FLIP.apply(streams.resolve("MAX1"));
        Path garbage = StoreFaults.GARBAGE_BLOCK.apply(streams.resolve("LIM1"));
        Map<String, String> damagedBytes = Fixtures.digests(store);
        byte[] blockBytes = Files.readAllBytes(block);
        byte[] garbageBytes = Files.readAllBytes(garbage);
        RepairPlan plan = RepairPlanner.plan(RepairTest.recover(store), Set.of());
        Path quarantine = Repair.newQuarantineFolder(store, Instant.now());
        Repair.apply(plan, store, quarantine);
        long cutAt = Files.size(block);
        assertThat(cutAt).isLessThan(blockBytes.length);
        assertThat(garbage).doesNotExist();

        // What the killed undo left: part of each file written back.
        Files.write(block, java.util.Arrays.copyOfRange(blockBytes, (int) cutAt, (int) cutAt + (blockBytes.length - (int) cutAt) / 2),
                java.nio.file.StandardOpenOption.APPEND);
        Files.write(garbage, java.util.Arrays.copyOf(garbageBytes, garbageBytes.length / 2));
        Undo.undo(quarantine);

        assertThat(Fixtures.digests(store)).isEqualTo(damagedBytes);
    }

    /** Three streams damaged at once: a torn tail (a cut and a tombstone), a bad record mid-block, and a consumer the server deletes. */
    private static Path damaged(String fixture, Path into) throws Exception {
        Path store = Fixtures.copyStore(fixture, Files.createDirectories(into));
        Path streams = store.resolve("jetstream/$G/streams");
        StoreFaults.BLOCK_TAIL_TORN.apply(streams.resolve("MAX1"));
        StoreFaults.BLOCK_MIDDLE_FLIP.apply(streams.resolve("LIM1"));
        StoreFaults.O_DAT_BAD_MAGIC.apply(streams.resolve("INT1"));
        return store;
    }
}
