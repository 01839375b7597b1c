package io.jetstart.runtime;

import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.SequencePair;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StartPosition;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import io.jetstart.core.store.SubjectRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A pull consumer's delivery state and rules, nats-server's {@code consumer.go}: what to hand out
 * next ({@code getNextMsg}: redeliveries first, then max ack pending, then the skip list of
 * {@code last_per_subject}, then the next matching message), the consumer's own pending messages,
 * redelivery counts and queue and ack floors ({@code trackPending}, {@code processAckMsg},
 * {@code moveAckFloor}, {@code processNak}, {@code progressUpdate}), and its ack-wait timer
 * ({@code checkPending}: ack wait, backoff, max deliver). Every change is mirrored into its file
 * store's copy ({@link ConsumerFileState}), as the server's consumer calls its store.
 *
 * <p>Not thread-safe: {@link PullConsumer} calls it under its lock; {@code wake} signals that
 * lock's condition (a redelivery is due, an ack made room).
 */
final class ConsumerDelivery {
    /** Sequences after the last delivered one read directly before a block scan (see {@link #nextFrom}). */
    private static final int DIRECT_PROBES = 32;

    private final PullConsumer owner;
    private final JetStartStream stream;
    private final ConsumerCounters meters;
    private final Runnable wake;
    private ConsumerSettings s;
    private SubjectFilter filter;
    private long sseq;
    private long dseq;
    private long adflr;
    private long asflr;
    private final SequenceMap<PendingMessage> pending = new SequenceMap<>();
    private final SequenceMap<Long> rdc = new SequenceMap<>();
    private final RedeliveryQueue rdq = new RedeliveryQueue();
    private long[] lss;
    private int lssAt;
    private long lssResume;
    /**
     * What nats-server's count ({@code o.npc}) lost along a {@code last_per_subject} skip list
     * beyond what the skip list and the messages after it show: entries passed without a delivery
     * (removed before their turn: the server took each off when it went, and no delivery takes it
     * off again) less the matching messages of the list's range removed at or after the position
     * ({@code decStreamPending}: entries, and messages between them that are not entries). Kept after
     * the list ends, as the server's count keeps it, until the server would count afresh (a batch
     * removal, a filter change) or reset it (its position past the stream's end). See {@link #lookAtSkipList}.
     */
    private long lssSkipped;
    private long lssRemoved;
    /**
     * A {@code last_per_subject} consumer's count after nats-server counted it afresh by subjects
     * (a purge of more than one message, a filter change, a restart: {@code streamNumPending} with
     * {@code lastPerSubject}), less the runtime's count of messages at the same moment: 0 or less,
     * as a subject counts once however many of its messages lie past the position. Each later
     * delivery, matching publish and removal past the position moves both counts by one, so the
     * difference is kept, as the server's count keeps it, until it counts afresh again or resets
     * (its position past the stream's end). Taken at the first look after the news
     * ({@link #recountBySubjects}).
     */
    private long bySubjects;
    /** The server counted this {@code last_per_subject} consumer afresh by subjects: taken at the next look. */
    private boolean bySubjectsDue;
    /**
     * The skip list's range as last looked at ({@link #lookAtSkipList}): from position
     * {@code lssBaseFrom} (-1: none) to its end, its live and its matching messages.
     */
    private long lssBaseFrom = -1;
    private long lssBaseLive;
    private long lssBaseMatching;
    /** The view this pass started from ({@link #newPass}), which its end takes the skip list's range in. */
    private StreamView passView;
    /** Set by {@link #deliverNext}: see {@link #lastDidNotFit}. */
    private boolean didNotFit;
    /** See {@link #lastSize}. */
    private long lastSize;
    /**
     * The consumer's num_pending after the last delivery of this pass (what its ack reply carried);
     * -1 until this pass counted it. See {@link #pendingAfter}.
     */
    private long passPending = -1;
    /** The kept count {@link #pendingAfter} starts each pass from (nats-server's {@code o.npc}). */
    private final PendingCount kept;
    /** When checkPending is due. */
    private final AckWaitTimer timer = new AckWaitTimer();
    /** Its file store's state (consumerFileStore), what o.dat holds. */
    private final ConsumerFileState fileState = new ConsumerFileState();
    /** Whether the state changed since o.dat was last encoded. */
    private boolean dirty;
    private long lastActive;
    /** Acknowledged stream sequences the stream's retention has not been told about yet. */
    private final List<Long> released = new ArrayList<>();
    /** The stream configuration {@link #removesOnAckNow} was read from. */
    private StreamConfig retentionOf;
    private boolean removesOnAckNow;

    ConsumerDelivery(PullConsumer owner, JetStartStream stream, ConsumerSettings s, SubjectFilter filter,
                     ConsumerCounters meters, Runnable wake) {
        this.owner = owner;
        this.stream = stream;
        this.s = s;
        this.filter = filter;
        this.meters = meters;
        this.wake = wake;
        this.lastActive = now();
        this.kept = new PendingCount(stream, filter);
    }

    void reconfigure(ConsumerSettings settings, SubjectFilter subjects) {
        this.s = settings;
        this.filter = subjects;
        kept.filter(subjects);
        // The server counts afresh on an update (streamNumPending).
        forgetSkipListLossesAtNextLook();
        dirty = true;
    }

    // ---- start and restore -------------------------------------------------------------------

    /** A new consumer: nats-server's selectStartingSeqNo, then SetStarting(sseq - 1). */
    void start() throws InterruptedException {
        StartPosition at = startPosition();
        sseq = at.sseq();
        useSkipList(at);
        dseq = 1;
        adflr = 0;
        asflr = sseq - 1;
        fileState.start(sseq);
        dirty = true;
    }

    /** nats-server's selectStartingSeqNo on the stream as it is now (core's rule, the newest line's). */
    private StartPosition startPosition() throws InterruptedException {
        return StartPosition.select(new StreamStartSource(stream), new StartPosition.Request(s.deliverPolicy(),
                s.optStartSeq(), s.optStartTimeNanos(), s.filters(), stream.config().maxMsgsPerSubject()), ServerLine.NEWEST);
    }

    private void useSkipList(StartPosition at) throws InterruptedException {
        if (at.skipList() != null) {
            lss = at.skipList();
            lssAt = 0;
            lssResume = at.resume();
            forgetSkipListLosses(stream.view());
        }
    }

    /** The server's count is made afresh: no loss carried, and removals are looked for from {@code v} on. */
    private void forgetSkipListLosses(StreamView v) throws InterruptedException {
        lssSkipped = 0;
        lssRemoved = 0;
        bySubjects = 0;
        bySubjectsDue = false;
        skipListBaseline(v);
    }

    /**
     * As {@link #forgetSkipListLosses}, with the range taken at the next look (a purge's news comes
     * on the writer's thread, which must not read blocks for a consumer).
     */
    private void forgetSkipListLossesAtNextLook() {
        lssSkipped = 0;
        lssRemoved = 0;
        lssBaseFrom = -1;
        bySubjects = 0;
        // The server counts a last_per_subject consumer afresh by subjects, not by messages
        // (NumPending with lastPerSubject), also long after its skip list ended.
        bySubjectsDue = "last_per_subject".equals(s.deliverPolicy());
    }

    /**
     * Takes the server's count by subjects made afresh since the last look ({@link #bySubjects}):
     * the matching subjects with a message at or past the position, against the runtime's count
     * now. Made at the look, not when the news came (the writer's thread must not read blocks), so a
     * publish between a purge and the next fetch or status is counted as the server's later count
     * by subjects would, not as one more.
     */
    private void recountBySubjects(StreamView v) throws InterruptedException {
        if (!bySubjectsDue) {
            return;
        }
        bySubjectsDue = false;
        long messages = lss != null ? lss.length - lssAt + NumPending.count(stream, v, filter, lssResume + 1)
                : NumPending.count(stream, v, filter, sseq);
        bySubjects = Math.min(0, NumPending.subjectsFrom(stream, v, filter, sseq) - messages);
    }

    /** Takes the skip list's range in {@code v} from the position on as what later looks compare with. */
    private void skipListBaseline(StreamView v) throws InterruptedException {
        if (lss == null) {
            lssBaseFrom = -1;
            return;
        }
        lssBaseFrom = sseq;
        lssBaseLive = liveIn(v, sseq, lssResume);
        lssBaseMatching = NumPending.inRange(stream, v, filter, sseq, lssResume);
    }

    /**
     * Takes into {@link #lssRemoved} the matching messages of the skip list's range (the position
     * to the stream's last sequence when the list was made) that went since the last look: at the
     * start of a pass and at a status, against what the end of the last pass (or the last look)
     * left at the same position, so removals during a pass are in the next look, as the server's
     * count lags a removal on another goroutine. Only numbers are kept, never an older view, whose
     * blocks the writer may have removed since. A range that lost nothing (its live count) is not
     * counted again; no message is read when the blocks' subjects are in memory.
     */
    private void lookAtSkipList(StreamView v) throws InterruptedException {
        if (lss == null) {
            return;
        }
        if (lssBaseFrom != sseq) {
            skipListBaseline(v);
            return;
        }
        long live = liveIn(v, sseq, lssResume);
        if (live == lssBaseLive) {
            return;
        }
        long now = NumPending.inRange(stream, v, filter, sseq, lssResume);
        lssRemoved += Math.max(0, lssBaseMatching - now);
        lssBaseLive = live;
        lssBaseMatching = now;
    }

    private static long liveIn(StreamView v, long lo, long hi) {
        long n = 0;
        for (StreamView.Block b : v.blocks()) {
            n += b.liveInRange(lo, hi);
        }
        return n;
    }

    /**
     * A consumer recovery restored, and what nats-server 2.14+ does with it as the consumer starts.
     * The store takes its {@code o.dat} ({@code file}) as it is: every pending entry and redelivery
     * count, its own ack floor; recovery's {@code delivered} and {@code ackFloor} only where it
     * reconciled a consumer that was ahead of its stream (its delivered is then not o.dat's), or
     * started one without an {@code o.dat} ({@code file} null: the server selected a start as for a
     * new consumer, so a {@code last_per_subject} consumer also has its skip list; recovery chose
     * the same start on the same stream). Then, in the server's order:
     * <ol>
     *   <li>{@code applyState}: the consumer takes its store's state;</li>
     *   <li>{@code checkRedelivered}: counts below the stream's first sequence go (the store takes
     *       the consumer's state, unless its Update refuses it);</li>
     *   <li>{@code setLeader}'s {@code checkPending}, at once: pending entries below the stream's
     *       first sequence or at or below the ack floor go, raising the consumer's floors, and the
     *       store takes the result (its floor is what {@code CONSUMER.INFO} reports); what is past
     *       its ack wait is queued for redelivery; the timer is set for the next expiry;</li>
     *   <li>{@code checkAckFloor} as the acks goroutine starts: a floor more than 50 behind the
     *       stream's first sequence moves up, in the consumer only.</li>
     * </ol>
     * Design note: recovery's settled floor already has checkPending's raise, and the runtime used
     * to report it with a guess at when 2.15.1 does not ("o.dat's own floor while a pending message
     * is still in the stream"); but the raise goes to the store only through an Update, which keeps
     * a consumer sequence the raise did not lower (an interest stream's ack floor 26/24 from o.dat's
     * 26/23 and an acked entry 24/18 below the first sequence: ConsumerModelIT seed 7). Doing the
     * server's steps on o.dat's own state gives its numbers without a guess.
     */
    void restore(SequencePair delivered, SequencePair ackFloor, ConsumerState file) throws InterruptedException {
        StreamView v = stream.view();
        boolean reconciled = file != null && !delivered.equals(file.delivered());
        fileState.restore(delivered, file == null || reconciled ? ackFloor : file.ackFloor(), file,
                reconciled ? delivered.streamSeq() : 0);
        // applyState: the consumer takes its store's state.
        SequencePair del = fileState.delivered();
        SequencePair floor = fileState.ackFloor();
        dseq = del.consumerSeq() + 1;
        sseq = del.streamSeq() + 1;
        adflr = floor.consumerSeq();
        asflr = floor.streamSeq();
        fileState.copyPendingTo(pending);
        fileState.copyRedeliveredTo(rdc);
        if (file == null && "last_per_subject".equals(s.deliverPolicy()) && s.optStartSeq() == 0) {
            StartPosition at = startPosition();
            if (at.sseq() == sseq) {
                useSkipList(at);
            }
        }
        // setLeader counts afresh from the restored position (streamNumPending): a last_per_subject
        // consumer by subjects, also long after its skip list (2.15.1 after a restart: 2 with 3 left).
        bySubjects = 0;
        bySubjectsDue = "last_per_subject".equals(s.deliverPolicy());
        long first = v.firstSeq();
        boolean below = false;
        for (long q : rdc.keys()) {
            if (q < first) {
                rdc.remove(q);
                below = true;
            }
        }
        if (below) {
            storeUpdatesFromConsumer();
        }
        if (!pending.isEmpty()) {
            // applyState started the pending timer, and setLeader runs its check straight away.
            checkPending(now());
        }
        checkAckFloor(first);
    }

    /**
     * The end of nats-server's {@code checkAckFloor}, which runs as the consumer's acks goroutine
     * starts (after {@code checkPending}, so nothing pending is below {@code first} any more): an
     * ack floor more than {@code minOffThreshold} (50) behind the stream's first sequence moves to
     * just below the lowest pending entry, or with none to the delivered pair (its stream half at
     * least {@code first - 1}). The consumer's floors only: its store, and so the reported floor,
     * keep theirs ({@link io.jetstart.core.store.AckFloorDrift} is 2.10's report of the same).
     */
    private void checkAckFloor(long first) {
        if (asflr == 0 || first == 0 || asflr >= first - 1 || first < 50 || asflr >= first - 50) {
            return;
        }
        if (pending.isEmpty()) {
            asflr = Math.max(sseq - 1, first - 1);
            adflr = dseq - 1;
        } else {
            long lowest = pending.keys()[0];
            asflr = lowest - 1;
            adflr = pending.get(lowest).dseq - 1;
        }
    }

    // ---- delivery ------------------------------------------------------------------------------

    /**
     * getNextMsg + deliverMsg; null when nothing can be delivered now. Without {@code lookedFor} the
     * request is one nats-server answers without looking for a message (a no-wait request with
     * nothing pending, {@link PullConsumer#fetch}): the end of the stream then leaves the next
     * sequence where it is.
     */
    ConsumedMessage deliverNext(long bytesLeft, long now, boolean lookedFor) throws InterruptedException {
        didNotFit = false;
        while (!rdq.isEmpty()) {
            long seq = rdq.takeFirst();
            long count = count(rdc, seq) + 1;
            rdc.put(seq, count);
            long dc = count + 1;
            if (s.maxDeliver() > 0 && dc > s.maxDeliver()) {
                PendingMessage p = pending.remove(seq);
                if (p != null) {
                    updateDelivered(p.dseq, seq, dc, p.ts);
                    moveAckFloor(p.dseq, seq);
                }
                continue;
            }
            Optional<StoredMessage> m = stream.get(seq);
            if (m.isEmpty()) {
                // The count goes back, and a message that had none keeps none: nats-server 2.15.1
                // does not report it as redelivered. That shows where the term below does not take
                // it off (an ack-all consumer whose floor passed its delivery sequence: it stays
                // pending), e.g. 3 redelivered where a count of 0 for each of five purged messages
                // made 8 (ConsumerPurgeIT "ack all, purged pending messages below the floor").
                if (count > 1) {
                    rdc.put(seq, count - 1);
                } else {
                    rdc.remove(seq);
                }
                PendingMessage p = pending.get(seq);
                if (p != null) {
                    processAck(seq, p.dseq, false);
                }
                continue;
            }
            lastSize = wireSize(m.get(), dc, bytesLeft);
            if (lastSize > bytesLeft) {
                // Does not fit this request: back to the front of the queue, count unchanged, and a
                // message that had none keeps none (a 0 kept was reported as redelivered; 2.15.1
                // does not: PullLimitsIT, consumer R).
                if (count > 1) {
                    rdc.put(seq, count - 1);
                } else {
                    rdc.remove(seq);
                }
                rdq.putBackFirst(seq);
                didNotFit = true;
                return null;
            }
            meters.redelivered();
            return deliver(m.get(), dc, now);
        }
        if (s.maxAckPending() > 0 && pending.size() >= s.maxAckPending()) {
            return null;
        }
        if (lss != null) {
            long seq = lss[lssAt];
            long before = sseq;
            if (lssAt == lss.length - 1) {
                sseq = lssResume;
                lss = null;
            } else {
                lssAt++;
                sseq = seq;
            }
            sseq++;
            Optional<StoredMessage> m = stream.get(seq);
            if (m.isEmpty()) {
                // Removed before its turn: the server's count took it off then, and this pass ends
                // (its getNextMsg error ends a no-wait request).
                lssSkipped++;
                return null;
            }
            lastSize = wireSize(m.get(), 1, bytesLeft);
            if (lastSize > bytesLeft) {
                sseq = before;
                didNotFit = true;
                return null;
            }
            return deliver(m.get(), 1, now);
        }
        StreamView v = stream.view();
        long start = sseq;
        Optional<StoredMessage> m = v.messages() == 0 || start > v.lastSeq() ? Optional.empty()
                : nextFrom(v, Math.max(start, v.firstSeq()));
        if (m.isEmpty()) {
            // LoadNextMsg's EOF answers the stream's last sequence; the consumer skips to it.
            if (lookedFor && v.lastSeq() >= sseq) {
                sseq = v.lastSeq() + 1;
            }
            if (lookedFor && sseq > v.lastSeq()) {
                // checkNumPendingOnEOF: past the stream's end the server's count is 0, a loss carried from a skip list gone.
                forgetSkipListLosses(v);
            }
            return null;
        }
        lastSize = wireSize(m.get(), 1, bytesLeft);
        if (lastSize > bytesLeft) {
            didNotFit = true;
            return null;
        }
        sseq = m.get().seq() + 1;
        return deliver(m.get(), 1, now);
    }

    /**
     * The first message at or after {@code from} that matches the filters: the next
     * {@value #DIRECT_PROBES} live sequences are read directly ({@code get} finds each through the
     * block cache's record index), and only past them does a scan of the blocks take over. Design
     * note: the scan ({@code nextMatching}) walks a block from its first record, so one scan per
     * delivery made fetching a block's messages quadratic (a 200,000-message fetch-and-ack ran for
     * minutes); a consumer whose next messages match, the common case, now reads each once.
     */
    private Optional<StoredMessage> nextFrom(StreamView v, long from) throws InterruptedException {
        long last = Math.min(v.lastSeq(), from + DIRECT_PROBES - 1);
        for (long q = from; q <= last; q++) {
            StreamView.Block b = v.blockFor(q);
            if (b == null || !b.isLive(q)) {
                continue;
            }
            Optional<StoredMessage> m = stream.get(q);
            if (m.isPresent() && filter.matches(m.get().subject())) {
                return m;
            }
        }
        return last >= v.lastSeq() ? Optional.empty() : stream.nextMatching(last + 1, filter);
    }

    /**
     * Whether the last {@link #deliverNext} found a message that the request's bytes left could not
     * take: nats-server then ends the request ({@code nextWaiting}: 409 "Message Size Exceeds
     * MaxBytes") and the message stays where it was, for the next request.
     */
    boolean lastDidNotFit() {
        return didNotFit;
    }

    /** What the message {@link #deliverNext} returned counts against the request's max_bytes ({@link #wireSize}). */
    long lastSize() {
        return lastSize;
    }

    /**
     * A pass of a fetch starts: forgets the pending count of the last pass, and a message that did
     * not fit; a skip list's range is looked at for removals ({@link #lookAtSkipList}).
     */
    void newPass() throws InterruptedException {
        passPending = -1;
        didNotFit = false;
        passView = stream.view();
        recountBySubjects(passView);
        lookAtSkipList(passView);
    }

    /** A pass ended: the skip list's range from where it left the position is what the next look compares with. */
    void endPass() throws InterruptedException {
        if (lss != null && lssBaseFrom != sseq && passView != null) {
            skipListBaseline(passView);
        }
        passView = null;
    }

    /**
     * The {@code num_pending} nats-server puts into the ack reply of this delivery of {@code m}
     * (delivery count {@code dc}): its {@code o.npc} once the delivery took its share, the matching
     * messages after the consumer's position (for a new message, its position past {@code m}; a
     * redelivery does not move it), and with a {@code last_per_subject} skip list the entries it
     * has left too. Counted once per pass ({@link PendingCount}: read from the view, what changed
     * since the last count), then one less for each new message the pass delivers, as the server's
     * {@code npc--}; so exact when nothing is published or removed while the pass delivers, and
     * what changed meanwhile is in the next pass's count (the server hears of a publish on another
     * goroutine, so its count lags the same way). Called for a message's size and again as it is
     * delivered: nothing changes until {@link #deliver} takes it ({@link #passPending}).
     */
    private long pendingAfter(StoredMessage m, long dc) throws InterruptedException {
        if (passPending >= 0) {
            return dc == 1 ? Math.max(0, passPending - 1) : passPending;
        }
        // Where the consumer is once m is taken: deliverNext moves sseq past a new message before
        // it is delivered, except on its plain path, where the size is asked first.
        long from = lss != null ? lssResume + 1 : dc == 1 && sseq <= m.seq() ? m.seq() + 1 : sseq;
        long skipListLeft = lss != null ? lss.length - lssAt : 0;
        return Math.max(0, skipListLeft + lssSkipped - lssRemoved + bySubjects + kept.count(stream.view(), from));
    }

    /**
     * The size nats-server counts against a request's {@code max_bytes} for a delivery of {@code m}
     * ({@code loopAndGatherMsgs}): subject, ack reply subject, headers and payload as sent, so after
     * {@code headers_only} took the payload off and added {@code Nats-Msg-Size}. The ack reply is
     * the server's default (v1) {@code $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>},
     * its pending what the delivery's {@link ConsumedMessage#pending()} will be ({@link #pendingAfter}),
     * counted here only for a request that has a {@code max_bytes} ({@code bytesLeft} below
     * Long.MAX_VALUE). Without the ack reply a request met its limit a message later than on the
     * server (PullLimitsIT, consumer Z).
     */
    private long wireSize(StoredMessage m, long dc, long bytesLeft) throws InterruptedException {
        if (bytesLeft == Long.MAX_VALUE) {
            return 0;
        }
        long pendingAfter = pendingAfter(m, dc);
        long headers = s.headersOnly() ? PullConsumer.withMsgSize(m.headers(), m.payload().length).length : m.headers().length;
        long payload = s.headersOnly() ? 0 : m.payload().length;
        long ackReply = ACK_PREFIX.length() + utf8(stream.name()) + 1 + utf8(s.name()) + 5 + digits(dc) + digits(m.seq())
                + digits(dseq) + digits(m.timestamp()) + digits(pendingAfter);
        return utf8(m.subject()) + ackReply + headers + payload;
    }

    private static final String ACK_PREFIX = "$JS.ACK.";

    private static long utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static int digits(long v) {
        return Long.toString(v).length();
    }

    private ConsumedMessage deliver(StoredMessage m, long dc, long now) throws InterruptedException {
        long pendingAfter = pendingAfter(m, dc);
        passPending = pendingAfter;
        long d = dseq++;
        long seq = m.seq();
        updateDelivered(d, seq, dc, m.timestamp());
        if (s.ackPolicy() == ConsumerSettings.AckPolicy.NONE) {
            adflr = d;
            asflr = seq;
        } else {
            trackPending(seq, d, now);
        }
        lastActive = now;
        dirty = true;
        meters.delivered();
        byte[] payload = s.headersOnly() ? new byte[0] : m.payload();
        byte[] headers = m.headers();
        if (s.headersOnly()) {
            headers = PullConsumer.withMsgSize(headers, m.payload().length);
        }
        ConsumedMessage out = new ConsumedMessage(owner, seq, d, dc, m.subject(), m.timestamp(), headers, payload, pendingAfter);
        if (s.ackPolicy() == ConsumerSettings.AckPolicy.NONE) {
            released.add(seq);
        }
        return out;
    }

    private void trackPending(long seq, long d, long now) {
        PendingMessage p = pending.get(seq);
        if (p != null) {
            p.ts = now;
        } else {
            pending.put(seq, new PendingMessage(d, now));
        }
        long minDelay = ackWait(s.backoffNanos().length > 0 ? s.backoffAt(count(rdc, seq)) : 0);
        timer.atMost(now, minDelay);
    }

    /** A redelivery count, 0 when the map has none for {@code seq}. */
    private static long count(SequenceMap<Long> counts, long seq) {
        Long c = counts.get(seq);
        return c == null ? 0 : c;
    }

    private long ackWait(long next) {
        return AckWaitTimer.delay(next > 0 ? next : s.ackWaitNanos());
    }

    // ---- acknowledgements --------------------------------------------------------------------

    /** A client's ack (or term); true when it changed the state or came from a client. */
    boolean ack(long sq, long d) {
        return processAck(sq, d, true);
    }

    /** processNak: back to the redelivery queue, or (with a delay) due again after it. */
    boolean nak(ConsumedMessage m, Duration delay) {
        long sq = m.streamSeq();
        if (m.consumerSeq() <= adflr || m.consumerSeq() > dseq) {
            return false;
        }
        PendingMessage p = pending.get(sq);
        if (p == null) {
            return false;
        }
        lastActive = now();
        if (delay != null && !delay.isZero() && !delay.isNegative()) {
            rdq.remove(sq);
            p.ts = now() - s.ackWaitNanos() + delay.toNanos();
            updateDelivered(p.dseq, sq, m.deliveries(), p.ts);
            // resetPtmr(10ms): checkPending then works out the next expiry.
            timer.soonIfRunning(now());
            dirty = true;
            return true;
        }
        rdq.add(sq);
        wake.run();
        return true;
    }

    /** progressUpdate: the ack wait starts again. */
    void inProgress(long sq) {
        PendingMessage p = pending.get(sq);
        if (p != null) {
            p.ts = now();
            updateDelivered(p.dseq, sq, 1, p.ts);
            lastActive = p.ts;
            dirty = true;
        }
    }

    /** processAckMsg; true when the ack changed the state. */
    private boolean processAck(long sq, long d, boolean fromClient) {
        if (sq >= sseq) {
            return false;
        }
        lastActive = now();
        List<Long> acked = new ArrayList<>();
        switch (s.ackPolicy()) {
            case EXPLICIT -> {
                PendingMessage p = pending.remove(sq);
                if (p != null) {
                    d = p.dseq;
                    moveAckFloor(d, sq);
                    wake.run();
                }
                rdc.remove(sq);
                rdq.remove(sq);
                // The stream is told even when the message was not pending (nats-server's ackMsg).
                acked.add(sq);
            }
            case ALL -> {
                if (d <= adflr || sq <= asflr) {
                    return false;
                }
                adflr = d;
                asflr = sq;
                acked.add(sq);
                pending.removeUpTo(sq, x -> {
                    if (x != sq) {
                        acked.add(x);
                    }
                });
                rdc.removeUpTo(sq, x -> { });
                rdq.removeUpTo(sq);
                wake.run();
            }
            case NONE -> {
                return false;
            }
        }
        updateAcks(d, sq);
        dirty = true;
        if (removesOnAck()) {
            // Only interest and work-queue streams remove on ack; on a limits stream handing each
            // ack on cost an allocation and two more lock rounds per message for nothing.
            released.addAll(acked);
        }
        return !acked.isEmpty() || fromClient;
    }

    /**
     * Whether the stream removes messages on ack (interest, work queue). Asked once per stream
     * configuration: {@code StreamConfig.retention()} reads its JSON fields on every call, 3 % of
     * {@code bench consume}'s profile when asked per ack.
     */
    private boolean removesOnAck() {
        StreamConfig c = stream.config();
        if (c != retentionOf) {
            retentionOf = c;
            removesOnAckNow = c.retention() != StreamConfig.Retention.LIMITS;
        }
        return removesOnAckNow;
    }

    private void moveAckFloor(long d, long sq) {
        if (pending.isEmpty()) {
            adflr = dseq - 1;
            asflr = sseq - 1;
        } else if (d == adflr + 1) {
            adflr = d;
            asflr = sq;
            long ss = pending.higherKey(sq);
            if (ss >= 0 && ss < sseq) {
                PendingMessage p = pending.get(ss);
                if (p.dseq > 0) {
                    adflr = p.dseq - 1;
                    asflr = ss - 1;
                }
            }
        }
    }

    // ---- the store's bookkeeping (consumerFileStore) ------------------------------------------

    private void updateDelivered(long d, long sq, long dc, long ts) {
        if (fileState.updateDelivered(s, d, sq, dc, ts)) {
            dirty = true;
        }
    }

    private void updateAcks(long d, long sq) {
        if (fileState.updateAcks(s, d, sq)) {
            dirty = true;
        }
    }

    /**
     * writeStoreStateUnlocked: the store takes the consumer's view of itself, unless its Update
     * refuses it (an older or inconsistent state, {@link ConsumerFileState#update}).
     */
    private void storeUpdatesFromConsumer() {
        if (fileState.update(new SequencePair(dseq - 1, sseq - 1), new SequencePair(adflr, asflr), pending, rdc)) {
            dirty = true;
        }
    }

    // ---- a purge of the stream ------------------------------------------------------------------

    /**
     * A purge of the stream, as nats-server 2.14+ applies it to this consumer. First what its store
     * reports while it purges ({@code storeUpdates}): removals reported as a batch drop every
     * consumer's redelivery counts below the stream's new first sequence; a single removal
     * ({@code decStreamPending}) drops the count of that message, or, when it is pending here,
     * terminates it (after the rest: the server does it on another goroutine). Then
     * {@code purgeLocked}'s choice: a purge of every subject moves every consumer to the stream's
     * first sequence; a purge by subject moves a consumer whose filters it covers (one of them equal
     * to or inside it) to the first message left on that subject, or past the last when none is
     * left, and a consumer whose filters are wider (none, or one it falls inside of) to the stream's
     * first sequence, checking its pending messages are still there; other consumers are not told.
     */
    void purged(StreamPurge p) {
        if (p.batch()) {
            removeRedeliveredBelow(p.firstSeq());
            // A batch removal makes every consumer count afresh (streamNumPendingLocked).
            forgetSkipListLossesAtNextLook();
        }
        String subject = p.subject();
        PendingMessage single = null;
        if (p.single() > 0 && filter.matches(subject.isEmpty() ? ">" : subject)) {
            single = pending.get(p.single());
            if (single == null && rdc.remove(p.single()) != null) {
                fileState.removeRedelivered(p.single());
                dirty = true;
            }
        }
        if (subject.isEmpty()) {
            purge(p.firstSeq(), p.lastSeq(), false);
        } else if (filtersInside(subject)) {
            purge(p.subjectFirst(), p.lastSeq(), false);
        } else if (filterMatches(subject)) {
            purge(p.firstSeq(), p.lastSeq(), true);
        }
        if (single != null) {
            processAck(p.single(), single.dseq, false);
        }
    }

    /** isEqualOrSubsetMatch: one of the filters is {@code subject} or inside it (an unfiltered consumer: no). */
    private boolean filtersInside(String subject) {
        for (String f : s.filters()) {
            if (SubjectRules.subsetMatch(f, subject)) {
                return true;
            }
        }
        return false;
    }

    /** isFilteredMatch: no filter, or {@code subject} inside one of them. */
    private boolean filterMatches(String subject) {
        if (s.filters().isEmpty()) {
            return true;
        }
        for (String f : s.filters()) {
            if (SubjectRules.subsetMatch(subject, f)) {
                return true;
            }
        }
        return false;
    }

    /**
     * consumer.purge: the next sequence and the ack floor move up to {@code start} (never back),
     * the pending messages below it leave (with their redelivery counts; the ack floor's consumer
     * sequence takes the highest of theirs), and with {@code wider} those no longer in the stream
     * too; with nothing left pending the floors are the delivered ones and every redelivery count
     * goes; then the store takes this state, as the server's writeStoreState does.
     */
    private void purge(long start, long lastSeq, boolean wider) {
        if (start == 0 && !wider) {
            // Nothing left on the subject: the consumer is past all of it.
            start = lastSeq + 1;
        }
        if (sseq < start) {
            sseq = start;
        }
        if (asflr < start) {
            asflr = start - 1;
            StreamView v = wider ? stream.view() : null;
            // In sequence order (the server walks its map in no set order; with ack all only the
            // highest moves its store's floor, and a walk upwards moves it the same way).
            for (long seq : pending.keys()) {
                PendingMessage p = pending.get(seq);
                if (seq <= asflr || (wider && !isLive(v, seq))) {
                    if (p.dseq > adflr) {
                        adflr = p.dseq;
                        if (adflr > dseq) {
                            dseq = adflr;
                        }
                    }
                    pending.remove(seq);
                    rdc.remove(seq);
                    // 2.15.1 (and 2.12.9, 2.14.1 on: 831f08693; not 2.10.27) also tell the store of each, as an ack: its floor can then be
                    // ahead of the consumer's, and the Update below is refused (an ack-all
                    // consumer's store reports ack floor 4/10 where the consumer has 4/8: seed 4).
                    updateAcks(p.dseq, seq);
                }
            }
        }
        if (pending.isEmpty()) {
            rdc.clear();
            adflr = dseq - 1;
            asflr = sseq - 1;
        }
        rdq.removeBelow(sseq);
        fileState.update(new SequencePair(dseq - 1, sseq - 1), new SequencePair(adflr, asflr), pending, rdc);
        dirty = true;
        wake.run();
    }

    private static boolean isLive(StreamView v, long seq) {
        StreamView.Block b = v.messages() == 0 || seq < v.firstSeq() || seq > v.lastSeq() ? null : v.blockFor(seq);
        return b != null && b.isLive(seq);
    }

    /** removeRedeliveredBelow, the consumer's counts and its store's. */
    private void removeRedeliveredBelow(long seq) {
        for (long q : rdc.keys()) {
            if (q < seq) {
                rdc.remove(q);
                rdq.remove(q);
            }
        }
        if (fileState.removeRedeliveredBelow(seq)) {
            dirty = true;
        }
    }

    // ---- the ack-wait timer ----------------------------------------------------------------------

    /** checkPending when its timer is due at {@code now}; returns when it is due next (Long.MAX_VALUE: stopped). */
    long tick(long now) {
        if (timer.due(now)) {
            checkPending(now);
        }
        return timer.next();
    }

    private void checkPending(long now) {
        long ttl = s.ackWaitNanos();
        if (ttl == 0 || pending.isEmpty()) {
            timer.stop();
            if (pending.isEmpty()) {
                rdq.clear();
                adflr = dseq - 1;
                asflr = sseq - 1;
            }
            return;
        }
        long fseq = stream.view().firstSeq();
        boolean update = false;
        long next = ackWait(0);
        long[] backoff = s.backoffNanos();
        if (backoff.length > 0) {
            next = backoff[backoff.length - 1];
        }
        List<Long> expired = new ArrayList<>();
        for (long seq : pending.keys()) {
            PendingMessage p = pending.get(seq);
            if (p == null) {
                // Only an entry's own step removes it today; a walk over a copy of the keys stays safe if that changes.
                continue;
            }
            if (seq < fseq || seq <= asflr) {
                pending.remove(seq);
                rdc.remove(seq);
                rdq.remove(seq);
                update = true;
                asflr = Math.max(asflr, seq);
                adflr = Math.max(adflr, p.dseq);
                continue;
            }
            long elapsed = now - p.ts;
            long deadline = ttl;
            if (backoff.length > 0) {
                int dc = (int) Math.max(0, Math.min(Integer.MAX_VALUE, count(rdc, seq)));
                int nbi = dc + 1;
                if (dc + 1 >= backoff.length) {
                    dc = backoff.length - 1;
                    nbi = dc;
                }
                deadline = backoff[dc];
                next = Math.min(next, backoff[nbi]);
            }
            if (elapsed >= deadline) {
                if (!rdq.contains(seq) && !hasMaxDeliveries(seq)) {
                    expired.add(seq);
                }
            } else if (deadline - elapsed < next) {
                next = deadline - elapsed;
            }
        }
        if (!expired.isEmpty()) {
            expired.sort(null);
            rdq.addAll(expired);
            long off = now - pending.get(expired.get(0)).ts;
            for (long seq : expired) {
                PendingMessage p = pending.get(seq);
                if (p != null) {
                    p.ts += off;
                }
            }
            wake.run();
        }
        if (!pending.isEmpty()) {
            timer.resetTo(now, next);
        } else {
            timer.stop();
            rdq.clear();
            adflr = dseq - 1;
            asflr = sseq - 1;
        }
        if (update) {
            storeUpdatesFromConsumer();
        }
    }

    /** hasMaxDeliveries; removes the pending entry when the message is done. */
    private boolean hasMaxDeliveries(long seq) {
        long maxdc = s.maxDeliver();
        if (maxdc <= 0) {
            return false;
        }
        long dc = Math.max(1, count(rdc, seq));
        if (dc >= maxdc) {
            PendingMessage p = pending.remove(seq);
            if (p != null) {
                updateDelivered(p.dseq, seq, dc + 1, p.ts);
                moveAckFloor(p.dseq, seq);
            }
            rdc.put(seq, dc);
            wake.run();
            return true;
        }
        return false;
    }

    // ---- what the consumer reports -------------------------------------------------------------

    /**
     * num_pending as nats-server's {@code checkNumPending} reports its count: the matching messages
     * from the position on (with a {@code last_per_subject} skip list, what it has left and the
     * matching messages after its range), less what a skip list lost ({@link #lssSkipped}) and, for
     * a {@code last_per_subject} consumer the server last counted by subjects, what that count was
     * below the messages ({@link #bySubjects}); 0 once the position is past the stream's end
     * (which resets the server's count).
     */
    long numPending() throws InterruptedException {
        StreamView v = stream.view();
        recountBySubjects(v);
        if (lss != null) {
            lookAtSkipList(v);
            return Math.max(0, lss.length - lssAt + lssSkipped - lssRemoved + bySubjects
                    + NumPending.count(stream, v, filter, lssResume + 1));
        }
        if (sseq > v.lastSeq()) {
            forgetSkipListLosses(v);
            return 0;
        }
        return Math.max(0, NumPending.count(stream, v, filter, sseq) + lssSkipped - lssRemoved + bySubjects);
    }

    /**
     * For a test: the kept count ({@link PendingCount}) at the consumer's position now (past a skip
     * list, where its entries end), and {@link NumPending#count} from the same position.
     */
    PullConsumer.KeptPending keptPending() throws InterruptedException {
        long from = lss != null ? lssResume + 1 : sseq;
        return new PullConsumer.KeptPending(kept.count(stream.view(), from), NumPending.count(stream, filter, from));
    }

    /** Whether redeliveries are queued (the server's {@code len(o.rdq)}). */
    boolean redeliveriesQueued() {
        return !rdq.isEmpty();
    }

    /** num_ack_pending. */
    int ackPending() {
        return pending.size();
    }

    /** num_redelivered (none is reported when max_deliver is 1: redeliveries are disabled). */
    long numRedelivered() {
        return s.maxDeliver() == 1 ? 0 : rdc.size();
    }

    SequencePair delivered() {
        return fileState.delivered();
    }

    SequencePair ackFloor() {
        return fileState.ackFloor();
    }

    /** Whether this consumer still needs stream message {@code seq} (nats-server's needAck), its filter aside. */
    boolean needs(long seq) {
        boolean need = switch (s.ackPolicy()) {
            case EXPLICIT -> seq > asflr && (seq >= sseq || pending.containsKey(seq));
            case NONE, ALL -> seq > asflr;
        };
        return need || rdc.containsKey(seq);
    }

    long lastActive() {
        return lastActive;
    }

    void touch(long now) {
        lastActive = now;
    }

    boolean dirty() {
        return dirty;
    }

    void markDirty() {
        dirty = true;
    }

    /** The o.dat bytes as of {@code now}; the state counts as written. */
    byte[] encode(long now) {
        dirty = false;
        return fileState.encode(now);
    }

    boolean hasReleased() {
        return !released.isEmpty();
    }

    /** Released sequences a hand-over could not hand on (interrupted): handed on with the next ones. */
    void giveBack(long[] seqs) {
        for (long seq : seqs) {
            released.add(seq);
        }
    }

    /** The acknowledged sequences not yet handed to the stream's retention, taken. */
    long[] takeReleased() {
        long[] seqs = released.stream().mapToLong(Long::longValue).toArray();
        released.clear();
        return seqs;
    }

    static long now() {
        return WriterLoop.wallNanos();
    }
}
