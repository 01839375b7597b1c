package io.jetstart.runtime;

import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.SequencePair;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.store.SubjectFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A pull consumer served by the runtime, as an application uses it: {@link #fetch}, {@link #next}
 * and {@link #consume}, the acknowledgements of {@link ConsumedMessage}, and {@link #status}. The
 * delivery rules and both copies of the state are nats-server's ({@code consumer.go} and its
 * {@code consumerFileStore}), in {@link ConsumerDelivery} and {@link ConsumerFileState}; this class
 * adds what the server does around them: the waiting pull requests, handing acks to the stream's
 * retention, and when an {@code o.dat} may be written.
 *
 * <p>Design note: the server keeps two copies of the state, the consumer's (pending with the
 * delivery time, used for redelivery) and its store's (pending with the message time, written to
 * {@code o.dat}); their ack floors move by slightly different rules. Both are kept, literally,
 * so that what a restarted server reads from our {@code o.dat} is what it would have written.
 * Everything is guarded by one lock; message reads under it hit the store's block cache.
 */
public final class PullConsumer {
    /** What one request of a {@link #consume} loop asks for, within the consumer's request limits. */
    private static final int CONSUME_BATCH = 100;
    private static final Duration CONSUME_EXPIRES = Duration.ofMillis(200);
    private final JetStartStream stream;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    /** Held while acks are handed to the stream's retention, so an o.dat write can order itself after them. */
    private final ReentrantLock releasing = new ReentrantLock();
    /** Set and taken under {@link #releasing}; read by {@link #finalState} too. */
    private volatile PendingWrite pendingWrite;
    /**
     * Set when {@link #stateToWriteAfterReleases} hands out a state (under {@link #releasing}),
     * cleared by {@link #odatWriteEnded} once its write has ended: no other state is handed out
     * meanwhile, so this consumer's o.dat writes never overlap and a later state never lands
     * before an earlier one (nats-server's {@code o.writing}). Since 2026-12-07 the housekeeper no
     * longer waits for a tick's writes, and its next tick could take a state while the last one
     * was still queued behind thousands of others.
     */
    private volatile boolean odatWriting;
    private final Condition changed = lock.newCondition();
    private ConsumerConfig config;
    private volatile ConsumerSettings s;
    private volatile SubjectFilter filter;
    /** The config's {@code pause_until}; set with {@link #config}, under {@link #lock}. */
    private PauseUntil pause;
    /**
     * Set while a pause is in force, cleared by the tick that sees it end (and wakes the waiting
     * fetches then, as the server's unpause timer signals its delivery loop). Under {@link #lock}.
     */
    private boolean pauseToEnd;
    /** Test seam: the wall clock the pause is judged by (nanos). Null in service: {@link #now()}. */
    private volatile java.util.function.LongSupplier pauseClock;
    /** The consumer's own state and its store's (consumer.go, consumerFileStore). */
    private final ConsumerDelivery d;
    /** When the housekeeper must look at this consumer next (wall nanos), as of the last tick. */
    private volatile long nextDue = Long.MAX_VALUE;
    // Activity and housekeeping.
    private int waiting;
    private long lastWrite;
    private boolean deleted;
    private final List<AutoCloseable> consumes = new ArrayList<>();
    private final ConsumerCounters meters;
    /**
     * Test seam: sees a {@link #consume} loop's thread between its making and its registration,
     * the window a close or delete can fall into (PullConsumerCloseRaceTest closes the store
     * there). Null in service.
     */
    private volatile Consumer<Thread> beforeConsumeRegistered;

    PullConsumer(JetStartStream stream, ConsumerConfig config, ConsumerCounters meters) {
        this.stream = stream;
        this.config = config;
        this.s = ConsumerDefinitions.settings(config);
        this.name = s.name();
        this.filter = new SubjectFilter(s.filters());
        this.pause = PauseUntil.of(config);
        this.pauseToEnd = pause.set();
        this.meters = meters;
        this.d = new ConsumerDelivery(this, stream, s, filter, meters, new Wake(changed));
    }

    public String name() {
        return name;
    }

    public String streamName() {
        return stream.name();
    }

    public ConsumerConfig config() {
        lock.lock();
        try {
            return config;
        } finally {
            lock.unlock();
        }
    }

    // ---- start and restore -------------------------------------------------------------------

    /** A new consumer: nats-server's selectStartingSeqNo, then SetStarting(sseq - 1). */
    void start() throws InterruptedException {
        lock.lock();
        try {
            d.start();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A consumer recovery restored: its {@code o.dat} (recovery's delivered and ack floor where it
     * reconciled or started it), then what nats-server does as the consumer starts
     * ({@link ConsumerDelivery#restore}).
     */
    void restore(SequencePair delivered, SequencePair ackFloor, ConsumerState file) throws InterruptedException {
        lock.lock();
        try {
            d.restore(delivered, ackFloor, file);
        } finally {
            lock.unlock();
        }
    }

    // ---- the pull API ------------------------------------------------------------------------

    /**
     * A pull request: up to {@code batch} messages and (when {@code maxBytes} &gt; 0) at most that
     * many bytes as nats-server counts them (subject, ack reply subject, headers and payload of each
     * message); waits up to {@code expires} for the batch to fill, and returns what was delivered by
     * then (possibly nothing). {@code Duration.ZERO}: no wait (the server's {@code no_wait}).
     * A message that does not fit the bytes left ends the request, as on the server (which sends
     * 409 "Message Size Exceeds MaxBytes" after what it delivered): what came before is returned.
     *
     * @throws PullRequestRefusedException a request nats-server answers with a 409 status and no
     *         message, with nothing delivered for it: above the consumer's {@link #requestLimits()}
     *         ({@code max_batch}, {@code max_expires}, {@code max_bytes}), with {@code max_waiting}
     *         requests already waiting, or whose first message is larger than {@code maxBytes}
     */
    public List<ConsumedMessage> fetch(int batch, long maxBytes, Duration expires) throws InterruptedException {
        return fetch(batch, maxBytes, expires, false);
    }

    /** With {@code anyIsEnough}, returns as soon as one message was delivered (what {@link #consume} needs). */
    private List<ConsumedMessage> fetch(int batch, long maxBytes, Duration expires, boolean anyIsEnough) throws InterruptedException {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        long deadline = System.nanoTime() + Math.max(0, expires.toNanos());
        List<ConsumedMessage> out = new ArrayList<>(Math.min(batch, 1024));
        long bytesLeft = maxBytes > 0 ? maxBytes : Long.MAX_VALUE;
        lock.lockInterruptibly();
        try {
            checkUsable();
            // processNextMsgRequest's order: the request limits, then a no-wait request with nothing
            // to deliver (404, an empty answer here), then the waiting queue (409 when full). A
            // refused request delivers nothing and leaves no trace in the consumer's state.
            PullRequestLimits limits = s.requestLimits();
            Optional<PullRequestRefusedException> refused = limits.refusal(batch, maxBytes, Math.max(0, expires.toNanos()));
            if (refused.isPresent()) {
                throw refused.get();
            }
            // nats-server answers a no-wait request with nothing pending and no redelivery queued
            // 404 at once (processNextMsgRequest), without getNextMsg, so its next sequence stays
            // where it was; a look that reached the end of the stream moved ours past the last, which
            // a purge then wrote into delivered (ConsumerModelIT, seeds 2 and 3 on a work queue). Such a
            // request finds nothing here either: its first look leaves the sequence alone.
            boolean firstLookOnly = expires.toNanos() <= 0 && !d.redeliveriesQueued();
            // `waiting` counts the fetches parked in the wait below (a fetch holds the lock while it
            // delivers), the server's waiting queue. A full queue refuses the request, unless it is a
            // no-wait one with nothing to deliver, which the server answers 404 before it looks.
            if (waiting >= limits.maxWaiting()) {
                if (firstLookOnly && d.numPending() == 0) {
                    d.touch(now());
                    return List.of();
                }
                throw PullRequestRefusedException.maxWaiting();
            }
            d.touch(now());
            waiting++;
            try {
                while (true) {
                    // One time for the messages one pass delivers: nats-server serves a pull request's
                    // batch within microseconds, so their ack waits end together and they are
                    // redelivered in sequence order; reads here take longer, and must not split them.
                    long passTime = now();
                    // Paused (pause_until): nothing is delivered, redeliveries neither; the request
                    // waits as the server's does (its delivery loop skips while paused) and takes
                    // what is there once the time has come, woken by the tick that sees it end.
                    boolean paused = pause.paused(pauseNow());
                    d.newPass();
                    while (!paused && out.size() < batch) {
                        ConsumedMessage m = d.deliverNext(bytesLeft, passTime, !(firstLookOnly && out.isEmpty()));
                        if (m == null) {
                            break;
                        }
                        if (bytesLeft != Long.MAX_VALUE) {
                            bytesLeft -= d.lastSize();
                        }
                        out.add(m);
                    }
                    d.endPass();
                    if (d.lastDidNotFit()) {
                        // nextWaiting: the server ends the request with 409 "Message Size Exceeds
                        // MaxBytes"; the message stays for the next request. Nothing delivered: a refusal.
                        if (out.isEmpty()) {
                            throw PullRequestRefusedException.messageSizeExceedsMaxBytes();
                        }
                        break;
                    }
                    if (out.size() >= batch || bytesLeft <= 0 || (anyIsEnough && !out.isEmpty())) {
                        break;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || deleted) {
                        break;
                    }
                    // NOTE: no close race: markDeleted sets deleted and signals under this lock, read
                    // above under it, so a close cannot fall between the look and the wait; the wait
                    // is bounded anyway. A consume loop started after a close ends at its first fetch.
                    changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
                    checkUsable();
                }
            } finally {
                waiting--;
                d.touch(now());
            }
        } finally {
            lock.unlock();
        }
        if (!out.isEmpty()) {
            // Delivered: its ack-wait timer runs and its o.dat is due.
            stream.consumerChanged();
        }
        release();
        return out;
    }

    /** The next message, waiting up to {@code timeout}; empty when none came. */
    public Optional<ConsumedMessage> next(Duration timeout) throws InterruptedException {
        List<ConsumedMessage> one = fetch(1, 0, timeout);
        return one.isEmpty() ? Optional.empty() : Optional.of(one.get(0));
    }

    /**
     * Runs {@code handler} on a virtual thread for every message, in delivery order, until the
     * returned handle is closed (or the consumer deleted, or the store closed: either joins the
     * loop). The handler acknowledges; an exception from it leaves the message to the ack wait.
     * Each request the loop makes is within the consumer's {@link #requestLimits()} (100 messages
     * and 200 ms, or {@code max_batch} and {@code max_expires} when smaller); one refused because
     * {@code max_waiting} requests are waiting is made again after its expiry.
     *
     * @throws JetStreamApiException "consumer not found" (10014) once the consumer is deleted or
     *                               its store's close has begun, as {@link #fetch} does
     */
    public AutoCloseable consume(Consumer<ConsumedMessage> handler) {
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        // Made, not started: it starts only once registered (below), so a close or delete either
        // finds it in consumes and joins it, or came first and it never starts. Started before its
        // registration, a loop that a close overtook ran its handler after close() had returned.
        Thread t = Thread.ofVirtual().name("jetstart-consume " + stream.name() + " > " + name).unstarted(() -> {
            while (running.get()) {
                List<ConsumedMessage> batch;
                // Asked within the consumer's request limits (read each time: an update may change
                // them), as a client's consume does; a max_batch or max_expires below these refused
                // every request and the loop ended at once.
                PullRequestLimits limits = s.requestLimits();
                Duration expires = limits.expiresWithin(CONSUME_EXPIRES);
                try {
                    batch = fetch(limits.batchWithin(CONSUME_BATCH), 0, expires, true);
                } catch (InterruptedException e) {
                    return;
                } catch (PullRequestRefusedException e) {
                    // max_waiting requests are waiting (other fetches, other loops), or an update
                    // lowered a limit since it was read: the server refuses this one (409) and a
                    // client asks again later; so does the loop, with the limits read again.
                    try {
                        Thread.sleep(expires);
                    } catch (InterruptedException stop) {
                        return;
                    }
                    continue;
                } catch (IllegalStateException | JetStreamApiException e) {
                    return;
                }
                for (ConsumedMessage m : batch) {
                    if (!running.get()) {
                        // Closed by the handler itself (below): the rest of the batch is left to the ack wait.
                        break;
                    }
                    try {
                        handler.accept(m);
                    } catch (RuntimeException e) {
                        // Left to the ack wait, as a client whose handler threw never acks.
                    }
                }
            }
        });
        AutoCloseable[] self = new AutoCloseable[1];
        AutoCloseable handle = () -> {
            running.set(false);
            // NOTE: closed from the handler, on the loop's own thread (a handler that stops after N
            // messages, or closes the store or deletes the consumer, which close every loop): joining
            // itself waited for ever. The loop ends once the handler returns; it is not interrupted,
            // so the handler's own calls (an ack, a close) finish as they would.
            if (Thread.currentThread() != t) {
                t.interrupt();
                t.join(); // returns at once for a loop never started
            }
            lock.lock();
            try {
                consumes.remove(self[0]);
            } finally {
                lock.unlock();
            }
        };
        self[0] = handle;
        Consumer<Thread> seam = beforeConsumeRegistered;
        if (seam != null) {
            seam.accept(t);
        }
        // Under the lock markDeleted sets deleted under: registered before it looks, or refused.
        lock.lock();
        try {
            checkUsable();
            consumes.add(handle);
            t.start();
        } finally {
            lock.unlock();
        }
        return handle;
    }

    // ---- pause -------------------------------------------------------------------------------

    /**
     * Pauses the consumer until {@code until} (nats-server 2.11+'s {@code $JS.API.CONSUMER.PAUSE}):
     * until then it delivers nothing, redeliveries included: {@link #fetch} and {@link #next} wait
     * (up to their own expiry) and {@link #consume} loops get nothing; acks, naks and terms of what
     * was delivered before are taken. Deliveries start again at the time by themselves. The time is
     * kept in the config's {@code pause_until} (UTC) and its {@code meta.inf}, so a reopened store,
     * or a 2.11+ server started on the files, keeps the pause. A time in the past is kept too and
     * pauses nothing, as the server keeps it. Returns the status after the pause
     * ({@link ConsumerStatus#paused()}, {@link ConsumerStatus#pauseRemaining()}).
     *
     * @throws JetStreamApiException "consumer not found" (10014) once the consumer is deleted
     */
    public ConsumerStatus pause(java.time.Instant until) throws java.io.IOException, InterruptedException {
        java.util.Objects.requireNonNull(until, "until is required; resume() ends a pause");
        stream.requireCurrent();
        stream.consumers().pause(this, until);
        return status();
    }

    /** Ends a pause: {@code pause_until} leaves the config and its {@code meta.inf}; deliveries start at once. */
    public ConsumerStatus resume() throws java.io.IOException, InterruptedException {
        stream.requireCurrent();
        stream.consumers().pause(this, null);
        return status();
    }

    /** The consumer's pull request limits: {@code max_batch}, {@code max_expires}, {@code max_bytes}, {@code max_waiting}. */
    public PullRequestLimits requestLimits() {
        return s.requestLimits();
    }

    private void checkUsable() {
        if (deleted) {
            // A consumer closed by its stream's resume says so: the new stream serves it again.
            stream.requireCurrent();
            throw ConsumerDefinitions.notFound();
        }
    }








    // ---- acknowledgements --------------------------------------------------------------------

    void ack(ConsumedMessage m) {
        boolean toRelease;
        lock.lock();
        try {
            // After a delete or the store's close no o.dat is written again: an ack taken then would
            // show in status() and be lost. Refused as a fetch is (10014).
            checkUsable();
            if (d.ack(m.streamSeq(), m.consumerSeq())) {
                meters.acked();
            }
            // On a limits stream nothing is ever released: two more lock rounds per ack for nothing.
            toRelease = d.hasReleased();
        } finally {
            lock.unlock();
        }
        stream.consumerChanged();
        if (toRelease) {
            release();
        }
    }

    /**
     * Tells the stream (outside this consumer's lock: retention asks every consumer of the stream)
     * which messages this consumer no longer needs.
     */
    private void release() {
        releasing.lock();
        try {
            long[] seqs;
            lock.lock();
            try {
                if (!d.hasReleased()) {
                    return;
                }
                seqs = d.takeReleased();
            } finally {
                lock.unlock();
            }
            handOn(seqs, false);
        } finally {
            releasing.unlock();
        }
    }

    /**
     * Hands {@code seqs} to the stream's retention (under {@link #releasing}). NOTE: the hand-over
     * reads each message (its subject says who still needs it), and an interrupt stops a read
     * that goes to the file (a block grown since it was cached: ClosedByInterruptException). A
     * consume loop's thread is interrupted by its close, which a store's close and a consumer's
     * delete do to every loop, often while its handler acks: the ack returned and its removal was
     * dropped, so an interest or work-queue stream kept the message for good. Given back instead,
     * for the next hand-over (an ack, a fetch, the tick, the close), whose thread is not interrupted.
     */
    private CompletableFuture<?> handOn(long[] seqs, boolean barrier) {
        CompletableFuture<?> handed = stream.consumerAckedWritten(this, seqs, barrier);
        if (seqs.length > 0 && handed.isCompletedExceptionally()
                && handed.exceptionNow() instanceof InterruptedException) {
            lock.lock();
            try {
                d.giveBack(seqs);
            } finally {
                lock.unlock();
            }
        }
        return handed;
    }

    /**
     * After {@link #markDeleted} (a close or a delete): hands on the acks taken before it that no
     * thread has handed to the stream's writer yet, after any thread handing some on now (it holds
     * {@link #releasing}); the future completes once the writer has written their removals.
     * NOTE: an ack takes its state under {@link #lock} and hands its removal on after letting go;
     * a close that fell between wrote the ack into {@code o.dat} and stopped the writer before the
     * removal reached it, so an interest or work-queue stream kept for good a message its ack had
     * released (CloseWhileBusyHammerTest; nats-server removes it in the ack's own step).
     */
    CompletableFuture<?> releaseTaken() {
        releasing.lock();
        try {
            long[] seqs;
            lock.lock();
            try {
                seqs = d.takeReleased();
            } finally {
                lock.unlock();
            }
            return handOn(seqs, true);
        } finally {
            releasing.unlock();
        }
    }

    void term(ConsumedMessage m) {
        ack(m);
    }

    void nak(ConsumedMessage m, Duration delay) {
        lock.lock();
        try {
            checkUsable();
            if (d.nak(m, delay)) {
                meters.naked();
            }
        } finally {
            lock.unlock();
        }
        stream.consumerChanged();
    }

    void inProgress(ConsumedMessage m) {
        lock.lock();
        try {
            checkUsable();
            d.inProgress(m.streamSeq());
        } finally {
            lock.unlock();
        }
        stream.consumerChanged();
    }

    // ---- timers --------------------------------------------------------------------------------

    /**
     * The housekeeper's tick: checkPending when its timer is due; true if the consumer should be
     * removed for inactivity. Sets {@link #nextDue}: the ack-wait timer, the inactivity limit, and
     * the next tick while there is state to write or acks to hand on.
     */
    boolean tick(long now) {
        boolean inactive;
        nextDue = Long.MAX_VALUE;
        lock.lock();
        try {
            if (deleted) {
                return false;
            }
            long due = d.tick(now);
            due = Math.min(due, pauseDue());
            long limit = s.inactiveThresholdNanos();
            boolean idle = waiting == 0 && consumes.isEmpty();
            inactive = limit > 0 && idle && now - d.lastActive() > limit;
            if (limit > 0 && !inactive) {
                // In use now: looked at again a limit from now (activity only moves the end later).
                due = Math.min(due, idle ? d.lastActive() + limit + 1 : now + limit);
            }
            // A change while the last o.dat write is under way waits for it (odatWriteEnded wakes the housekeeper then).
            if ((d.dirty() && !odatWriting) || d.hasReleased() || pendingWrite != null) {
                due = Math.min(due, now + ConsumerHousekeeper.TICK_NANOS);
            }
            nextDue = due;
        } finally {
            lock.unlock();
        }
        // The housekeeper serves every consumer: it does not wait behind an acking thread that is
        // handing acks to a busy writer (what is left is handed on at a later tick or ack).
        if (releasing.tryLock()) {
            try {
                release();
            } finally {
                releasing.unlock();
            }
        }
        return inactive;
    }



    /**
     * The stream was purged ({@link ConsumerDelivery#purged}); called by the stream's writer once
     * the purge is published. The state changed is written to {@code o.dat} at the next tick, and
     * acks a purge's single removal terminated are handed on then too (never from the writer's thread).
     */
    void purged(StreamPurge purge) {
        lock.lock();
        try {
            if (!deleted) {
                d.purged(purge);
            }
        } finally {
            lock.unlock();
        }
    }

    long nextDue() {
        return nextDue;
    }

    /**
     * When the housekeeper must look at the pause (under {@link #lock}): at its end while it is in
     * force (the server's {@code uptmr}); once ended, the fetches waiting are woken and the pause
     * needs no more looks. Long.MAX_VALUE when there is nothing to do.
     */
    private long pauseDue() {
        if (!pauseToEnd) {
            return Long.MAX_VALUE;
        }
        if (pause.paused(pauseNow())) {
            return pause.nanos();
        }
        pauseToEnd = false;
        changed.signalAll();
        return Long.MAX_VALUE;
    }

    /** The wall nanos a pause is judged by: {@link #now()}, or the test seam's clock. */
    private long pauseNow() {
        java.util.function.LongSupplier c = pauseClock;
        return c == null ? now() : c.getAsLong();
    }

    /** Test seam: judges the pause by {@code clock} (wall nanos) from now on. */
    void pauseClock(java.util.function.LongSupplier clock) {
        pauseClock = clock;
    }

    /** Wakes fetches waiting for messages (a publish was committed). */
    void signal() {
        if (lock.tryLock()) {
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        // A fetch holding the lock re-checks within its 50 ms wait slice.
    }

    // ---- state, files ------------------------------------------------------------------------

    /** CONSUMER.INFO as nats-server 2.14+ answers it. */
    public ConsumerStatus status() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long numPending = d.numPending();
            return new ConsumerStatus(stream.name(), name, config, d.delivered(), d.ackFloor(),
                    d.ackPending(), d.numRedelivered(), numPending, waiting, Optional.empty(), pause.remaining(pauseNow()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * For a test: the count the consumer keeps for {@link ConsumedMessage#pending()} at its position
     * now, and a recount of the same ({@link NumPending#count}); equal whenever nothing is published
     * or removed meanwhile.
     */
    KeptPending keptPending() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            return d.keptPending();
        } finally {
            lock.unlock();
        }
    }

    /** {@link #keptPending}'s answer. */
    record KeptPending(long kept, long recounted) {
    }

    /** The o.dat bytes when the state changed since the last write (and 100 ms have passed), else null. */
    byte[] stateToWrite(long now, boolean force) {
        lock.lock();
        try {
            if (deleted || !d.dirty() || (!force && now - lastWrite < 100_000_000L)) {
                return null;
            }
            lastWrite = now;
            return d.encode(now);
        } finally {
            lock.unlock();
        }
    }

    /**
     * As {@link #stateToWrite}, for the housekeeper, handed out only once the stream's writer has
     * written the removals of every ack the bytes record (interest and work-queue streams): the
     * state is taken and the acks not yet handed on are submitted with a barrier behind them, and
     * the bytes come back from a later call once the barrier is written (null meanwhile, and null
     * when another thread is handing acks on: never a wait). Design note: acks reach the writer
     * from the acking thread after the consumer's lock is let go, and the writer writes them when
     * it gets to them; an {@code o.dat} written first and a kill -9 before the tombstone brought
     * acknowledged work-queue messages back into the stream (ConsumeCrashIT). Taking the state and
     * the acks not yet handed on under {@link #releasing} orders both.
     */
    byte[] stateToWriteAfterReleases(long now, boolean force) {
        if (odatWriting || !releasing.tryLock()) {
            return null;
        }
        try {
            byte[] state = takeStateAfterReleases(now, force);
            if (state != null) {
                odatWriting = true;
            }
            return state;
        } finally {
            releasing.unlock();
        }
    }

    /**
     * The write of a state {@link #stateToWriteAfterReleases} handed out has ended (written, failed
     * or given back): the next may be handed out. NOTE: no lost change. A change made while the
     * write was under way set the state dirty and woke the housekeeper, whose tick then handed out
     * nothing and set no 10 ms look ({@link #tick}); the flag is cleared here before the dirty state is
     * read, so either this sees that change and wakes the housekeeper again, or the change came
     * after the clear and its own wake finds the flag clear.
     */
    void odatWriteEnded() {
        odatWriting = false;
        boolean dirty;
        lock.lock();
        try {
            dirty = d.dirty() && !deleted;
        } finally {
            lock.unlock();
        }
        if (dirty) {
            stream.consumerChanged();
        }
    }

    /** {@link #stateToWriteAfterReleases}'s work, under {@link #releasing}. */
    private byte[] takeStateAfterReleases(long now, boolean force) {
        PendingWrite p = pendingWrite;
        if (p != null) {
            if (!p.written().isDone()) {
                return null;
            }
            pendingWrite = null;
            if (p.written().isCompletedExceptionally()) {
                markDirty();
                return null;
            }
            return p.state();
        }
        byte[] state;
        long[] seqs;
        lock.lock();
        try {
            state = stateToWrite(now, force);
            if (state == null) {
                return null;
            }
            seqs = d.takeReleased();
        } finally {
            lock.unlock();
        }
        CompletableFuture<?> written = handOn(seqs, true);
        if (written.isDone() && !written.isCompletedExceptionally()) {
            return state;
        }
        pendingWrite = new PendingWrite(state, written);
        return null;
    }

    /** An o.dat waiting for the writer to write the removals of the acks it records. */
    private record PendingWrite(byte[] state, CompletableFuture<?> written) {
    }

    /** The o.dat bytes at close when anything changed since the last write (deleted or not). */
    byte[] finalState() {
        lock.lock();
        try {
            // An o.dat still waiting for its barrier is due as well: its state has changed since the last write.
            if (!d.dirty() && pendingWrite == null) {
                return null;
            }
            return d.encode(now());
        } finally {
            lock.unlock();
        }
    }


    void markDirty() {
        lock.lock();
        try {
            d.markDirty();
        } finally {
            lock.unlock();
        }
        stream.consumerChanged();
    }

    /** Whether this consumer still needs stream message {@code seq} (nats-server's needAck). */
    boolean needs(long seq, String subject) {
        lock.lock();
        try {
            if (!filter.matches(subject)) {
                return false;
            }
            return d.needs(seq);
        } finally {
            lock.unlock();
        }
    }

    boolean matches(String subject) {
        return filter.matches(subject);
    }

    List<String> filters() {
        return s.filters();
    }

    void reconfigure(ConsumerConfig c) {
        lock.lock();
        try {
            config = c;
            s = ConsumerDefinitions.settings(c);
            filter = new SubjectFilter(s.filters());
            pause = PauseUntil.of(c);
            pauseToEnd = pause.set();
            d.reconfigure(s, filter);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        stream.consumerChanged();
    }

    /** Whether {@link #markDeleted} has run (a delete, or the store's close): no o.dat is written for it any more. */
    boolean isDeleted() {
        lock.lock();
        try {
            return deleted;
        } finally {
            lock.unlock();
        }
    }

    /** Test seam: {@code hook} sees each {@link #consume} loop's thread before the loop is registered. */
    void beforeConsumeRegistered(Consumer<Thread> hook) {
        beforeConsumeRegistered = hook;
    }

    /** Stops fetches and consume loops; the files are the caller's. */
    void markDeleted() {
        List<AutoCloseable> running;
        lock.lock();
        try {
            deleted = true;
            changed.signalAll();
            running = List.copyOf(consumes);
            consumes.clear();
        } finally {
            lock.unlock();
        }
        for (AutoCloseable c : running) {
            try {
                c.close();
            } catch (Exception ignored) {
                // A consume loop that ends with an error is ended all the same.
            }
        }
    }

    /** headers_only: the payload's size in a {@code Nats-Msg-Size} header, as the server adds it. */
    static byte[] withMsgSize(byte[] headers, int size) {
        String line = "Nats-Msg-Size: " + size + "\r\n";
        if (headers.length == 0) {
            return ("NATS/1.0\r\n" + line + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        String h = new String(headers, java.nio.charset.StandardCharsets.UTF_8);
        int end = h.endsWith("\r\n\r\n") ? h.length() - 2 : h.length();
        return (h.substring(0, end) + line + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Messages delivered and not acknowledged now (num_ack_pending), without counting num_pending. */
    public long ackPending() {
        lock.lock();
        try {
            return d.ackPending();
        } finally {
            lock.unlock();
        }
    }

    /** Deliveries, acks, naks and redeliveries so far, for the metrics binder. */
    public ConsumerCounters counters() {
        return meters;
    }

    private static long now() {
        return WriterLoop.wallNanos();
    }

    /**
     * Wakes the consumer's waiting fetches when its delivery state changes. A named class, not
     * {@code changed::signalAll}: made for every consumer served, on the way of the first stream
     * with consumers, where a fresh JVM would spin a method reference's class at run time.
     */
    private static final class Wake implements Runnable {
        private final Condition changed;

        Wake(Condition changed) {
            this.changed = changed;
        }

        @Override
        public void run() {
            changed.signalAll();
        }
    }
}
