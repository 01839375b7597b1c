package io.jetstart.recovery;

import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.LineChoice;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.lines.ServerLineDetector;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * The start of a run whose {@link RecoveryOptions#firstStreams} name streams of the store: those
 * start at once, each on its task, while a task of the same group (the thread {@code discovery})
 * discovers the store, detects its line and then (once every named stream has ended, as the others
 * wait for the first ones) recovers the other streams as the plain start does.
 *
 * <p>Design note: a named stream's directory is known from its name, so it needs neither the
 * store's listing nor its block stats; and it needs the store's line only where its own files do
 * not decide what it recovers ({@link StreamLine}). Discovery starts once every named stream has
 * ended, or as soon as one waits for the store's line: beside a named stream it only took its CPU
 * (docs/benchmarks-passes.md). The named streams' events are held back until discovery's
 * {@code RecoveryStarted}. A close() interrupts the whole group, discovery included, which still
 * runs to its end (a stat pass) so that the report names every stream, cancelled.
 *
 * <p>The same start serves a small-first run without names ({@link #runSmall}): the streams that
 * {@code StoreLayout.findSmall} shows the plan surely takes as small (1 % of the store's bytes
 * known before discovery covers them) start as named ones would, with what the plain start gives a
 * first stream (its own size's record checksum, the gate's first lane, the consumers' runner the
 * store's stream count calls for), and the rest of the plan chooses its small streams from what
 * remains of the whole store's share. On the open bench's store {@code SMALL} is last by name, so
 * without this it waited for a stat of every block of the big streams (docs/benchmarks-passes.md,
 * "Per-stream readiness", ninth pass).
 */
final class NamedFirstStart {
    private final RecoveryRun run;
    private final Path storeDir;
    private final List<StoreLayout.Found> named;
    /** The store's line, for the named streams that wait for it. */
    private final CompletableFuture<ServerLine> storeLine = new CompletableFuture<>();
    /** What the discovery task found and did, completed once by it. */
    private final CompletableFuture<Rest> rest = new CompletableFuture<>();
    private final CountDownLatch namedDone;
    /** Discovery starts once every named stream has ended, or as soon as one waits for the store's line. */
    private final CountDownLatch discoveryGo = new CountDownLatch(1);
    /** The early streams are the store's small ones ({@link #runSmall}), not named ones. */
    private final StoreLayout.Small small;

    private NamedFirstStart(RecoveryRun run, Path storeDir, List<StoreLayout.Found> named, StoreLayout.Small small) {
        this.run = run;
        this.storeDir = storeDir;
        this.named = named;
        this.namedDone = new CountDownLatch(named.size());
        this.small = small;
    }

    /** Whether a run may start its small streams this way: parallel, small-first, no stream named first. */
    static boolean smallApplies(RecoveryRun run) {
        return !run.sequential() && run.options.smallFirst() && run.options.firstStreams().isEmpty();
    }

    /**
     * The small streams the small-first plan surely chooses ({@code StoreLayout.findSmall} with
     * {@link FirstStreams}' rule, within {@link RecoveryOptions#onlyStreams}); none when the store
     * cannot be looked into that way (discovery then says why).
     */
    static StoreLayout.Small findSmall(Path storeDir, DiskGate io, RecoveryOptions options) {
        try {
            return StoreLayout.findSmall(storeDir, io, options.onlyStreams(), FirstStreams.SMALL_MAX_BYTES,
                    FirstStreams.SMALL_SHARE_PERCENT);
        } catch (IOException e) {
            return StoreLayout.Small.NONE;
        }
    }

    /** Recovers the store, {@code small}'s streams (from {@link #findSmall}, not empty) first. */
    static RecoveryReport runSmall(RecoveryRun run, Path storeDir, StoreLayout.Small small)
            throws IOException, InterruptedException {
        return new NamedFirstStart(run, storeDir, small.streams(), small).run();
    }

    /**
     * The named first streams of the store ({@link RecoveryOptions#firstStreams}, within
     * {@link RecoveryOptions#onlyStreams}), found without discovering the rest; none when the
     * store cannot be looked into that way (discovery then says why, as without names).
     */
    static List<StoreLayout.Found> find(Path storeDir, DiskGate io, RecoveryOptions options) {
        try {
            List<StoreLayout.Found> found = new ArrayList<>(StoreLayout.findNamed(storeDir, io, options.firstStreams()));
            if (options.onlyStreams().isEmpty()) {
                return found;
            }
            List<StoreLayout.Found> kept = new ArrayList<>(found.size());
            for (StoreLayout.Found f : found) {
                if (options.onlyStreams().contains(f.stream().name())) {
                    kept.add(f);
                }
            }
            return kept;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Recovers the store, {@code named} (from {@link #find}, not empty) first. */
    static RecoveryReport run(RecoveryRun run, Path storeDir, List<StoreLayout.Found> named)
            throws IOException, InterruptedException {
        return new NamedFirstStart(run, storeDir, named, null).run();
    }

    /** What became of discovery and of the streams it started. */
    private sealed interface Rest {
        /** Discovered, the line detected, and every other stream reported. */
        record Recovered(StoreLayout layout, LineChoice lineChoice, RecordHashSource hashes, List<StreamReport> reports)
                implements Rest {
        }

        /** The store itself could not be listed (as discovery fails without names). */
        record Unreadable(IOException failure) implements Rest {
        }

        /** Interrupted again and again while discovering: nothing is known of the other streams. */
        record Undiscovered() implements Rest {
        }

        /** Discovery or the line detection failed unexpectedly (a bug, or a runtime error): the run fails. */
        record Broken(RuntimeException error) implements Rest {
        }
    }

    private RecoveryReport run() throws IOException, InterruptedException {
        run.events.holdUntilStarted();
        DiskGate ioFirst = run.ahead();
        List<StreamDir> streams = new ArrayList<>(named.size());
        for (StoreLayout.Found f : named) {
            streams.add(f.stream());
        }
        RecoveryRun.StreamSlots slots = run.new StreamSlots(streams);
        List<TaskRunner.NamedTask<StreamReport>> tasks = new ArrayList<>(named.size() + 1);
        for (int i = 0; i < named.size(); i++) {
            StreamDir sd = streams.get(i);
            int listedBefore = named.get(i).listedBefore();
            StreamLine line = run.options.serverLine() != null ? StreamLine.known(run.options.serverLine())
                    : StreamLine.early(new Lowest(sd, listedBefore, ioFirst), storeLine, new DiscoveryGo(), sd.dir());
            tasks.add(slots.task(i, line, consumerRunner(sd), ioFirst, RecordHashSource.forStore(sd.blockBytes()), FirstStreams.none(),
                    new NamedEnded()));
        }
        tasks.add(new TaskRunner.NamedTask<>("discovery", new Discovery()));
        RecoveryRun.Ran ran = run.runAll(tasks, false);
        if (!rest.isDone()) {
            // The group was cancelled before its discovery task ran (a close before the group, a
            // deadline already passed: a cancelled scope starts no more subtasks). As without names,
            // discovery still runs, here, so that the report names every stream, cancelled.
            boolean interrupted = Thread.interrupted();
            rest.complete(discoverAndRecoverRest(true));
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        // A loop and an instanceof chain, not a stream pipeline and a pattern switch: this runs while
        // a named stream's hand-over may still be on its way to serving it (package-info).
        long namedBytes = 0;
        for (StreamDir sd : streams) {
            namedBytes += sd.blockBytes();
        }
        run.events.releaseWith(run.started(named.size(), namedBytes));
        List<StreamReport> reports = new ArrayList<>(slots.reports(ran.results()));
        boolean interruptedByOther = ran.interrupted() && !run.closed();
        Rest r = rest.getNow(new Rest.Undiscovered());
        if (r instanceof Rest.Broken b) {
            throw b.error();
        }
        if (r instanceof Rest.Unreadable u && !run.closed()) {
            throw u.failure();
        }
        if (r instanceof Rest.Recovered done) {
            reports.addAll(done.reports());
            return run.finish(reports, done.layout().skipped(), done.hashes(), done.lineChoice(), interruptedByOther);
        }
        return run.finish(reports, List.of(), RecordHashSource.forStore(namedBytes), undetected(), interruptedByOther);
    }

    /**
     * The runner of an early stream's consumers: as {@link RecoveryRun#fork} chooses it for a small
     * stream (on its own task when the store has more streams than workers); a named stream's get a
     * group of their own.
     */
    private TaskRunner consumerRunner(StreamDir sd) {
        return small != null && small.seen() > run.options.workers() && sd.consumers().size() <= RecoveryRun.INLINE_CONSUMERS
                ? TaskRunners.sequential() : run.runner;
    }

    // The classes below stand for lambdas: made and run once per open on the named streams' way,
    // where a fresh JVM would spin a lambda's class at run time (package-info).

    /** The oldest line a named stream's own files allow. */
    private static final class Lowest implements StreamLine.Bound {
        private final StreamDir sd;
        private final int listedBefore;
        private final DiskGate io;

        Lowest(StreamDir sd, int listedBefore, DiskGate io) {
            this.sd = sd;
            this.listedBefore = listedBefore;
            this.io = io;
        }

        @Override
        public ServerLine lowest() throws InterruptedException {
            return ServerLineDetector.lowestFor(sd, listedBefore, io);
        }
    }

    /** A named stream waits for the store's line: discovery starts now. */
    private final class DiscoveryGo implements Runnable {
        @Override
        public void run() {
            discoveryGo.countDown();
        }
    }

    /** A named stream's task has ended: discovery starts once every named one has. */
    private final class NamedEnded implements Runnable {
        @Override
        public void run() {
            namedDone.countDown();
            if (namedDone.getCount() == 0) {
                discoveryGo.countDown();
            }
        }
    }

    /** The discovery task ({@link #discoverAndRecoverRest}). */
    private final class Discovery implements java.util.concurrent.Callable<StreamReport> {
        @Override
        public StreamReport call() {
            try {
                rest.complete(discoverAndRecoverRest(false));
            } catch (RuntimeException e) {
                // Thrown out of the run as without names; the named streams waiting for the line fail.
                storeLine.completeExceptionally(e);
                rest.complete(new Rest.Broken(e));
            } finally {
                // A named stream waiting for the line would otherwise wait for ever: the group never ends.
                storeLine.completeExceptionally(new IllegalStateException("discovery ended without a line"));
            }
            return null;
        }
    }

    /** The line of a report whose discovery never ended (cancelled): the one asked for, else the newest, saying so. */
    private LineChoice undetected() {
        LineChoice none = new LineChoice(ServerLine.NEWEST, false,
                List.of("not detected: the recovery was cancelled before the store was discovered"));
        return run.options.serverLine() == null ? none : none.askedFor(run.options.serverLine());
    }

    /**
     * The discovery task: discovery, the line, then the streams not started early.
     *
     * @param cancelled the group is cancelled already: discover, and report the others cancelled
     */
    private Rest discoverAndRecoverRest(boolean cancelled) {
        // As without names, discovery and the line detection run to their end even when the group
        // is cancelled meanwhile (a stat pass and a few header reads): an interrupt there surfaced as
        // an unreadable store, and the report must still name every stream (cancelled).
        try {
            if (!cancelled) {
                discoveryGo.await();
            }
        } catch (InterruptedException e) {
            cancelled = true;
        }
        StoreLayout layout = null;
        List<StreamDir> plan = null;
        LineChoice lineChoice = null;
        for (int attempt = 0; plan == null; attempt++) {
            try {
                layout = StoreLayout.discover(storeDir, run.io);
                // Loops, not removeIf(lambda): discovery runs beside the named streams' tasks, on
                // the way to their being served (package-info).
                List<StreamDir> all = new ArrayList<>(layout.streams().size());
                for (StreamDir sd : layout.streams()) {
                    if (run.options.onlyStreams().isEmpty() || run.options.onlyStreams().contains(sd.name())) {
                        all.add(sd);
                    }
                }
                // The same line as without names: detected over the whole plan, named streams included.
                lineChoice = run.lineChoice(all);
                storeLine.complete(lineChoice.line());
                plan = all;
            } catch (IOException | InterruptedException e) {
                boolean interrupt = e instanceof InterruptedException || e instanceof InterruptedIOException
                        || e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted();
                Thread.interrupted();
                if (interrupt && attempt < 3) {
                    cancelled = true;
                    continue;
                }
                storeLine.completeExceptionally(interrupt ? new InterruptedException("cancelled during discovery") : e);
                return interrupt ? new Rest.Undiscovered() : new Rest.Unreadable((IOException) e);
            }
        }
        long totalBytes = 0;
        for (StreamDir sd : plan) {
            totalBytes += sd.blockBytes();
        }
        RecordHashSource hashes = RecordHashSource.forStore(totalBytes);
        run.events.releaseWith(run.started(plan.size(), totalBytes));
        Set<String> started = new HashSet<>();
        for (StoreLayout.Found f : named) {
            started.add(f.stream().account() + "/" + f.stream().name());
        }
        // Not recovered twice: the streams started early are left out (same directories).
        List<StreamDir> others = new ArrayList<>(plan.size());
        for (StreamDir sd : plan) {
            if (!started.contains(sd.account() + "/" + sd.name())) {
                others.add(sd);
            }
        }
        // Small streams started early hold their part of the store's share (the plan's, as without them).
        FirstStreams first = small == null ? FirstStreams.choose(others, Set.of(), run.options.smallFirst(), true)
                : FirstStreams.choose(others, Set.of(), true, true, totalBytes, small.bytes());
        others.sort(first.order());
        try {
            // The others start once every named stream's task has ended (as they wait for first streams).
            if (!cancelled) {
                namedDone.await();
            }
        } catch (InterruptedException e) {
            cancelled = true;
        }
        // An interrupt of the group here is its cancellation (a close or the deadline): the run's own
        // thread tells an interrupt of itself apart.
        RecoveryRun.Forked forked = run.fork(others, first, StreamLine.known(lineChoice.line()), hashes, cancelled);
        return new Rest.Recovered(layout, lineChoice, hashes, forked.reports());
    }
}
