package io.jetstart.runtime;

import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.store.BlockCache;
import io.jetstart.core.store.BlockSource;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamMutator;
import io.jetstart.core.store.StreamStore;
import io.jetstart.recovery.StreamReport;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hand-over of a stream to the runtime: a recovered stream (its consumers restored after it) or
 * one a create has just made. It is served read-only when the runtime cannot write its config;
 * else its writer is made ready (its tail block chosen by {@link TailOpener}, its duplicate window
 * rebuilt, the open's removals made last), and the caller hands it its timers once the stream's
 * handle is complete ({@link #startWriter}): a writer holds a thread only while its stream has
 * something to do. Which streams exist and their futures are
 * the {@link StreamRegistry}'s; this class makes what is served.
 *
 * <p>On every served stream's way (the package note: no lambdas, no pattern switches here).
 */
final class StreamServing {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("jetstart");
    private final RuntimeOptions options;
    private final StoreContext ctx;
    private final BlockCache cache;
    /** The blocks' subjects of every stream served, under one budget for the store. */
    private final SubjectIndexCache subjects;
    private final RecordHashSource hashes;
    private final HashChoice hashChoice;
    private final TailOpener tails;
    private final StoreIndexVersion storeIndexVersion;
    private final StreamOverlaps overlaps;
    private final ConsumerCounters consumerTotals;
    private final ConsumerHousekeeper housekeeper;
    private final StoreListeners listeners;
    private final WriterAlarms alarms;
    private volatile java.util.function.Consumer<JetStartStream> beforeConsumerRestore;
    /** Test seam ({@link #afterHandOverStep}); null in service. */
    private volatile Runnable afterHandOverStep;

    StreamServing(RuntimeOptions options, StoreContext ctx, BlockCache cache, RecordHashSource hashes, HashChoice hashChoice,
                  TailOpener tails, StoreIndexVersion storeIndexVersion, StreamOverlaps overlaps, ConsumerCounters consumerTotals,
                  ConsumerHousekeeper housekeeper, StoreListeners listeners, WriterAlarms alarms) {
        this.alarms = alarms;
        this.options = options;
        this.ctx = ctx;
        this.cache = cache;
        this.subjects = new SubjectIndexCache(SubjectIndexCache.BUDGET_BYTES);
        this.hashes = hashes;
        this.hashChoice = hashChoice;
        this.tails = tails;
        this.storeIndexVersion = storeIndexVersion;
        this.overlaps = overlaps;
        this.consumerTotals = consumerTotals;
        this.housekeeper = housekeeper;
        this.listeners = listeners;
    }

    /**
     * Why a recovered stream's hand-over failed, never "null": an interrupt (the recovery's deadline
     * or a close reaching the stream's task after its recovery) says so, and is kept for the task.
     */
    static String whyNotServed(Exception e) {
        if (e instanceof InterruptedException || e instanceof ClosedByInterruptException) {
            Thread.currentThread().interrupt();
            return "interrupted during its hand-over (the recovery's deadline passed or the store is closing)";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * Takes the recovered stream over: read-only when the runtime cannot write its config, else its
     * writer is made ready; its timers are handed to it after the handle completes ({@link #startWriter}).
     * Its consumers are restored after it.
     */
    JetStartStream serveRecovered(StreamStore store, StreamReport report) throws IOException, StoreException, InterruptedException {
        List<io.jetstart.core.store.ConsumerInfo> restored = new ArrayList<>();
        Map<String, String> unrestored = new HashMap<>();
        // instanceof, not a pattern switch: a switch spins a class at its first run, on the first stream's way.
        for (io.jetstart.recovery.ConsumerOutcome o : report.consumers()) {
            if (o instanceof io.jetstart.recovery.ConsumerOutcome.Restored r) {
                restored.add(r.info());
            } else if (o instanceof io.jetstart.recovery.ConsumerOutcome.Failed f && !f.unmade()) {
                // An unmade one (a create a kill cut short) is no consumer, as for nats-server: it
                // holds nothing, and a create of its name makes it anew.
                unrestored.put(f.name(), f.cause().describe());
            }
        }
        JetStartStream s = serve(store, true, StreamDefinitions.stoppedByConsumer(restored));
        try {
            java.util.function.Consumer<JetStartStream> hook = beforeConsumerRestore;
            if (hook != null) {
                hook.accept(s);
            }
            s.consumers().restore(restored, unrestored, s.readOnlyReason().orElse(null));
        } catch (RuntimeException | InterruptedException | Error e) {
            // NOTE: the writer was made ready above (a submit may have started its thread); the
            // stream's future fails, so neither a caller nor close() will ever stop it: stopped here
            // (its stop starts the thread if nothing did), or its thread leaked. Only this stream fails.
            stopAfterFailedHandOver(s);
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("its consumers could not be restored (" + e + ")", e);
        }
        return s;
    }

    /**
     * Once the stream's handle is complete: its writer starts a thread if a timer of the stream is
     * due now, asks for a ring if one is due later, and holds none otherwise (serving it only
     * prepares it; WriterLoop.handedOver). Nothing when read-only.
     */
    static void startWriter(JetStartStream s) {
        if (s.writer() != null) {
            s.writer().handedOver();
        }
    }

    /** Stops the writer of a stream whose hand-over failed after it started; keeps an interrupt for the caller. */
    static void stopAfterFailedHandOver(JetStartStream s) {
        // Cleared for the join (a stop of an interrupted thread would return at once); set again after.
        boolean interrupted = Thread.interrupted();
        try {
            s.stop();
        } catch (InterruptedException again) {
            // The Stop is queued: the writer ends on its own.
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Test seam: see {@link JetStartStore#afterHandOverStep}. */
    void afterHandOverStep(Runnable hook) {
        afterHandOverStep = hook;
    }

    /** Test seam: see {@link JetStartStore#beforeConsumerRestore}. */
    void beforeConsumerRestore(java.util.function.Consumer<JetStartStream> hook) {
        beforeConsumerRestore = hook;
    }

    /** Takes a stream a create has just made over, as a recovered one but for the checks of a config read from disk. */
    JetStartStream serveCreated(StreamStore store) throws IOException, StoreException, InterruptedException {
        return serve(store, false, null);
    }

    /**
     * Takes a stream over (its config checked as nats-server checks one at start when {@code recovered});
     * read-only for {@code consumerReason} too when not null.
     */
    private JetStartStream serve(StreamStore store, boolean recovered, String consumerReason)
            throws IOException, StoreException, InterruptedException {
        String name = store.name();
        long firstSeq = store.firstSeq();
        long messages = store.messages();
        StreamMutator state = store.handOver(ctx);
        BlockSource blocks = cache.source(store);
        // Acks and deletes find their record in the blocks the readers cached, not by a walk.
        state.findRecordsThrough(blocks);
        StreamReads reader = new StreamReads(new MessageReader(name, hashes, blocks), subjects);
        // A recovered config came from disk, so it is also checked as nats-server checks it at start:
        // one the server would not restore takes no publish that the server would then not load.
        String readOnly = (recovered ? StreamDefinitions.readOnlyReason(store.config(), name)
                : StreamDefinitions.readOnlyReason(store.config())).orElse(consumerReason);
        int version = -1;
        if (readOnly == null) {
            // Before the tail is opened: a TTL stream its index.db version cannot carry is read-only.
            // The version its open found (the opened seal's when encrypted): no second read of the file.
            int own = store.indexDbVersion();
            version = options.indexVersion() != 0 ? options.indexVersion() : own != 0 ? own : storeIndexVersion.get();
            readOnly = StreamDefinitions.ttlReason(store.config(), version, options.recovery().serverLine()).orElse(null);
        }
        if (readOnly != null) {
            // No writer: what recovery kept of the open's removals for one is let go, not held for
            // the stream's life (nothing is written to a read-only stream).
            state.takeStartUpRemovals();
            // Nor markers: the messages kept for them go where the stream would store the marker,
            // as recover reports them, and stay where it would refuse it.
            state.dropStartUpMarkers();
            return new JetStartStream(store.account(), name, store.config(), null, state.view(i -> -1), readOnly, reader, store.dir(), consumerTotals,
                    store.keys(), housekeeper);
        }
        String purgedBy210 = StreamDefinitions.purgedBy210AtStart(store.config(), firstSeq, messages, version,
                options.recovery().serverLine());
        if (purgedBy210 != null) {
            // Once per serving (an open, a create, a resume): the runtime keeps the messages, the operator decides.
            LOG.warn("{} > {}: {}", store.account(), name, purgedBy210);
        }
        // Looked at first: on an existing directory createDirectories fails its mkdir and builds an
        // exception inside the JDK, at every stream's hand-over.
        if (!Files.isDirectory(state.msgsDir())) {
            Files.createDirectories(state.msgsDir());
        }
        TailBlock tail = tails.open(store, state);
        WriterLoop w;
        try {
            w = new WriterLoop(name, store.dir(), state, options, version, tail, hashChoice, listeners.forWriters(), alarms);
            if (recovered) {
                w.guardOverlaps(new OverlapGuard(store.account(), name, overlaps));
            }
            w.rebuildDedupe(WriterLoop.wallNanos());
            w.rebuildTtls();
            w.tombstoneStartUpRemovals(state.takeStartUpRemovals(), afterHandOverStep);
            // Messages that expired while the store was closed, each the last of its subject: their
            // subject delete markers, as the server's first age check after its start stores them.
            w.writeStartUpMarkers(state.takeStartUpMarkerSubjects());
            w.prepare();
            w.checkHandOverNotCancelled();
        } catch (Exception | Error e) {
            // Not served: nothing holds the tail's file open for the store's life.
            try {
                tail.close();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        // Reads on a view whose block the writer removed meanwhile are done again on its newest view.
        StreamReads writable = new StreamReads(new MessageReader(name, hashes, blocks), subjects, w.newestView());
        return new JetStartStream(store.account(), name, store.config(), w, null, null, writable, store.dir(), consumerTotals, store.keys(),
                housekeeper);
    }
}
