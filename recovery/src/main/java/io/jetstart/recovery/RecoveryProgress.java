package io.jetstart.recovery;

import io.jetstart.core.store.Problem;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Follows a recovery's events and answers, from any thread, how far it is ({@link #progress()})
 * and whether the store can serve ({@link #state()}).
 *
 * <p>Pass it as (part of) the recovery's listener. Its bookkeeping runs on the reporter thread;
 * after each event it publishes one immutable snapshot through a volatile field, so readers (an
 * HTTP handler, a progress line, a gauge) never lock and never see half an update. A new
 * {@code RecoveryStarted} starts over, so one instance can follow successive recoveries.
 *
 * <p>Design note: the streams still running are kept in start order, so the one running longest
 * (the one a stuck startup waits for) is the first entry: O(1) per event even with thousands of
 * streams started at once.
 */
public final class RecoveryProgress implements RecoveryListener {
    private final LongSupplier nanoTime;

    // Reporter thread only.
    private final Map<StreamKey, Running> running = new LinkedHashMap<>();
    private int streamsTotal;
    private long bytesTotal;
    private long startNanos;
    private int streamsDone;
    private int streamsFailed;
    private long finishedBytes;
    private long runningScanned;
    private int restoringMessages;
    private int restoringConsumers;

    private volatile Snapshot snapshot = Snapshot.NONE;
    private volatile Readiness terminal;

    public RecoveryProgress() {
        this(System::nanoTime);
    }

    /** With another clock (tests). */
    public RecoveryProgress(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** STARTING (with progress) until the recovery finished, then READY or DEGRADED. */
    public Readiness state() {
        Readiness r = terminal;
        return r != null ? r : new Readiness.Starting(progress());
    }

    /** How far the recovery is now; {@link Progress#NOT_STARTED} before discovery finished. */
    public Progress progress() {
        Snapshot s = snapshot;
        if (s == Snapshot.NONE) {
            return Progress.NOT_STARTED;
        }
        long now = nanoTime.getAsLong();
        Progress.RunningStream slowest = s.slowest == null ? null
                : new Progress.RunningStream(s.slowest.account, s.slowest.stream, s.slowest.blockBytes, s.slowestScanned,
                        now - s.slowest.startNanos);
        return new Progress(s.streamsTotal, s.streamsDone, s.streamsFailed, s.bytesTotal, s.bytesDone, s.restoringMessages,
                s.restoringConsumers, (s.finished ? s.endNanos : now) - s.startNanos, slowest);
    }

    /**
     * Marks the whole recovery as failed before it could report (the store directory could not be
     * listed): {@link Readiness.Degraded} with this reason and nothing ready.
     */
    public void recoveryFailed(String reason) {
        terminal = new Readiness.Degraded(0, List.of(new Readiness.Failure(null, null, null, "failed", reason)));
    }

    /**
     * An {@code instanceof} chain, not a pattern switch over the sealed events: a JVM's first
     * pattern switch spins its class at run time, which an AOT cache does not keep, and this one
     * ran on the events thread during every CLI recovery (docs/benchmarks-passes.md, "./jetstart
     * recover's own start"). Events it does not name (consumers) change nothing but the snapshot.
     */
    @Override
    public void onEvent(RecoveryEvent event) {
        if (event instanceof RecoveryEvent.BlockScanned e) {
            Running r = running.get(new StreamKey(e.account(), e.stream()));
            if (r != null) {
                long before = r.done();
                r.scanned += e.bytes();
                runningScanned += r.done() - before;
            }
        } else if (event instanceof RecoveryEvent.StreamStarted e) {
            running.putIfAbsent(new StreamKey(e.account(), e.stream()),
                    new Running(e.account(), e.stream(), e.blockBytes(), nanoTime.getAsLong()));
            restoringMessages++;
        } else if (event instanceof RecoveryEvent.StreamRestored e) {
            Running r = running.get(new StreamKey(e.account(), e.stream()));
            if (r != null && !r.consumersPhase) {
                r.consumersPhase = true;
                restoringMessages--;
                restoringConsumers++;
            }
        } else if (event instanceof RecoveryEvent.StreamFinished e) {
            finished(e.report());
        } else if (event instanceof RecoveryEvent.RecoveryStarted e) {
            started(e);
        } else if (event instanceof RecoveryEvent.RecoveryFinished e) {
            publish(true);
            terminal = readiness(e.report());
            return;
        }
        publish(false);
    }

    private void started(RecoveryEvent.RecoveryStarted e) {
        running.clear();
        streamsTotal = e.streams();
        bytesTotal = e.blockBytes();
        startNanos = nanoTime.getAsLong();
        streamsDone = 0;
        streamsFailed = 0;
        finishedBytes = 0;
        runningScanned = 0;
        restoringMessages = 0;
        restoringConsumers = 0;
        terminal = null;
    }

    private void finished(StreamReport report) {
        // A stream cancelled before it started never sent StreamStarted: it is not in the map.
        Running r = running.remove(new StreamKey(report.account(), report.name()));
        if (r != null) {
            runningScanned -= r.done();
            if (r.consumersPhase) {
                restoringConsumers--;
            } else {
                restoringMessages--;
            }
        }
        streamsDone++;
        finishedBytes += report.blockBytes();
        if (report.outcome() == Outcome.FAILED || report.outcome() == Outcome.CANCELLED) {
            streamsFailed++;
        }
    }

    private void publish(boolean finished) {
        Iterator<Running> it = running.values().iterator();
        Running oldest = it.hasNext() ? it.next() : null;
        snapshot = new Snapshot(streamsTotal, streamsDone, streamsFailed, bytesTotal, finishedBytes + runningScanned,
                restoringMessages, restoringConsumers, startNanos, finished, finished ? nanoTime.getAsLong() : 0, oldest,
                oldest == null ? 0 : oldest.scanned);
    }

    static Readiness readiness(RecoveryReport report) {
        List<Readiness.Failure> failures = new ArrayList<>();
        int ready = 0;
        for (StreamReport s : report.streams()) {
            switch (s.outcome()) {
                case RECOVERED, REBUILT -> ready++;
                case FAILED -> failures.add(new Readiness.Failure(s.account(), s.name(), null, "failed", reason(s)));
                case CANCELLED -> failures.add(new Readiness.Failure(s.account(), s.name(), null, "cancelled",
                        "not finished when the recovery was cancelled or its deadline passed"));
            }
            for (ConsumerOutcome c : s.consumers()) {
                if (c instanceof ConsumerOutcome.Failed f) {
                    failures.add(new Readiness.Failure(s.account(), s.name(), f.name(), "failed", f.cause().describe()));
                }
            }
        }
        if (!failures.isEmpty()) {
            return new Readiness.Degraded(ready, failures);
        }
        long consumers = report.streams().stream().mapToLong(s -> s.consumers().size()).sum();
        return new Readiness.Ready(ready, consumers, report.messages(), report.bytes(), report.wallNanos());
    }

    /** The fatal problem if there is one, else the last problem recorded. */
    private static String reason(StreamReport s) {
        return s.problems().stream().filter(p -> p.severity() == Problem.Severity.FATAL).findFirst()
                .or(() -> s.problems().isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(s.problems().getLast()))
                .map(Problem::describe).orElse("failed");
    }

    /**
     * Its own equals and hashCode: a record's are bootstrapped at their first call
     * ({@code ObjectMethods}, a dozen method-handle forms spun at run time, which an AOT cache does
     * not keep), and that first call came on the events thread with the first stream's event in
     * every CLI recovery (docs/benchmarks-passes.md, "./jetstart recover's own start").
     */
    private record StreamKey(String account, String stream) {
        @Override
        public boolean equals(Object o) {
            return o instanceof StreamKey k && account.equals(k.account) && stream.equals(k.stream);
        }

        @Override
        public int hashCode() {
            return 31 * account.hashCode() + stream.hashCode();
        }
    }

    /** A running stream; mutated on the reporter thread only, read by {@link #progress()} only through a snapshot. */
    private static final class Running {
        final String account;
        final String stream;
        final long blockBytes;
        final long startNanos;
        long scanned;
        boolean consumersPhase;

        Running(String account, String stream, long blockBytes, long startNanos) {
            this.account = account;
            this.stream = stream;
            this.blockBytes = blockBytes;
            this.startNanos = startNanos;
        }

        /** Block bytes this stream has done so far: never more than discovery found. */
        long done() {
            return Math.min(scanned, blockBytes);
        }
    }

    private record Snapshot(int streamsTotal, int streamsDone, int streamsFailed, long bytesTotal, long bytesDone,
                            int restoringMessages, int restoringConsumers, long startNanos, boolean finished, long endNanos,
                            Running slowest, long slowestScanned) {
        static final Snapshot NONE = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, false, 0, null, 0);
    }
}
