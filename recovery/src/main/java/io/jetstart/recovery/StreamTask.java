package io.jetstart.recovery;

import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.ReadBuffer;
import io.jetstart.core.layout.Encryption;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaException;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamMeta;
import io.jetstart.core.store.BlockWork;
import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.store.ConsumerLoader;
import io.jetstart.core.store.ConsumerSettlement;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.RestoredConsumer;
import io.jetstart.core.store.ServerAction;
import io.jetstart.core.store.Source;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The body of one stream's task: its turn, its meta files, the open (fast path or rebuild), its
 * consumers, its settlement, then its report, its hand-over and its {@code StreamFinished}, exactly
 * once whatever the outcome. What it shares with the run's other stream tasks is built before the
 * first fork and is thread-safe.
 */
final class StreamTask {
    private final RecoveryOptions options;
    private final StreamHandOver handOver;
    private final BooleanSupplier closed;
    private final TaskRunner runner;
    private final BlockBuffers buffers;
    private final EventPump events;
    private final boolean sequential;

    StreamTask(RecoveryOptions options, StreamHandOver handOver, BooleanSupplier closed, TaskRunner runner, BlockBuffers buffers,
               EventPump events, boolean sequential) {
        this.options = options;
        this.handOver = handOver;
        this.closed = closed;
        this.runner = runner;
        this.buffers = buffers;
        this.events = events;
        this.sequential = sequential;
    }

    /**
     * Recovers {@code sd} once its turn comes ({@code first}); {@code onFinished} is given the report
     * before the listener hears of it, so the run's report says what the listener was told even when
     * the runner loses the task's value.
     */
    StreamReport recover(StreamDir sd, StreamLine line, TaskRunner consumerRunner, DiskGate sharedGate, RecordHashSource hashes,
                         FirstStreams first, Consumer<StreamReport> onFinished)
            throws InterruptedException {
        try {
            first.awaitTurn(sd);
        } catch (InterruptedException e) {
            // Cancelled before its turn came: reported as cancelled, as a task the runner never started.
            StreamReport report = unfinished(sd, Outcome.CANCELLED, List.of(), onFinished);
            Thread.currentThread().interrupt();
            return report;
        }
        long start = System.nanoTime();
        StreamGate gate = new StreamGate(sharedGate, closed);
        events.emit(new RecoveryEvent.StreamStarted(sd.account(), sd.name(), sd.blockBytes()));
        StoreContext ctx = new StoreContext(gate, buffers,
                sequential ? BlockWork.sequential() : new RunnerBlockWork(runner, sd.account() + " > " + sd.name()), hashes,
                WallClock.INSTANCE, new Scanned(events, sd), options.key(), new ReadBuffer());
        StreamMeta meta = null;
        StreamStore store = null;
        StreamReport report;
        try {
            if (options.key() == null && sd.encryption() instanceof Encryption.Encrypted enc) {
                throw new StoreException(Problem.fatal(sd.dir(), -1, "encrypted stream (" + String.join(", ", enc.evidence())
                        + "); reading it needs the server's jetstream key, and none was given"));
            }
            StreamKeys keys;
            try {
                keys = streamKeys(sd, gate);
                meta = MetaFiles.readStream(sd.dir(), gate, keys, ctx.firstRead());
            } catch (MetaException e) {
                // The server skips a stream whose meta files it refuses and leaves it alone (spec 7.1);
                // a sealed meta.inf is read by a server that has the key.
                ServerAction action = e.kind() == MetaException.Kind.ENCRYPTED ? ServerAction.NONE : ServerAction.SKIP_STREAM;
                throw new StoreException(Problem.fatal(e.file(), -1, e.getMessage()).with(action), e);
            } catch (InterruptedIOException e) {
                // Cancelled while waiting for a disk permit or reading: not damage.
                throw cancellation(e);
            }
            ServerLine openLine = line.forOpen(!options.verifyBlocks() && sd.hasIndexDb());
            store = open(sd, meta, ctx, openLine, keys);
            ServerLine again = line.reopenWith(openLine, store.source() != Source.INDEX, store.trustsMissingBlocks());
            if (again != null) {
                // Rare: opened under 2.10 as the store's oldest possible line, rebuilt, and the store's
                // line starts tombstone-only blocks elsewhere (or index.db adopted without a block it
                // names, which the store's line rebuilds for). Its blocks were reported scanned once.
                openLine = again;
                store = open(sd, meta, new StoreContext(ctx.gate(), ctx.buffers(), ctx.blockWork(), ctx.hashes(), ctx.nowNanos(),
                        StoreContext.ScanProgress.NONE, ctx.key(), ctx.firstRead()), openLine, keys);
            }
            events.emit(new RecoveryEvent.StreamRestored(sd.account(), sd.name(), store.messages(), store.bytes(),
                    store.source().jsonName(), System.nanoTime() - start, store.problems()));
            // Without consumers, settling asks nothing of the line.
            ServerLine consumerLine = sd.consumers().isEmpty() ? openLine : line.forConsumers();
            ConsumerLoads loads = restoreConsumers(sd, store, consumerLine, consumerRunner);
            // What the server checks a consumer against those it restored before it (work queues).
            ConsumerLoader.checkTogether(store, loads.loaded());
            // A writer destroys nothing a consumer it could not load may need (StreamHandOver.toWriter).
            // Nor what a consumer whose meta.inf may be damaged would have it remove (RestoredConsumer.doubt).
            boolean sweep = !handOver.toWriter() || allUnmade(loads.failed()) && !anyDoubted(loads.loaded());
            // And tombstones what the sweep removes: nats-server's removeMsg writes one for each, and
            // a rescan without index.db may not take the same decision (a 2.9 store becomes a 2.10 one
            // with the writer's index.db, and the two lines sweep differently: UnusableLegacyIndexInterestTest).
            StreamStore.RemovalSink removed = handOver.toWriter() ? store.removalsForWriter() : StreamStore.RemovalSink.NONE;
            List<ConsumerInfo> infos = ConsumerSettlement.settle(store, loads.loaded(), consumerLine, sweep, removed);
            List<ConsumerOutcome> outcomes = new ArrayList<>();
            for (ConsumerInfo info : infos) {
                outcomes.add(new ConsumerOutcome.Restored(info));
            }
            outcomes.addAll(loads.failed());
            outcomes.sort(ByName.INSTANCE);
            report = new StreamReport(sd.account(), sd.name(), store.source() == Source.INDEX ? Outcome.RECOVERED : Outcome.REBUILT,
                    meta.config(), store.state().withConsumerCount(infos.size()), List.copyOf(outcomes), store.problems(),
                    System.nanoTime() - start, gate.waitNanos(), store.bytesRead(), store.recordsVerified(), sd.blockBytes());
        } catch (StoreException e) {
            List<Problem> problems = new ArrayList<>(store == null ? List.of() : store.problems());
            problems.add(e.problem());
            report = new StreamReport(sd.account(), sd.name(), Outcome.FAILED, meta == null ? null : meta.config(), null,
                    List.of(), List.copyOf(problems), System.nanoTime() - start, gate.waitNanos(), 0, 0, sd.blockBytes());
        } catch (InterruptedException e) {
            report = new StreamReport(sd.account(), sd.name(), Outcome.CANCELLED, meta == null ? null : meta.config(), null,
                    List.of(), store == null ? List.of() : store.problems(), System.nanoTime() - start, gate.waitNanos(),
                    0, 0, sd.blockBytes());
            // The task returns normally, so keep the cancellation visible to the runner that called
            // it: the sequential runner runs every stream on this one thread, and with the interrupt
            // swallowed here it went on to recover all the remaining streams after close().
            Thread.currentThread().interrupt();
        }
        onFinished.accept(report);
        boolean back = report.outcome() == Outcome.RECOVERED || report.outcome() == Outcome.REBUILT;
        handOver.streamFinished(report, back ? store : null);
        events.emit(new RecoveryEvent.StreamFinished(report));
        return report;
    }

    /**
     * The report of a stream whose task did not recover it by itself (cancelled before or while it
     * ran, or crashed), told as a finished stream is: to {@code onFinished}, the hand-over, the listener.
     */
    StreamReport unfinished(StreamDir sd, Outcome outcome, List<Problem> problems, Consumer<StreamReport> onFinished) {
        StreamReport report = new StreamReport(sd.account(), sd.name(), outcome, null, null, List.of(), problems, 0, 0, 0, 0,
                sd.blockBytes());
        onFinished.accept(report);
        handOver.streamFinished(report, null);
        events.emit(new RecoveryEvent.StreamFinished(report));
        return report;
    }

    private StreamStore open(StreamDir sd, StreamMeta meta, StoreContext ctx, ServerLine line, StreamKeys keys)
            throws StoreException, InterruptedException {
        // A stream that goes to a writer keeps what its limits remove at the open, for the writer's
        // tombstones (StreamStore.removalsForWriter); a read-only recovery keeps nothing.
        return options.verifyBlocks()
                ? StreamOpener.openVerifyingBlocks(sd, meta.config(), ctx, line, keys, handOver.toWriter())
                : StreamOpener.open(sd, meta.config(), ctx, line, keys, handOver.toWriter());
    }

    /**
     * The stream's keys, for its meta.inf, index.db and blocks. Without a key and without key files
     * in the discovered layout the stream is plain, and meta.key is not opened (a missing file is
     * an exception per stream) nor looked for again: discovery looked ({@link StreamKeys#NO_KEY_FILE}).
     * A sealed meta.inf whose key file appeared since is still refused by {@link MetaFiles#readStream},
     * which looks for it when meta.inf does not parse.
     */
    private StreamKeys streamKeys(StreamDir sd, DiskGate gate) throws StoreException, InterruptedIOException {
        if (options.key() == null && sd.encryption() instanceof Encryption.None) {
            return StreamKeys.NO_KEY_FILE;
        }
        Path keyFile = sd.dir().resolve("meta.key");
        try {
            return StreamKeys.load(options.key(), sd.account(), sd.dir(), gate);
        } catch (DecryptionException e) {
            throw new StoreException(Problem.fatal(e.file(), -1, e.reason()), e);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (ClosedByInterruptException e) {
            InterruptedIOException iie = new InterruptedIOException("interrupted while reading " + keyFile);
            iie.initCause(e);
            throw iie;
        } catch (IOException e) {
            throw new StoreException(Problem.fatal(keyFile, -1, "cannot read the stream key file: " + e.getMessage()), e);
        }
    }

    private static InterruptedException cancellation(InterruptedIOException e) {
        Thread.interrupted();
        InterruptedException ie = new InterruptedException("cancelled while reading meta files");
        ie.initCause(e);
        return ie;
    }

    /** Whether any of {@code consumers} has a config that may be damaged (a loop: no lambda on this path). */
    private static boolean anyDoubted(List<RestoredConsumer> consumers) {
        for (RestoredConsumer c : consumers) {
            if (c.doubt().isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** Whether every one of {@code failed} is a create that never finished ({@link ConsumerOutcome.Failed#unmade}). */
    private static boolean allUnmade(List<ConsumerOutcome.Failed> failed) {
        for (ConsumerOutcome.Failed f : failed) {
            if (!f.unmade()) {
                return false;
            }
        }
        return true;
    }

    /** A stream's consumers after loading: those to settle, and those that failed. */
    private record ConsumerLoads(List<RestoredConsumer> loaded, List<ConsumerOutcome.Failed> failed) {
    }

    private ConsumerLoads restoreConsumers(StreamDir sd, StreamStore store, ServerLine line, TaskRunner runner)
            throws InterruptedException {
        List<String> names = sd.consumers();
        events.emit(new RecoveryEvent.ConsumersStarting(sd.account(), sd.name(), names.size()));
        if (names.isEmpty()) {
            return new ConsumerLoads(List.of(), List.of());
        }
        List<TaskRunner.NamedTask<RestoredConsumer>> tasks = new ArrayList<>(names.size());
        for (String c : names) {
            tasks.add(new TaskRunner.NamedTask<>(sd.account() + " > " + sd.name() + " > " + c,
                    new ConsumerLoad(store, c, line)));
        }
        List<TaskRunner.Result<RestoredConsumer>> results = runner.runAll(tasks, null);
        List<RestoredConsumer> loaded = new ArrayList<>();
        List<ConsumerOutcome.Failed> failed = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String c = names.get(i);
            // An instanceof chain, not a pattern switch: a JVM's first pattern switch spins its
            // class at run time (package-info), here on the way of the first stream with consumers.
            TaskRunner.Result<RestoredConsumer> r = results.get(i);
            if (r instanceof TaskRunner.Result.Done<RestoredConsumer> d) {
                events.emit(new RecoveryEvent.ConsumerRestored(sd.account(), sd.name(), c));
                loaded.add(d.value());
            } else if (r instanceof TaskRunner.Result.Failed<RestoredConsumer> f) {
                Problem p = f.error() instanceof StoreException se ? se.problem()
                        : Problem.fatal(sd.dir().resolve("obs").resolve(c), -1, "unexpected error: " + f.error());
                events.emit(new RecoveryEvent.ConsumerFailed(sd.account(), sd.name(), c, p));
                failed.add(new ConsumerOutcome.Failed(c, p, unmade(sd.dir().resolve("obs").resolve(c))));
            } else {
                throw new InterruptedException("consumer restore cancelled");
            }
        }
        return new ConsumerLoads(loaded, failed);
    }

    /**
     * Whether a consumer directory that failed to load holds no {@code o.dat} and not both meta
     * files: what a create killed before its files were in place leaves (the runtime writes
     * {@code meta.inf}, {@code meta.sum}, then {@code o.dat}; the server its meta files first too).
     * Only asked of a failed consumer; a stat that fails counts as a file there (it may hold state).
     */
    private static boolean unmade(Path consumerDir) {
        return Files.notExists(consumerDir.resolve("o.dat"))
                && (Files.notExists(consumerDir.resolve("meta.inf")) || Files.notExists(consumerDir.resolve("meta.sum")));
    }

    // The classes below stand for lambdas and method references made for each stream, on the first
    // stream's way, where a fresh JVM would spin a lambda's class at run time (package-info).

    /** One consumer's load from its files ({@link ConsumerLoader#load}), as a consumer task's body. */
    private static final class ConsumerLoad implements java.util.concurrent.Callable<RestoredConsumer> {
        private final StreamStore store;
        private final String consumer;
        private final ServerLine line;

        ConsumerLoad(StreamStore store, String consumer, ServerLine line) {
            this.store = store;
            this.consumer = consumer;
            this.line = line;
        }

        @Override
        public RestoredConsumer call() throws Exception {
            return ConsumerLoader.load(store, consumer, line);
        }
    }

    /** The wall clock in nanoseconds (milliseconds' precision), as a stream's opening reads it. */
    private static final class WallClock implements java.util.function.LongSupplier {
        static final WallClock INSTANCE = new WallClock();

        @Override
        public long getAsLong() {
            return System.currentTimeMillis() * 1_000_000L;
        }
    }

    /** Each scanned block of a stream, as an event. */
    private static final class Scanned implements StoreContext.ScanProgress {
        private final EventPump events;
        private final StreamDir sd;

        Scanned(EventPump events, StreamDir sd) {
            this.events = events;
            this.sd = sd;
        }

        @Override
        public void blockScanned(long blockIndex, long bytes, long records) {
            events.emit(new RecoveryEvent.BlockScanned(sd.account(), sd.name(), blockIndex, bytes, records));
        }
    }

    /** Consumer outcomes by name. */
    private static final class ByName implements Comparator<ConsumerOutcome> {
        static final ByName INSTANCE = new ByName();

        @Override
        public int compare(ConsumerOutcome a, ConsumerOutcome b) {
            return a.name().compareTo(b.name());
        }
    }
}
