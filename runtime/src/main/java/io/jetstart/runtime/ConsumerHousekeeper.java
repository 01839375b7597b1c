package io.jetstart.runtime;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One thread per store that runs every consumer's timers: ack-wait expiries (nats-server's
 * {@code checkPending}), removal after {@code inactive_threshold}, and the {@code o.dat} writes
 * (at most every 100 ms per consumer while its state changes, as the server's flush loop). The
 * writes a tick finds due, of every stream it looks at, are handed to the store's
 * {@link ConsumerStateFlusher}, which runs them beside this thread (as many at once as the disk
 * gate has permits); under {@link SyncPolicy#INTERVAL} the files so written are synced at each sync
 * interval, beside this thread too. The tick goes on with the timers meanwhile: until 2026-12-07
 * it waited for the writes (and the syncs), and 10,000 of them held every stream's ack-wait
 * expiries, pause ends and inactivity removals back until they were all written (redeliveries
 * 2.3-4.4 s late; docs/runtime.md, "Many streams"; nats-server's flush goroutines never hold up
 * its timers).
 *
 * <p>Design note: one ticker instead of a timer per consumer keeps thousands of consumers at one
 * thread. While a consumer has something to write or hand on it ticks every 10 ms (the o.dat
 * cadence needs no finer), and it wakes exactly when the earliest ack-wait timer or inactivity
 * limit is due: which messages expire together decides the redelivery order (nats-server sorts
 * each check's expired messages), so the timers fire when the server's would. With nothing to do
 * it sleeps until a consumer's change {@link #wake}s it (at most {@link #IDLE_NANOS}): a tick
 * every 10 ms over 2,000 idle consumers took 12 % of a core in a store that did nothing.
 *
 * <p>A tick looks at the streams that need it, not at every stream: those whose consumers changed
 * ({@link #wake} names the stream) and those whose earliest timer is due (a queue ordered by when,
 * kept from each stream's last tick). Every stream is looked at once per {@link #IDLE_NANOS}, the
 * net for a change no wake told of, which also rebuilds the queue. Until 2026-12 every tick went
 * over every consumer: in a store of 10,000 streams with 20,000 consumers whose ack-wait timers
 * fell at different times, some timer was always due, and the thread went over all 20,000 without
 * a pause (a third of a core, the store otherwise idle; docs/runtime.md, "Many streams").
 */
final class ConsumerHousekeeper {
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** The longest an idle housekeeper sleeps, and how often every stream is looked at: a net for a change no {@link #wake} told it of. */
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** When a stream's consumers are due next (wall nanos): an entry of {@link #timers}. */
    private record Due(long at, JetStartStream stream) {
    }

    private final Supplier<Iterable<JetStartStream>> streams;
    private final ConsumerStateFlusher flusher;
    private final Thread thread;
    /** Streams whose consumers changed since their last tick: added by {@link #wake}, taken by the thread. */
    private final java.util.Set<JetStartStream> changedStreams = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The housekeeper thread's own: each stream's next due as of its last tick, earliest first. */
    private final java.util.PriorityQueue<Due> timers = new java.util.PriorityQueue<>(new ByAt());
    /** The housekeeper thread's own: the due each stream's entry in {@link #timers} holds (older entries are stale). */
    private final java.util.IdentityHashMap<JetStartStream, Long> dueOf = new java.util.IdentityHashMap<>();
    private volatile boolean running = true;
    /** Set while the thread sleeps past a tick: only then does a {@link #wake} unpark it. */
    private volatile boolean idle;
    /** Set by {@link #wake}, cleared before each tick: a change the tick may not have seen. */
    private volatile boolean changed;
    /** Ticks run, for a test. */
    private volatile long ticks;

    /** The o.dat writes of the tick under way, of every stream it looks at (the housekeeper thread's own). */
    private final java.util.List<ConsumerStateFlusher.Job> writes = new java.util.ArrayList<>();

    ConsumerHousekeeper(Supplier<Iterable<JetStartStream>> streams, ConsumerStateFlusher flusher) {
        this.streams = streams;
        this.flusher = flusher;
        this.thread = Thread.ofPlatform().daemon().name("jetstart-consumers").unstarted(new Body());
    }

    void start() {
        thread.start();
    }

    /** The thread's body ({@link #run}); a named class, as it is made at each open (package-info). */
    private final class Body implements Runnable {
        @Override
        public void run() {
            ConsumerHousekeeper.this.run();
        }
    }

    /** Orders {@link #timers}; a named class, as {@link Body}. */
    private static final class ByAt implements java.util.Comparator<Due> {
        @Override
        public int compare(Due a, Due b) {
            return Long.compare(a.at(), b.at());
        }
    }

    /**
     * A consumer of {@code stream} changed (a delivery, an ack, a new config...): a tick must look
     * at that stream within {@link #TICK_NANOS}. Cheap when the thread is ticking anyway.
     *
     * <p>NOTE: no lost wake. The changer adds the stream and writes {@link #changed}, then reads
     * {@link #idle}; the thread writes {@code idle} and then reads {@code changed} before it sleeps
     * (all volatile), so one of the two sees the other's write: the thread does not sleep, or it is
     * unparked (a permit given before the park makes the park return at once). The thread takes a
     * stream out of {@link #changedStreams} before it ticks it, so a change during that tick puts it
     * back for the next one.
     */
    void wake(JetStartStream stream) {
        changedStreams.add(stream);
        if (!changed) {
            changed = true;
        }
        if (idle) {
            LockSupport.unpark(thread);
        }
    }

    long ticks() {
        return ticks;
    }

    ConsumerStateFlusher flusher() {
        return flusher;
    }

    /**
     * The store's close, once this thread has stopped: the writes and the sync handed to the
     * flusher end first ({@link ConsumerStateFlusher#drain}; nothing runs beside the close after
     * that), then every stream's consumers are closed ({@link StreamConsumers#closing}) and their
     * last o.dat writes run together, then the files written unsynced since the last sync interval
     * are synced; returns the consumers whose o.dat could not be written, each with why. Until
     * 2026-12-07 the close wrote them one after the other.
     */
    java.util.List<String> closeConsumers(java.util.List<JetStartStream> served) throws InterruptedException {
        flusher.drain();
        java.util.List<String> unwritten = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.List<ConsumerStateFlusher.Job> last = new java.util.ArrayList<>();
        try {
            for (JetStartStream s : served) {
                s.consumers().closing(last, unwritten);
            }
        } finally {
            // Also when interrupted half-way: a state taken for its last write counts as written,
            // and a later close() would find nothing left to write for it.
            flusher.runTogether(last);
        }
        for (String failed : flusher.syncWritten()) {
            // Written (a kill -9 keeps it), but not known to be on the disk.
            org.slf4j.LoggerFactory.getLogger("jetstart").warn("o.dat not synced at the close: {}", failed);
        }
        return new java.util.ArrayList<>(unwritten);
    }

    private void run() {
        long nextSweep = Long.MIN_VALUE;
        while (running) {
            changed = false;
            long now = WriterLoop.wallNanos();
            try {
                if (now >= nextSweep) {
                    sweep(now);
                    nextSweep = now + IDLE_NANOS;
                } else {
                    tickChanged(now);
                    tickDue(now);
                }
            } finally {
                // Also when a tick failed: each write taken is counted by its stream until it has
                // run, and a close waits for that count.
                handOver();
            }
            if (flusher.syncDue(WriterLoop.wallNanos())) {
                flusher.startSync();
            }
            ticks++;
            long due = Math.min(Math.min(nextSweep, earliest()), flusher.nextSync());
            long wait = due - WriterLoop.wallNanos();
            if (wait <= 0) {
                continue;
            }
            if (wait <= TICK_NANOS) {
                // Busy, or a timer due soon: a wake would only cut this short.
                LockSupport.parkNanos(wait);
                continue;
            }
            idle = true;
            if (!changed && running) {
                LockSupport.parkNanos(wait);
            }
            idle = false;
        }
    }

    /** Every served stream, and the queue of timers made again from what they say (streams gone drop out). */
    private void sweep(long now) {
        changedStreams.clear();
        timers.clear();
        dueOf.clear();
        for (JetStartStream s : streams.get()) {
            tick(s, now);
        }
    }

    private void tickChanged(long now) {
        for (java.util.Iterator<JetStartStream> it = changedStreams.iterator(); it.hasNext(); ) {
            JetStartStream s = it.next();
            it.remove();
            tick(s, now);
        }
    }

    private void tickDue(long now) {
        while (!timers.isEmpty() && timers.peek().at() <= now) {
            Due d = timers.poll();
            Long current = dueOf.get(d.stream());
            if (current != null && current == d.at()) {
                dueOf.remove(d.stream());
                tick(d.stream(), now);
            }
        }
    }

    /** The o.dat writes this tick found due, to the flusher's threads (never waited for); then the list is empty for the next tick. */
    private void handOver() {
        try {
            flusher.submit(writes);
        } finally {
            writes.clear();
        }
    }

    /** Ticks one stream's consumers and queues its next due. */
    private void tick(JetStartStream s, long now) {
        long due = s.consumers().tick(now, writes);
        if (due == Long.MAX_VALUE) {
            dueOf.remove(s);
            return;
        }
        Long before = dueOf.put(s, due);
        if (before == null || before != due) {
            timers.add(new Due(due, s));
        }
    }

    /** The earliest live due in {@link #timers} (stale entries dropped on the way), or Long.MAX_VALUE. */
    private long earliest() {
        while (!timers.isEmpty()) {
            Due d = timers.peek();
            Long current = dueOf.get(d.stream());
            if (current != null && current == d.at()) {
                return d.at();
            }
            timers.poll();
        }
        return Long.MAX_VALUE;
    }

    /**
     * NOTE: no close race here. The loop reads {@code running} before every park, and a stop
     * between that read and the park has given the thread a permit (an unpark before a park makes
     * it return at once); a stop before {@link #start} leaves a thread that ends at its first look. A tick never waits for a writer: it submits and looks at the future later
     * ({@link PullConsumer#stateToWriteAfterReleases}); close stops this thread before the writers.
     */
    void stop() throws InterruptedException {
        running = false;
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            thread.join();
        }
    }
}
