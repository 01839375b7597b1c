package io.jetstart.recovery;

import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.layout.Encryption;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.LineChoice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The parallel start of a store of many small streams: the streams' tasks are forked in batches
 * while discovery goes on, on the run's own thread, so that the first streams' work runs beside the
 * rest of discovery (a stat pass bound by system calls, ~50 ms of a fresh JVM's ~250 ms on 1,000
 * streams, during which the second core had only the JIT to run).
 *
 * <p>Design note: what every report says stays as the plain start's. A stream is forked early only
 * once what its task is given is known as it will be at discovery's end:
 * <ul>
 * <li>the store's line: the detector's sample is the first {@code ServerLineDetector.MAX_STREAMS}
 * unencrypted streams of the plan by account, then name, which are the first discovery finds when
 * no account or stream name holds a character at or above U+D800 (only there do discovery's order,
 * UTF-8 bytes, and {@link String#compareTo} differ); detected as soon as those are found, on the
 * same streams and files. Only when no stream found later can change it: an encrypted stream is
 * never sampled, and its clue (its {@code msgs/} listing) lifts a line of 2.9, or one assumed for
 * want of a clue, so such a line waits for discovery's end; one of 2.10 or newer that a file said
 * stays ({@code ServerLineDetector.settledBy}), and is the line the plain start detects. Its evidence
 * is counted again over the whole plan when encrypted streams were found after it, so the report's is
 * the plain start's. Not with a key: the detector then also opens the smallest sealed
 * {@code index.db} of the whole plan, which only discovery's end knows, so a run with a key decides
 * the line there and forks nothing early (a wholly encrypted store never reaches the sample of
 * unencrypted streams anyway);</li>
 * <li>the consumers' runner: the plan has more streams than workers once that many are found;</li>
 * <li>the plan's order: largest first within each batch, and only streams of at most
 * {@link FirstStreams#SMALL_MAX_BYTES}: from the first larger one on, every stream not yet forked
 * waits for discovery's end and starts in the plain start's order, so a store whose sizes differ
 * widely keeps its largest-first plan for what matters;</li>
 * <li>the record checksum: an early stream gets the scalar one, and only while the store looks
 * below the vector's size (the mean so far times the streams listed); both compute the same sums,
 * and the report names the one the whole store's size chooses, as the plain start does.</li>
 * </ul>
 * Events are held until discovery's {@code RecoveryStarted} (the whole plan's counts), as with named
 * first streams. When nothing was forked early (a store of fewer streams than the sample, one
 * whose first streams include a large one, a close or a deadline before the sample was found), the
 * plan is forked after discovery exactly as the plain start forks it ({@link RecoveryRun#fork});
 * with small-first, named first streams, a sequential run or the fallback runner, the run starts
 * the plain way ({@link StoreRecovery}). Discovery is
 * not interrupted: a close() during it forks no more streams, lets discovery end, and then cancels
 * the group, so every stream not finished by then is reported cancelled (those forked early may
 * have finished); once the deadline has passed, no more streams are forked (they are reported
 * cancelled unrun), and the group's timeout, seen at its join after discovery, cancels those forked
 * early that have not finished.
 */
final class PipelinedStart implements StoreLayout.Sink, TaskRunner.Feeder<StreamReport> {
    /** Streams forked together, largest first: small enough to start early, large enough to order a few. */
    static final int BATCH = 16;
    /** The detector's sample ({@code ServerLineDetector.MAX_STREAMS}). */
    static final int LINE_SAMPLE = 32;

    private final RecoveryRun run;
    private final Path storeDir;
    private final Runnable tasksStarting;
    /** No stream goes first here: one instance for every task. */
    private final FirstStreams none = FirstStreams.none();
    /** Every stream of the plan, in discovery's order (as the plain start's plan before its sort). */
    private final List<StreamDir> plan = new ArrayList<>();
    /** Streams found and not forked yet. */
    private final List<StreamDir> pending = new ArrayList<>();
    private final Map<StreamDir, Integer> index = new IdentityHashMap<>();
    /** The plan index of each forked task, in fork order. */
    private final List<Integer> forked = new ArrayList<>();
    /** Each forked stream's task, by plan index (null: not forked). */
    private final List<Body> bodies = new ArrayList<>();
    private Consumer<TaskRunner.NamedTask<StreamReport>> fork;
    /** Whether streams are still forked as they are found. */
    private boolean early = true;
    private boolean oddNames;
    private boolean accountsListed;
    private int unencrypted;
    /** An encrypted stream was found after the line was decided: its clue is not in the evidence yet. */
    private boolean encryptedAfterLine;
    private long listedStreams;
    private long bytesSoFar;
    private LineChoice lineChoice;
    private StreamLine line;
    private RecordHashSource earlyHashes;
    private RecordHashSource hashes;
    private StoreLayout layout;
    private IOException failure;
    private RuntimeException broken;
    private InterruptedException interrupted;
    /** Nothing was forked early: the plan is forked as the plain start forks it, after the (empty) group. */
    private boolean plainFork;

    private PipelinedStart(RecoveryRun run, Path storeDir, Runnable tasksStarting) {
        this.run = run;
        this.storeDir = storeDir;
        this.tasksStarting = tasksStarting;
    }

    /** Whether a run starts this way: parallel on a runner that forks while it runs, no stream ahead of the others. */
    static boolean applies(RecoveryRun run) {
        return !run.sequential() && run.runner.feeds() && run.options.firstStreams().isEmpty() && !run.options.smallFirst();
    }

    /**
     * Discovers the store and recovers every stream.
     *
     * @param tasksStarting called once discovery is over (from then on close() interrupts this thread)
     */
    static RecoveryReport run(RecoveryRun run, Path storeDir, Runnable tasksStarting) throws IOException, InterruptedException {
        return new PipelinedStart(run, storeDir, tasksStarting).go();
    }

    private RecoveryReport go() throws IOException, InterruptedException {
        run.events.holdUntilStarted();
        List<TaskRunner.Result<StreamReport>> results = null;
        boolean groupInterrupted = false;
        try {
            results = run.runner.runFed(this, run.deadline());
        } catch (InterruptedException e) {
            groupInterrupted = true;
        }
        // Every forked task has ended by now. Discovery's own failures end the run as in the plain start.
        if (broken != null) {
            throw broken;
        }
        if (failure != null) {
            throw failure;
        }
        if (interrupted != null) {
            throw interrupted;
        }
        if (plainFork) {
            // Exactly the plain start's fork: a store of fewer streams than the sample, or whose first
            // stream is large, starts as before. An interrupt meanwhile is the plain fork's interrupt.
            FirstStreams first = FirstStreams.choose(plan, run.options.firstStreams(), run.options.smallFirst(), true);
            List<StreamDir> ordered = new ArrayList<>(plan);
            ordered.sort(first.order());
            RecoveryRun.Forked all = run.fork(ordered, first, StreamLine.known(lineChoice.line()), hashes, groupInterrupted);
            boolean interruptedByOther = (groupInterrupted || all.interrupted()) && !run.closed();
            return run.finish(all.reports(), layout.skipped(), hashes, lineChoice, interruptedByOther);
        }
        Map<Integer, TaskRunner.Result<StreamReport>> byIndex = new java.util.HashMap<>();
        for (int k = 0; results != null && k < results.size(); k++) {
            byIndex.put(forked.get(k), results.get(k));
        }
        List<StreamReport> reports = new ArrayList<>(plan.size());
        for (int i = 0; i < plan.size(); i++) {
            StreamReport r = bodies.get(i) == null ? null : bodies.get(i).told;
            reports.add(r != null ? r : unfinished(plan.get(i), byIndex.get(i)));
        }
        return run.finish(reports, layout.skipped(), hashes, lineChoice, groupInterrupted && !run.closed());
    }

    /** A stream whose task told nothing: what became of the task (none: never forked, cancelled). */
    private StreamReport unfinished(StreamDir sd, TaskRunner.Result<StreamReport> r) {
        if (r instanceof TaskRunner.Result.Done<StreamReport> d) {
            return d.value();
        }
        if (r instanceof TaskRunner.Result.Failed<StreamReport> f) {
            return run.streams.unfinished(sd, Outcome.FAILED,
                    List.of(io.jetstart.core.store.Problem.fatal(sd.dir(), -1, "unexpected error: " + f.error())), new Ignore());
        }
        return run.streams.unfinished(sd, Outcome.CANCELLED, List.of(), new Ignore());
    }

    /** The run's thread, inside the group: discovery with early forks, the line, the rest of the plan. */
    @Override
    public void feed(Consumer<TaskRunner.NamedTask<StreamReport>> fork) {
        this.fork = fork;
        try {
            layout = StoreLayout.discover(storeDir, run.io, this);
            if (lineChoice == null) {
                decideLine();
            } else if (encryptedAfterLine) {
                recountEvidence();
            }
            long total = 0;
            for (StreamDir sd : plan) {
                total += sd.blockBytes();
            }
            hashes = RecordHashSource.forStore(total);
            run.events.releaseWith(run.started(plan.size(), total));
            // As in the plain start: either close() sees tasksStarting and interrupts this thread,
            // or this thread sees closed (both volatile); the interrupt cancels the group at its join.
            tasksStarting.run();
            if (forked.isEmpty()) {
                plainFork = true;
                return;
            }
            if (run.closed()) {
                Thread.currentThread().interrupt();
                return;
            }
            if (deadlinePassed()) {
                // The scope's timeout is seen at its join: the rest would start, and be cancelled there.
                return;
            }
            pending.sort(none.order());
            forkPending(hashes);
        } catch (IOException e) {
            failure = e;
            cancelGroup();
        } catch (InterruptedException e) {
            interrupted = e;
            cancelGroup();
        } catch (RuntimeException e) {
            broken = e;
            cancelGroup();
        }
    }

    /** Ends the streams forked early: the run fails as the plain start's would, with no task left. */
    private void cancelGroup() {
        Thread.currentThread().interrupt();
    }

    @Override
    public void listed(List<String> names) {
        for (String n : names) {
            for (int i = 0; i < n.length(); i++) {
                if (n.charAt(i) >= '\uD800') {
                    oddNames = true;
                }
            }
        }
        // The accounts' listing is told first; every later one is a streams/ folder.
        if (accountsListed) {
            listedStreams += names.size();
        }
        accountsListed = true;
    }

    @Override
    public void found(StreamDir sd) {
        if (!run.options.onlyStreams().isEmpty() && !run.options.onlyStreams().contains(sd.name())) {
            return;
        }
        int i = plan.size();
        index.put(sd, i);
        plan.add(sd);
        pending.add(sd);
        bodies.add(null);
        if (lineChoice != null && sd.encryption() instanceof Encryption.Encrypted) {
            encryptedAfterLine = true;
        }
        if (!early) {
            return;
        }
        bytesSoFar += sd.blockBytes();
        if (!(sd.encryption() instanceof Encryption.Encrypted)) {
            unencrypted++;
        }
        if (sd.blockBytes() > FirstStreams.SMALL_MAX_BYTES || run.closed() || deadlinePassed()) {
            early = false;
            return;
        }
        if (lineChoice == null) {
            if (oddNames || unencrypted < LINE_SAMPLE || run.options.key() != null) {
                return;
            }
            try {
                LineChoice settled = run.settledLineChoice(plan);
                if (settled == null) {
                    // An encrypted stream found later may change it (2.9, or the newest assumed): the
                    // line waits for discovery's end, and so does every stream.
                    early = false;
                    return;
                }
                lineChoice = settled;
                line = StreamLine.known(settled.line());
            } catch (InterruptedException e) {
                // Someone else's interrupt of the run's thread: discovery's next listing fails with it.
                early = false;
                Thread.currentThread().interrupt();
                return;
            }
            // Made only for a store that looks scalar-sized: forStore would start the vector's machinery.
            earlyHashes = looksScalar() ? RecordHashSource.forStore(estimate()) : null;
        }
        if (!looksScalar()) {
            early = false;
            return;
        }
        if (pending.size() >= BATCH && plan.size() > run.options.workers()) {
            pending.sort(none.order());
            forkPending(earlyHashes);
        }
    }

    /** Whether the run's deadline has passed: no more streams are forked (those not forked are reported cancelled). */
    private boolean deadlinePassed() {
        return run.deadline() != null && !java.time.Instant.now().isBefore(run.deadline());
    }

    /** The store's block bytes as the streams found so far suggest: their mean times the streams listed. */
    private long estimate() {
        return bytesSoFar / plan.size() * Math.max(listedStreams, plan.size());
    }

    /** Whether the store still looks below the vector checksum's size (the early streams' checksum is the scalar one). */
    private boolean looksScalar() {
        return estimate() < RecordHashSource.VECTOR_MIN_BYTES && bytesSoFar < RecordHashSource.VECTOR_MIN_BYTES;
    }

    private void decideLine() throws InterruptedException {
        lineChoice = run.lineChoice(plan);
        line = StreamLine.known(lineChoice.line());
    }

    /**
     * The early line's evidence counted over the whole plan, as the plain start counts it. The line
     * itself cannot differ (it was settled), and the streams forked early ran with it: a difference
     * would be a detector's fault, and fails the run rather than report a line they did not follow.
     */
    private void recountEvidence() throws InterruptedException {
        LineChoice whole = run.lineChoice(plan);
        if (whole.line() != lineChoice.line()) {
            throw new IllegalStateException("the store's line was taken as " + lineChoice.line() + " on its first streams ("
                    + lineChoice.evidence() + ") and is " + whole.line() + " on all of them (" + whole.evidence() + ")");
        }
        lineChoice = whole;
    }

    private void forkPending(RecordHashSource streamHashes) {
        // As RecoveryRun.fork: more streams than workers, a stream's few consumers load on its own task.
        TaskRunner inline = TaskRunners.sequential();
        boolean streamsFillWorkers = plan.size() > run.options.workers();
        for (StreamDir sd : pending) {
            int i = index.get(sd);
            forked.add(i);
            TaskRunner consumers = streamsFillWorkers && sd.consumers().size() <= RecoveryRun.INLINE_CONSUMERS ? inline : run.runner;
            Body body = new Body(sd, consumers, streamHashes);
            bodies.set(i, body);
            fork.accept(new TaskRunner.NamedTask<>(sd.account() + " > " + sd.name(), body));
        }
        pending.clear();
    }

    /** A stream's task and what it tells its slot (a named class: package-info). */
    private final class Body implements java.util.concurrent.Callable<StreamReport>, Consumer<StreamReport> {
        private final StreamDir sd;
        private final TaskRunner consumers;
        private final RecordHashSource streamHashes;
        /** The report the task told the listener (a runner may lose the task's value when the group is cancelled). */
        private volatile StreamReport told;

        Body(StreamDir sd, TaskRunner consumers, RecordHashSource streamHashes) {
            this.sd = sd;
            this.consumers = consumers;
            this.streamHashes = streamHashes;
        }

        @Override
        public StreamReport call() throws InterruptedException {
            return run.streams.recover(sd, line, consumers, run.io, streamHashes, none, this);
        }

        @Override
        public void accept(StreamReport r) {
            told = r;
        }
    }

    private static final class Ignore implements Consumer<StreamReport> {
        @Override
        public void accept(StreamReport r) {
        }
    }
}
