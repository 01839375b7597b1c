package io.jetstart.runtime;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.format.SequencePair;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A pull consumer served by the runtime, with nats-server's delivery rules ({@code consumer.go}):
 * {@code getNextMsg} (redeliveries first, then max ack pending, then the next matching message),
 * {@code processAckMsg}, {@code processNak}, {@code processTerm}, {@code progressUpdate},
 * {@code checkPending} (ack wait, backoff, max deliver), and its file store's bookkeeping
 * ({@code consumerFileStore.UpdateDelivered}/{@code UpdateAcks}), which is what {@code o.dat} holds and
 * what {@code CONSUMER.INFO} reports for delivered and the ack floor.
 *
 * <p>Design note: the server keeps two copies of the state, the consumer's (pending with the
 * delivery time, used for redelivery) and its store's (pending with the message time, written to
 * {@code o.dat}); their ack floors move by slightly different rules. Both are kept here, literally,
 * so that what a restarted server reads from our {@code o.dat} is what it would have written.
 * Everything is guarded by one lock; message reads under it hit the store's block cache.
 */
public final class PullConsumer {
    /** The ack-wait timer's slack, nats-server's {@code ackWaitDelay}. */
    private static final long ACK_WAIT_DELAY = 1_000_000L;
    /** Sequences after the last delivered one read directly before a block scan (see {@link #nextFrom}). */
    private static final int DIRECT_PROBES = 32;

    private static final class Pending {
        final long dseq;
        long ts;

        Pending(long dseq, long ts) {
            this.dseq = dseq;
            this.ts = ts;
        }
    }

    private final JetStartStream stream;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    /** Held while acks are handed to the stream's retention, so an o.dat write can order itself after them. */
    private final ReentrantLock releasing = new ReentrantLock();
    /** Set and taken under {@link #releasing}; read by {@link #finalState} too. */
    private volatile PendingWrite pendingWrite;
    private final Condition changed = lock.newCondition();
    private ConsumerConfig config;
    private volatile ConsumerSettings s;
    private volatile SubjectFilter filter;
    // The consumer's own state (consumer.go).
    private long sseq;
    private long dseq;
    private long adflr;
    private long asflr;
    private final SequenceMap<Pending> pending = new SequenceMap<>();
    private final SequenceMap<Long> rdc = new SequenceMap<>();
    private final LinkedHashSet<Long> rdq = new LinkedHashSet<>();
    private long[] lss;
    private int lssAt;
    private long lssResume;
    private long ptmrEnd;
    /** When the ack-wait timer is due next (wall nanos), as of the last tick; read by the housekeeper. */
    private volatile long nextDue = Long.MAX_VALUE;
    // Its file store's state (consumerFileStore), what o.dat holds.
    private long delC;
    private long delS;
    private long ackC;
    private long ackS;
    private final SequenceMap<Pending> storePending = new SequenceMap<>();
    private final SequenceMap<Long> storeRedelivered = new SequenceMap<>();
    // Activity and housekeeping.
    private int waiting;
    private long lastActive;
    private boolean dirty;
    private long lastWrite;
    private boolean deleted;
    private final List<AutoCloseable> consumes = new ArrayList<>();
    /** Acknowledged stream sequences the stream's retention has not been told about yet. */
    private final List<Long> released = new ArrayList<>();
    private final ConsumerCounters meters;
    /** The stream configuration {@link #removesOnAckNow} was read from. */
    private io.jetstart.core.meta.StreamConfig retentionOf;
    private boolean removesOnAckNow;

    PullConsumer(JetStartStream stream, ConsumerConfig config, ConsumerCounters meters) {
        this.stream = stream;
        this.config = config;
        this.s = ConsumerDefinitions.settings(config);
        this.name = s.name();
        this.filter = new SubjectFilter(s.filters());
        this.meters = meters;
        this.lastActive = now();
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
            StreamView v = stream.view();
            long first = v.firstSeq();
            long last = v.lastSeq();
            long optSeq = s.optStartSeq();
            if (optSeq == 0) {
                switch (s.deliverPolicy()) {
                    case "all" -> sseq = first;
                    case "last" -> {
                        if (filter.matchesAll()) {
                            sseq = last;
                        } else {
                            sseq = 0;
                            for (String f : s.filters()) {
                                sseq = Math.max(sseq, stream.lastBySubject(f).map(StoredMessage::seq).orElse(0L));
                            }
                        }
                    }
                    case "last_per_subject" -> {
                        List<Long> seqs = lastPerSubject();
                        if (seqs.isEmpty()) {
                            sseq = last;
                        } else {
                            sseq = seqs.get(0);
                            lss = seqs.stream().mapToLong(Long::longValue).toArray();
                            lssAt = 0;
                            lssResume = last;
                        }
                    }
                    case "by_start_time" -> sseq = seqFromTime(s.optStartTimeNanos(), last);
                    default -> sseq = last + 1;
                }
            } else {
                sseq = optSeq;
            }
            if (first == 0 && optSeq == 0) {
                sseq = 1;
            } else if (sseq > last && optSeq == 0) {
                sseq = last + 1;
            } else if (sseq < first) {
                sseq = first;
            }
            dseq = 1;
            adflr = 0;
            asflr = sseq - 1;
            delS = sseq - 1;
            ackS = sseq - 1;
            dirty = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A consumer recovery restored: the settled delivered and ack floors, the pending entries and
     * redelivery counts of its {@code o.dat} that are still inside them.
     */
    void restore(SequencePair delivered, SequencePair ackFloor, ConsumerState file) {
        lock.lock();
        try {
            StreamView v = stream.view();
            delC = delivered.consumerSeq();
            delS = delivered.streamSeq();
            ackC = ackFloor.consumerSeq();
            ackS = ackFloor.streamSeq();
            if (file != null && ackS > file.ackFloor().streamSeq()) {
                // Recovery raised the ack floor to the stream's first sequence - 1 (work-queue
                // removals written before a crash caught the next o.dat), as nats-server 2.10 does;
                // 2.15.1 reports o.dat's own ack floor, or the delivered sequence when no pending
                // message of o.dat is still in the stream (ConsumeCrashIT). The next delivery is the same either way.
                long floorS = file.ackFloor().streamSeq();
                long first = v.firstSeq();
                boolean anyPending = file.pending().stream()
                        .anyMatch(p -> p.streamSeq() > floorS && p.streamSeq() <= delS && p.streamSeq() >= first);
                ackC = anyPending ? file.ackFloor().consumerSeq() : delC;
                ackS = anyPending ? floorS : delS;
            }
            dseq = delC + 1;
            sseq = delS + 1;
            adflr = ackC;
            asflr = ackS;
            if (file != null) {
                for (ConsumerState.Pending p : file.pending()) {
                    if (p.streamSeq() > ackS && p.streamSeq() <= delS && p.streamSeq() >= v.firstSeq()) {
                        pending.put(p.streamSeq(), new Pending(p.consumerSeq(), p.timestampNanos()));
                        storePending.put(p.streamSeq(), new Pending(p.consumerSeq(), p.timestampNanos()));
                    }
                }
                for (ConsumerState.Redelivery r : file.redelivered()) {
                    if (r.streamSeq() >= v.firstSeq()) {
                        rdc.put(r.streamSeq(), r.count());
                        storeRedelivered.put(r.streamSeq(), r.count());
                    }
                }
            }
            if (!pending.isEmpty()) {
                // nats-server checks restored pending messages after 0.5-1.5 s (random), or after the
                // ack wait when that is shorter; here the middle of that range, so a test can rely on it.
                long delay = 1_000_000_000L;
                if (s.ackWaitNanos() < delay) {
                    delay = ackWait(0);
                }
                ptmrEnd = now() + delay;
            }
        } finally {
            lock.unlock();
        }
    }

    private List<Long> lastPerSubject() throws InterruptedException {
        Map<String, Long> last = new HashMap<>();
        StreamView v = stream.view();
        long at = v.firstSeq();
        while (at <= v.lastSeq()) {
            Optional<StoredMessage> m = stream.nextMatching(at, filter);
            if (m.isEmpty()) {
                break;
            }
            last.put(m.get().subject(), m.get().seq());
            at = m.get().seq() + 1;
        }
        return last.values().stream().sorted().toList();
    }

    private long seqFromTime(long tsNanos, long last) throws InterruptedException {
        StreamView v = stream.view();
        long at = v.firstSeq();
        while (at <= v.lastSeq()) {
            Optional<StoredMessage> m = stream.nextMatching(at, new SubjectFilter(List.of()));
            if (m.isEmpty()) {
                break;
            }
            if (m.get().timestamp() >= tsNanos) {
                return m.get().seq();
            }
            at = m.get().seq() + 1;
        }
        return last + 1;
    }

    // ---- the pull API ------------------------------------------------------------------------

    /**
     * A pull request: up to {@code batch} messages and (when {@code maxBytes} &gt; 0) at most that
     * many bytes of subjects, headers and payloads; waits up to {@code expires} for the batch to fill,
     * and returns what was delivered by then (possibly nothing). {@code Duration.ZERO}: no wait.
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
            lastActive = now();
            waiting++;
            try {
                while (true) {
                    // One time for the messages one pass delivers: nats-server serves a pull request's
                    // batch within microseconds, so their ack waits end together and they are
                    // redelivered in sequence order; reads here take longer, and must not split them.
                    long passTime = now();
                    while (out.size() < batch) {
                        ConsumedMessage m = deliverNext(bytesLeft, passTime);
                        if (m == null) {
                            break;
                        }
                        bytesLeft -= size(m);
                        out.add(m);
                    }
                    if (out.size() >= batch || bytesLeft <= 0 || (anyIsEnough && !out.isEmpty())) {
                        break;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || deleted) {
                        break;
                    }
                    changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
                    checkUsable();
                }
            } finally {
                waiting--;
                lastActive = now();
            }
        } finally {
            lock.unlock();
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
     * returned handle is closed (or the consumer deleted). The handler acknowledges; an exception
     * from it leaves the message to the ack wait.
     */
    public AutoCloseable consume(Consumer<ConsumedMessage> handler) {
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread t = Thread.ofVirtual().name("jetstart-consume " + stream.name() + " > " + name).start(() -> {
            while (running.get()) {
                List<ConsumedMessage> batch;
                try {
                    batch = fetch(100, 0, Duration.ofMillis(200), true);
                } catch (InterruptedException e) {
                    return;
                } catch (IllegalStateException | JetStreamApiException e) {
                    return;
                }
                for (ConsumedMessage m : batch) {
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
            t.interrupt();
            t.join();
            lock.lock();
            try {
                consumes.remove(self[0]);
            } finally {
                lock.unlock();
            }
        };
        self[0] = handle;
        lock.lock();
        try {
            consumes.add(handle);
        } finally {
            lock.unlock();
        }
        return handle;
    }

    private static long size(ConsumedMessage m) {
        return m.subject().length() + m.headers().length + m.payload().length;
    }

    private void checkUsable() {
        if (deleted) {
            throw ConsumerDefinitions.notFound();
        }
    }

    /** getNextMsg + deliverMsg; null when nothing can be delivered now. */
    private ConsumedMessage deliverNext(long bytesLeft, long now) throws InterruptedException {
        while (!rdq.isEmpty()) {
            long seq = rdq.iterator().next();
            rdq.remove(seq);
            long count = count(rdc, seq) + 1;
            rdc.put(seq, count);
            long dc = count + 1;
            if (s.maxDeliver() > 0 && dc > s.maxDeliver()) {
                Pending p = pending.remove(seq);
                if (p != null) {
                    updateDelivered(p.dseq, seq, dc, p.ts);
                    moveAckFloor(p.dseq, seq);
                }
                continue;
            }
            Optional<StoredMessage> m = stream.get(seq);
            if (m.isEmpty()) {
                rdc.put(seq, count - 1);
                Pending p = pending.get(seq);
                if (p != null) {
                    processAck(seq, p.dseq, false);
                }
                continue;
            }
            if (size(m.get()) > bytesLeft) {
                // Does not fit this request: back to the front of the queue, count unchanged.
                rdc.put(seq, count - 1);
                LinkedHashSet<Long> rest = new LinkedHashSet<>(rdq);
                rdq.clear();
                rdq.add(seq);
                rdq.addAll(rest);
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
                return null;
            }
            if (size(m.get()) > bytesLeft) {
                sseq = before;
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
            if (v.lastSeq() >= sseq) {
                sseq = v.lastSeq() + 1;
            }
            return null;
        }
        if (size(m.get()) > bytesLeft) {
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

    private static long size(StoredMessage m) {
        return m.subject().length() + m.headers().length + m.payload().length;
    }

    private ConsumedMessage deliver(StoredMessage m, long dc, long now) {
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
            headers = withMsgSize(headers, m.payload().length);
        }
        ConsumedMessage out = new ConsumedMessage(this, seq, d, dc, m.subject(), m.timestamp(), headers, payload, 0);
        if (s.ackPolicy() == ConsumerSettings.AckPolicy.NONE) {
            released.add(seq);
        }
        return out;
    }

    private void trackPending(long seq, long d, long now) {
        Pending p = pending.get(seq);
        if (p != null) {
            p.ts = now;
        } else {
            pending.put(seq, new Pending(d, now));
        }
        long minDelay = ackWait(s.backoffNanos().length > 0 ? s.backoffAt(count(rdc, seq)) : 0);
        long deadline = now + minDelay;
        if (ptmrEnd == 0 || ptmrEnd > deadline) {
            ptmrEnd = deadline;
        }
    }

    /** A redelivery count, 0 when the map has none for {@code seq}. */
    private static long count(SequenceMap<Long> counts, long seq) {
        Long c = counts.get(seq);
        return c == null ? 0 : c;
    }

    private long ackWait(long next) {
        return (next > 0 ? next : s.ackWaitNanos()) + ACK_WAIT_DELAY;
    }

    // ---- acknowledgements --------------------------------------------------------------------

    void ack(ConsumedMessage m) {
        lock.lock();
        try {
            if (processAck(m.streamSeq(), m.consumerSeq(), true)) {
                meters.acked();
            }
        } finally {
            lock.unlock();
        }
        release();
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
                if (released.isEmpty()) {
                    return;
                }
                seqs = takeReleased();
            } finally {
                lock.unlock();
            }
            stream.consumerAcked(this, seqs);
        } finally {
            releasing.unlock();
        }
    }

    private long[] takeReleased() {
        long[] seqs = released.stream().mapToLong(Long::longValue).toArray();
        released.clear();
        return seqs;
    }

    void term(ConsumedMessage m) {
        ack(m);
    }

    void nak(ConsumedMessage m, Duration delay) {
        lock.lock();
        try {
            long sq = m.streamSeq();
            if (m.consumerSeq() <= adflr || m.consumerSeq() > dseq) {
                return;
            }
            Pending p = pending.get(sq);
            if (p == null) {
                return;
            }
            meters.naked();
            lastActive = now();
            if (delay != null && !delay.isZero() && !delay.isNegative()) {
                rdq.remove(sq);
                p.ts = now() - s.ackWaitNanos() + delay.toNanos();
                updateDelivered(p.dseq, sq, m.deliveries(), p.ts);
                if (ptmrEnd != 0) {
                    // resetPtmr(10ms): checkPending then works out the next expiry.
                    ptmrEnd = now() + 10_000_000L;
                }
                dirty = true;
                return;
            }
            rdq.add(sq);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void inProgress(ConsumedMessage m) {
        lock.lock();
        try {
            Pending p = pending.get(m.streamSeq());
            if (p != null) {
                p.ts = now();
                updateDelivered(p.dseq, m.streamSeq(), 1, p.ts);
                lastActive = p.ts;
                dirty = true;
            }
        } finally {
            lock.unlock();
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
                Pending p = pending.remove(sq);
                if (p != null) {
                    d = p.dseq;
                    moveAckFloor(d, sq);
                    changed.signalAll();
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
                rdq.removeIf(x -> x <= sq);
                changed.signalAll();
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
        io.jetstart.core.meta.StreamConfig c = stream.config();
        if (c != retentionOf) {
            retentionOf = c;
            removesOnAckNow = c.retention() != io.jetstart.core.meta.StreamConfig.Retention.LIMITS;
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
                Pending p = pending.get(ss);
                if (p.dseq > 0) {
                    adflr = p.dseq - 1;
                    asflr = ss - 1;
                }
            }
        }
    }

    // ---- the store's bookkeeping (consumerFileStore) ------------------------------------------

    private void updateDelivered(long d, long sq, long dc, long ts) {
        if (s.ackPolicy() == ConsumerSettings.AckPolicy.NONE) {
            if (dc != 1) {
                return;
            }
            if (d > delC) {
                delC = d;
                ackC = d;
            }
            if (sq > delS) {
                delS = sq;
                ackS = sq;
            }
            dirty = true;
            return;
        }
        if (d <= ackC) {
            return;
        }
        if (sq <= delS) {
            Pending p = storePending.get(sq);
            if (p != null) {
                p.ts = ts;
            }
        } else {
            storePending.put(sq, new Pending(d, ts));
        }
        delC = Math.max(delC, d);
        delS = Math.max(delS, sq);
        if (dc > 1) {
            if (s.maxDeliver() > 0 && dc > s.maxDeliver()) {
                storePending.remove(sq);
            }
            if (count(storeRedelivered, sq) < dc - 1) {
                storeRedelivered.put(sq, dc - 1);
            }
        }
        dirty = true;
    }

    private void updateAcks(long d, long sq) {
        if (storeRedelivered.remove(sq) != null) {
            dirty = true;
        }
        if (d <= ackC) {
            return;
        }
        if (storePending.isEmpty() || !storePending.containsKey(sq)) {
            return;
        }
        dirty = true;
        if (s.ackPolicy() == ConsumerSettings.AckPolicy.ALL) {
            ackC = d;
            ackS = sq;
            storePending.removeUpTo(sq, storeRedelivered::remove);
            return;
        }
        Pending p = storePending.remove(sq);
        if (p != null && d > p.dseq && p.dseq > 0) {
            d = p.dseq;
        }
        if (storePending.isEmpty()) {
            ackC = delC;
            ackS = delS;
        } else if (d == ackC + 1) {
            ackC = d;
            ackS = sq;
            if (delC > d) {
                long ss = storePending.higherKey(sq);
                if (ss >= 0 && ss <= delS) {
                    Pending q = storePending.get(ss);
                    if (q.dseq > 0) {
                        ackC = q.dseq - 1;
                        ackS = ss - 1;
                    }
                }
            }
        }
    }

    /** writeStoreStateUnlocked: the store takes the consumer's view of itself. */
    private void storeTakesConsumerState() {
        delC = dseq - 1;
        delS = sseq - 1;
        ackC = adflr;
        ackS = asflr;
        storePending.clear();
        pending.forEach((k, p) -> storePending.put(k, new Pending(p.dseq, p.ts)));
        storeRedelivered.clear();
        rdc.forEach(storeRedelivered::put);
        dirty = true;
    }

    // ---- timers --------------------------------------------------------------------------------

    /** The housekeeper's tick: checkPending when its timer is due; true if the consumer should be removed for inactivity. */
    boolean tick(long now) {
        boolean inactive;
        nextDue = Long.MAX_VALUE;
        lock.lock();
        try {
            if (deleted) {
                return false;
            }
            if (ptmrEnd != 0 && now >= ptmrEnd) {
                checkPending(now);
            }
            inactive = s.inactiveThresholdNanos() > 0 && waiting == 0 && consumes.isEmpty()
                    && now - lastActive > s.inactiveThresholdNanos();
            nextDue = ptmrEnd == 0 ? Long.MAX_VALUE : ptmrEnd;
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

    private void checkPending(long now) {
        long ttl = s.ackWaitNanos();
        if (ttl == 0 || pending.isEmpty()) {
            ptmrEnd = 0;
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
            Pending p = pending.get(seq);
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
                Pending p = pending.get(seq);
                if (p != null) {
                    p.ts += off;
                }
            }
            changed.signalAll();
        }
        if (!pending.isEmpty()) {
            ptmrEnd = now + next;
        } else {
            ptmrEnd = 0;
            rdq.clear();
            adflr = dseq - 1;
            asflr = sseq - 1;
        }
        if (update) {
            storeTakesConsumerState();
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
            Pending p = pending.remove(seq);
            if (p != null) {
                updateDelivered(p.dseq, seq, dc + 1, p.ts);
                moveAckFloor(p.dseq, seq);
            }
            rdc.put(seq, dc);
            changed.signalAll();
            return true;
        }
        return false;
    }

    long nextDue() {
        return nextDue;
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
            long numPending = numPending();
            long redelivered = s.maxDeliver() == 1 ? 0 : rdc.size();
            return new ConsumerStatus(stream.name(), name, config, new SequencePair(delC, delS), new SequencePair(ackC, ackS),
                    pending.size(), redelivered, numPending, waiting, Optional.empty());
        } finally {
            lock.unlock();
        }
    }

    private long numPending() throws InterruptedException {
        StreamView v = stream.view();
        long from = Math.max(sseq, v.firstSeq());
        if (v.messages() == 0 || from > v.lastSeq()) {
            return lss == null ? 0 : lss.length - lssAt;
        }
        if (lss != null) {
            return lss.length - lssAt;
        }
        if (filter.matchesAll()) {
            long n = 0;
            for (StreamView.Block b : v.blocks()) {
                if (b.messages() == 0 || b.lastSeq() < from) {
                    continue;
                }
                if (b.firstSeq() >= from) {
                    n += b.messages();
                } else {
                    for (long q = from; q <= b.lastSeq(); q++) {
                        if (b.isLive(q)) {
                            n++;
                        }
                    }
                }
            }
            return n;
        }
        long n = 0;
        long at = from;
        while (true) {
            Optional<StoredMessage> m = stream.nextMatching(at, filter);
            if (m.isEmpty()) {
                return n;
            }
            n++;
            at = m.get().seq() + 1;
        }
    }

    /** The o.dat bytes when the state changed since the last write (and 100 ms have passed), else null. */
    byte[] stateToWrite(long now, boolean force) {
        lock.lock();
        try {
            if (deleted || !dirty || (!force && now - lastWrite < 100_000_000L)) {
                return null;
            }
            dirty = false;
            lastWrite = now;
            return encode(now);
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
        if (!releasing.tryLock()) {
            return null;
        }
        try {
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
                seqs = takeReleased();
            } finally {
                lock.unlock();
            }
            CompletableFuture<?> written = stream.consumerAckedWritten(this, seqs, true);
            if (written.isDone() && !written.isCompletedExceptionally()) {
                return state;
            }
            pendingWrite = new PendingWrite(state, written);
            return null;
        } finally {
            releasing.unlock();
        }
    }

    /** An o.dat waiting for the writer to write the removals of the acks it records. */
    private record PendingWrite(byte[] state, CompletableFuture<?> written) {
    }

    /** The o.dat bytes at close when anything changed since the last write (deleted or not). */
    byte[] finalState() {
        lock.lock();
        try {
            // An o.dat still waiting for its barrier is due as well: its state has changed since the last write.
            if (!dirty && pendingWrite == null) {
                return null;
            }
            dirty = false;
            return encode(now());
        } finally {
            lock.unlock();
        }
    }

    private byte[] encode(long now) {
        List<ConsumerState.Pending> p = new ArrayList<>(storePending.size());
        storePending.forEach((k, v) -> {
            if (k > ackS && k <= delS) {
                p.add(new ConsumerState.Pending(k, v.dseq, v.ts));
            }
        });
        List<ConsumerState.Redelivery> r = new ArrayList<>(storeRedelivered.size());
        storeRedelivered.forEach((k, v) -> r.add(new ConsumerState.Redelivery(k, v)));
        long base = p.isEmpty() ? 0 : ConsumerStateCodec.baseSecondsAt(Instant.ofEpochSecond(0, now));
        long floorC = Math.min(ackC, delC);
        long floorS = Math.min(ackS, delS);
        return ConsumerStateCodec.encode(new ConsumerState(2, new SequencePair(delC, delS), new SequencePair(floorC, floorS),
                base, p, r));
    }

    void markDirty() {
        lock.lock();
        try {
            dirty = true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether this consumer still needs stream message {@code seq} (nats-server's needAck). */
    boolean needs(long seq, String subject) {
        lock.lock();
        try {
            if (!filter.matches(subject)) {
                return false;
            }
            boolean need = switch (s.ackPolicy()) {
                case EXPLICIT -> seq > asflr && (seq >= sseq || pending.containsKey(seq));
                case NONE, ALL -> seq > asflr;
            };
            return need || rdc.containsKey(seq);
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
            dirty = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
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
            return pending.size();
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
}
