package io.jetstart.cli;

import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.recovery.repair.QuarantineEntry;
import io.jetstart.recovery.repair.Repair;
import io.jetstart.recovery.repair.RepairCheck;
import io.jetstart.recovery.repair.RepairLock;
import io.jetstart.recovery.repair.RepairPlan;
import io.jetstart.recovery.repair.RepairPlanner;
import io.jetstart.recovery.repair.RepairStep;
import io.jetstart.recovery.repair.StoreHolders;
import io.jetstart.recovery.repair.Undo;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart repair}: for each damaged stream, what nats-server would do at start-up (cut a bad
 * tail, remove an empty block, a bad index file or a consumer it would delete), every byte first
 * copied to a quarantine folder beside the store; then checks that the store reports the state it
 * reported before. {@code --undo QUARANTINE} puts every byte back.
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = "Make the smallest change after which nats-server starts with the state jetstart recover reports "
                + "and deletes nothing itself; every byte removed is first copied to a quarantine folder beside the store. "
                + "--undo puts them back.")
final class RepairCommand implements Callable<Integer> {
    /** A live process holds the store (EX_TEMPFAIL): try again once it is stopped. */
    static final int HELD = 75;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "STORE_DIR", description = "nats-server store_dir (or its jetstream/ folder)")
    Path dir;

    @Option(names = "--dry-run", description = "Print the plan and change nothing")
    boolean dryRun;

    @picocli.CommandLine.Mixin
    StreamSelection selection = new StreamSelection();

    @picocli.CommandLine.Mixin
    KeyOptions keys = new KeyOptions();

    @Option(names = "--undo", paramLabel = "QUARANTINE", description = "Put back every byte of this quarantine folder")
    Path undo;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((undo == null) == (dir == null)) {
            err.println("jetstart: give either STORE_DIR or --undo QUARANTINE");
            return Main.USAGE;
        }
        if (undo != null) {
            return undo(out, err);
        }
        if (!Files.isDirectory(dir)) {
            err.println("jetstart: " + dir + " is not a directory");
            return Main.NO_INPUT;
        }
        Integer badKey = keys.refuseIfBad(dir, err);
        if (badKey != null) {
            return badKey;
        }
        Integer unknown = selection.refuseUnknown(dir, err);
        if (unknown != null) {
            return unknown;
        }
        Set<String> streams = selection.names();
        Path root = Repair.storeRoot(dir);
        if (!dryRun && refuseIfHeld(root, err)) {
            return HELD;
        }
        if (dryRun && StoreHolders.find(root).held()) {
            // A dry run beside a writer said "nothing to repair" (exit 0), and the repair it
            // planned then refused with 75: say so with the plan.
            err.println("jetstart: note: a live process holds " + root + ": this plan is of the files as they are now, and the "
                    + "repair itself refuses (exit " + HELD + ") until that process stops");
        }
        if (dryRun) {
            return repair(root, streams, out, err);
        }
        // Taken before the plan: a repair that found another just finished applied its plan of the
        // files as they were before that one.
        switch (lock(root, err)) {
            case Lock.Refused r -> {
                return r.status();
            }
            case Lock.Held h -> {
                try (RepairLock held = h.lock()) {
                    return repair(root, streams, out, err);
                }
            }
        }
    }

    /** The store's repair lock, or the exit status of a refusal already said on stderr. */
    private sealed interface Lock {
        record Held(RepairLock lock) implements Lock {
        }

        record Refused(int status) implements Lock {
        }
    }

    private static Lock lock(Path root, PrintWriter err) {
        try {
            switch (RepairLock.tryTake(root)) {
                case RepairLock.Attempt.Taken t -> {
                    return new Lock.Held(t.lock());
                }
                case RepairLock.Attempt.Busy b when b.file().equals(RepairLock.file(root)) ->
                        err.println("jetstart: refusing to change " + root + ": another jetstart repair or undo of it is running"
                                + RepairLock.holder(root).map(pid -> " (pid " + pid + ")").orElse("") + ", holding " + b.file()
                                + "; run this once it has ended");
                case RepairLock.Attempt.Busy b -> err.println("jetstart: refusing to change " + root + ": a jetstart runtime holds "
                        + b.file() + "; close it first");
            }
            return new Lock.Refused(HELD);
        } catch (java.io.IOException e) {
            err.println("jetstart: cannot make the lock file beside " + root + ": " + ErrorText.of(e) + "; nothing changed "
                    + "(repair keeps its lock file and its quarantine folder in the store's parent folder)");
            return new Lock.Refused(Main.NO_INPUT);
        }
    }

    private int repair(Path root, Set<String> streams, PrintWriter out, PrintWriter err) throws Exception {
        RecoveryOptions opts = RecoveryOptions.defaults().withListener(RecoveryListener.NONE).withOnlyStreams(streams).withKey(keys.key);
        RecoveryReport before = StoreRecovery.recover(root, opts);
        RepairPlan plan = RepairPlanner.plan(before, streams);
        printPlan(plan, out);
        if (dryRun || plan.isEmpty()) {
            out.println(plan.isEmpty() ? "nothing to repair" : "dry run: nothing changed");
            out.flush();
            return plan.refused().isEmpty() ? Main.OK : Main.DAMAGED;
        }
        List<Path> readOnly = Repair.notWritable(plan);
        if (!readOnly.isEmpty()) {
            err.println("jetstart: cannot repair " + root + ": not writable by this process: " + String.join(", ",
                    readOnly.stream().limit(5).map(Path::toString).toList()) + (readOnly.size() > 5 ? " and " + (readOnly.size() - 5)
                    + " more" : "") + "; nothing changed (a read-only mount, or run as the store's owner)");
            return Main.NO_INPUT;
        }
        Path quarantine;
        try {
            quarantine = Repair.newQuarantineFolder(root, Instant.now());
        } catch (java.io.IOException e) {
            err.println("jetstart: cannot make the quarantine folder beside " + root + ": " + ErrorText.of(e)
                    + "; nothing changed (repair keeps every byte it takes there, in the store's parent folder)");
            return Main.NO_INPUT;
        }
        // Named before the first byte moves: a repair stopped part-way (Ctrl-C, kill -9) printed the
        // plan and then nothing, and the operator had to find the folder to undo it.
        out.println("quarantine: " + quarantine + " (undo: jetstart repair --undo " + quarantine + ")");
        out.flush();
        // Ctrl-C or SIGTERM: finish the change in hand, start no other, say what is done and what is
        // left. The JVM's own exit (130) came in the middle of a change and said nothing.
        AtomicBoolean stop = new AtomicBoolean();
        try (ReportOnShutdown shutdown = ReportOnShutdown.install(() -> stop.set(true))) {
            int status = applyAndCheck(plan, root, quarantine, before, opts, stop, out, err);
            out.flush();
            err.flush();
            shutdown.finished(status);
            return status;
        }
    }

    private int applyAndCheck(RepairPlan plan, Path root, Path quarantine, RecoveryReport before, RecoveryOptions opts,
                              AtomicBoolean stop, PrintWriter out, PrintWriter err) throws Exception {
        Repair.Applied applied;
        try {
            applied = Repair.apply(plan, root, quarantine, stop::get);
        } catch (java.io.IOException e) {
            err.println("jetstart: repair stopped: " + ErrorText.of(e));
            err.println("jetstart: what was done is in " + quarantine + "; `jetstart repair --undo " + quarantine + "` puts it back");
            return Main.FAILED;
        }
        List<QuarantineEntry> entries = applied.entries();
        if (applied.stepsDone() < plan.steps().size()) {
            err.println("jetstart: repair stopped by a signal after " + applied.stepsDone() + " of " + plan.steps().size()
                    + " changes, each whole (" + entries.size() + " entries in " + quarantine + ")");
            err.println("jetstart: `jetstart repair " + root + "` run again does the rest; `jetstart repair --undo " + quarantine
                    + "` puts back what was done");
            return Main.CANCELLED;
        }
        RecoveryReport after = StoreRecovery.recover(root, opts);
        Set<String> refusedStreams = new HashSet<>();
        plan.refused().forEach(r -> refusedStreams.add(r.stream()));
        List<String> broken = RepairCheck.broken(before, after, refusedStreams);
        if (!broken.isEmpty()) {
            broken.forEach(b -> err.println("jetstart: after repair: " + b));
            err.println("jetstart: the repair did not give the state jetstart reported before; `jetstart repair --undo "
                    + quarantine + "` puts every byte back");
            out.flush();
            return Main.FAILED;
        }
        out.println("repaired: jetstart recover reports the same state as before for every stream, and nothing is left "
                + "that nats-server would delete at start-up" + (plan.refused().isEmpty() ? "" : " (except the refused streams)")
                + "; " + entries.size() + " entries in the quarantine");
        return plan.refused().isEmpty() ? Main.OK : Main.DAMAGED;
    }

    private int undo(PrintWriter out, PrintWriter err) throws Exception {
        if (!Files.isDirectory(undo)) {
            err.println("jetstart: " + undo + " is not a directory");
            return Main.NO_INPUT;
        }
        Undo.Result r;
        try {
            Path store = Undo.store(undo);
            if (refuseIfHeld(store, err)) {
                return HELD;
            }
            if (!Files.isDirectory(store)) {
                r = Undo.undo(undo); // says the store is gone
            } else {
                switch (lock(store, err)) {
                    case Lock.Refused refused -> {
                        return refused.status();
                    }
                    case Lock.Held h -> {
                        try (RepairLock held = h.lock()) {
                            r = Undo.undo(undo);
                        }
                    }
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Jackson's own message is two lines and names no file.
            err.println("jetstart: undo: " + undo.resolve("manifest.json") + ": not a readable manifest: " + e.getOriginalMessage());
            return Main.FAILED;
        } catch (java.io.IOException e) {
            err.println("jetstart: undo: " + ErrorText.of(e));
            return Main.FAILED;
        }
        r.restored().forEach(l -> out.println("restored " + l));
        r.alreadyInPlace().forEach(l -> out.println("already in place: " + l));
        out.println("undone: " + r.store() + " holds every byte it held before the repair (" + undo + " is kept; delete it yourself)");
        out.flush();
        return Main.OK;
    }

    private static boolean refuseIfHeld(Path root, PrintWriter err) {
        StoreHolders.Result held = StoreHolders.find(root);
        held.notes().forEach(n -> err.println("jetstart: note: " + n));
        if (!held.held()) {
            return false;
        }
        err.println("jetstart: refusing to change " + root + ": a live process holds it");
        held.holders().forEach(h -> err.println("jetstart:   " + h.description()));
        err.println("jetstart: stop it first (a server cutting or rewriting the files under a repair would lose data)");
        return true;
    }

    private static void printPlan(RepairPlan plan, PrintWriter out) {
        if (!plan.steps().isEmpty()) {
            out.println("plan (" + plan.steps().size() + " changes, every byte copied to the quarantine first):");
            for (RepairStep s : plan.steps()) {
                out.println("  " + s.stream() + ": " + s.describe());
            }
        }
        for (RepairPlan.Refusal r : plan.refused()) {
            out.println("refused: " + r);
        }
        for (String n : plan.notes()) {
            out.println("left alone: " + n);
        }
    }
}
