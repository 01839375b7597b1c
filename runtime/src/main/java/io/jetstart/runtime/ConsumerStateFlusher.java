package io.jetstart.runtime;

import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.Interrupts;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the consumers' {@code o.dat} files of one store, as nats-server's {@code writeState}
 * writes them: each through a temp file and a rename, synced by the store's {@link SyncPolicy}, and
 * many at once, bounded by the store's disk gate (the server's {@code dios}).
 *
 * <ul>
 *   <li>{@link SyncPolicy#ALWAYS}: the temp file is synced before its rename and the directory
 *       after it ({@link AtomicFiles#write}), as the server opens it {@code O_SYNC} and syncs the
 *       directory: a write is durable when it returns.</li>
 *   <li>{@link SyncPolicy#INTERVAL}: written and renamed, nothing synced
 *       ({@link AtomicFiles#writeUnsynced}), as the server writes it; a kill -9 keeps it at once.
 *       The files written so are kept and synced (file, then directory) at the next sync interval
 *       and at the close, so a power cut loses at most a sync interval of them, as it loses
 *       published messages (the server never syncs them).</li>
 * </ul>
 *
 * <p>Design note: until 2026-12-07 every {@code o.dat} was written with two fsyncs on the one
 * housekeeper thread, one after the other: a fetch on each of 10,000 consumers was 10,000 such
 * writes, 24 s and 7.7 s of CPU (5.3 s and 3.1 s now; docs/runtime.md, "Many streams"). The server writes each
 * consumer's file from its own flush goroutine, so its writes overlap, and none of them holds up its
 * timers (its ack-wait timer is the consumer's own, {@code checkPending}). Here the housekeeper
 * {@link #submit}s the writes a tick finds due, and {@link #startSync}s the sync interval's syncs, to
 * threads beside it, as many as the gate has permits, and goes on with the timers; until
 * 2026-12-07 it waited for them, and 10,000 writes delayed every stream's redeliveries until they
 * were all written (2.3-4.4 s late). A consumer's writes never overlap: the consumer hands out no
 * new state while its last write is under way ({@link PullConsumer#stateToWriteAfterReleases}), as
 * the server's {@code writeState} writes nothing while {@code o.writing}. The close's writes run
 * with {@link #runTogether}, which returns once they have ended.
 */
final class ConsumerStateFlusher {
    /** One {@code o.dat} write of a tick or a close: runs once, on any thread, and handles its own failure. */
    interface Job {
        void run() throws InterruptedException;
    }

    /** How long a thread beside the housekeeper waits for more work before it ends. */
    private static final long IDLE_SECONDS = 1;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("jetstart");

    private final DiskGate gate;
    private final SyncPolicy sync;
    private final long syncIntervalNanos;
    private final int permits;
    /** Under INTERVAL: the o.dat files written and not yet synced (under {@link #books}). */
    private final Set<Path> unsynced = new java.util.HashSet<>();
    /** Guards {@link #unsynced} and {@link #nextSync} (bookkeeping only, never around I/O). */
    private final java.util.concurrent.locks.ReentrantLock books = new java.util.concurrent.locks.ReentrantLock();
    private final AtomicLong filesSynced = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    /** When the files written unsynced are synced next (wall nanos); Long.MAX_VALUE while there are none. */
    private volatile long nextSync = Long.MAX_VALUE;
    /** Test seam: runs in each job's thread as it starts, with the job and the number under way then. Null in service. */
    private volatile java.util.function.ObjIntConsumer<Job> jobStarted;
    private final AtomicInteger running = new AtomicInteger();
    /**
     * Runs the ticks' writes and the sync interval's syncs beside the housekeeper: up to
     * {@link #permits} threads, made when work comes and ended after {@link #IDLE_SECONDS} without
     * any; shut down by {@link #drain} at the store's close. Made at the first {@link #submit}, on
     * the housekeeper's thread (the only one that hands work over), so that the open, whose first
     * stream's readiness is measured in milliseconds, loads none of it. Virtual threads, as the
     * tick's writes had before. Platform ones were measured (10,000 writes, 2 cores; docs/runtime.md,
     * "Many streams") and not kept: an application's fetch waiting on a virtual thread was then woken
     * on time (on virtual ones up to 1 s late, the writes holding the carriers it runs on), but one
     * on a platform thread, fetching from every consumer, ran 2-5 times slower beside four busy
     * platform threads.
     */
    private volatile ThreadPoolExecutor beside;
    /** Set by {@link #drain}: from then on a job handed over runs on the caller's thread. */
    private volatile boolean drained;
    /** Set while a sync interval's sync runs beside the housekeeper: there is only ever one. */
    private final AtomicBoolean syncing = new AtomicBoolean();
    /** Said once until a sync succeeds again; written by the one sync under way (after {@link #syncing} is set). */
    private boolean syncFailed;

    ConsumerStateFlusher(DiskGate gate, int permits, SyncPolicy sync, java.time.Duration syncInterval) {
        this.gate = gate;
        this.permits = Math.max(1, permits);
        this.sync = sync;
        this.syncIntervalNanos = syncInterval.toNanos();
    }

    /** {@link #beside}, made at the first call (the housekeeper's thread only). */
    private ThreadPoolExecutor beside() {
        ThreadPoolExecutor b = beside;
        if (b == null) {
            b = new ThreadPoolExecutor(permits, permits, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    Thread.ofVirtual().name("jetstart-odat").factory());
            // No thread while there is nothing to write: a store of 10,000 idle streams keeps none.
            b.allowCoreThreadTimeOut(true);
            beside = b;
        }
        return b;
    }

    /**
     * Writes {@code bytes} to {@code file} (a consumer's {@code o.dat}) by the sync policy; the
     * caller holds what keeps the consumer's directory in place.
     */
    void write(Path file, byte[] bytes) throws IOException {
        if (sync == SyncPolicy.ALWAYS) {
            gate.run(() -> {
                AtomicFiles.write(file, bytes);
                return null;
            });
            filesSynced.incrementAndGet();
        } else {
            gate.run(() -> {
                AtomicFiles.writeUnsynced(file, bytes);
                return null;
            });
            toSync(file);
        }
        written.incrementAndGet();
    }

    /** Writes {@code bytes} to {@code file} synced (a close's last write), whatever the policy. */
    void writeSynced(Path file, byte[] bytes) throws IOException {
        gate.run(() -> {
            AtomicFiles.write(file, bytes);
            return null;
        });
        // Durable now: an older unsynced write of it needs no sync of its own.
        books.lock();
        try {
            unsynced.remove(file);
        } finally {
            books.unlock();
        }
        filesSynced.incrementAndGet();
        written.incrementAndGet();
    }

    /**
     * Runs {@code jobs} on up to as many threads as the gate has permits (the calling thread one of
     * them) and returns once every one has ended. NOTE: not interruptible: a job's write is short
     * and the caller's next step (a close's, a tick's) counts on every job having ended; an
     * interrupt meanwhile is kept for the caller.
     */
    void runTogether(List<? extends Job> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = new Worker(jobs, next);
        int threads = Math.min(permits, jobs.size());
        List<Thread> started = new ArrayList<>(threads - 1);
        for (int i = 1; i < threads; i++) {
            started.add(Thread.ofVirtual().name("jetstart-odat").start(worker));
        }
        worker.run();
        Interrupts.joinAll(started);
    }

    /** Takes the next job until none is left. */
    private final class Worker implements Runnable {
        private final List<? extends Job> jobs;
        private final AtomicInteger next;

        Worker(List<? extends Job> jobs, AtomicInteger next) {
            this.jobs = jobs;
            this.next = next;
        }

        @Override
        public void run() {
            for (int i = next.getAndIncrement(); i < jobs.size(); i = next.getAndIncrement()) {
                runOne(jobs.get(i));
            }
        }
    }

    /** Runs one job on this thread (the test seam first). */
    private void runOne(Job job) {
        int now = running.incrementAndGet();
        try {
            java.util.function.ObjIntConsumer<Job> seam = jobStarted;
            if (seam != null) {
                seam.accept(job, now);
            }
            job.run();
        } catch (InterruptedException e) {
            // A job only waits at the gate: this one is not written, and said by its own failure path next time.
            Thread.currentThread().interrupt();
        } finally {
            running.decrementAndGet();
        }
    }

    /**
     * Hands {@code jobs} (a tick's writes) to the threads beside the caller and returns at once;
     * they run in the order given, as many at once as the gate has permits. Each job accounts for
     * itself (its stream counts it until it has run, and a close waits for that count). After
     * {@link #drain} (the store's close; the housekeeper, the only caller, has stopped by then) a
     * job is run on the calling thread, so that none is lost.
     */
    void submit(List<? extends Job> jobs) {
        for (Job job : jobs) {
            if (drained) {
                runOne(job);
                continue;
            }
            try {
                beside().execute(new Beside(job));
            } catch (RejectedExecutionException e) {
                runOne(job);
            }
        }
    }

    /** One job run beside the housekeeper. */
    private final class Beside implements Runnable {
        private final Job job;

        Beside(Job job) {
            this.job = job;
        }

        @Override
        public void run() {
            runOne(job);
        }
    }

    /**
     * The store's close: no job is taken from now on, and returns once every job handed over
     * ({@link #submit}, {@link #startSync}) has ended; then nothing runs beside the caller any more.
     * The close's own writes run with {@link #runTogether} after it.
     */
    void drain() throws InterruptedException {
        drained = true;
        ThreadPoolExecutor b = beside;
        if (b == null) {
            return;
        }
        b.shutdown();
        while (!b.awaitTermination(1, TimeUnit.SECONDS)) {
            // A slow disk: the writes in flight end at their own pace.
        }
    }

    /** Keeps {@code file} for the next sync, and times that sync when it is the first kept. */
    private void toSync(Path file) {
        books.lock();
        try {
            if (unsynced.add(file) && nextSync == Long.MAX_VALUE) {
                nextSync = WriterLoop.wallNanos() + syncIntervalNanos;
            }
        } finally {
            books.unlock();
        }
    }

    /** Whether files written unsynced are due for their sync at {@code now} (wall nanos). */
    boolean syncDue(long now) {
        return now >= nextSync;
    }

    /** When the next sync is due (wall nanos); Long.MAX_VALUE when nothing waits for one. */
    long nextSync() {
        return nextSync;
    }

    /**
     * Syncs every file written unsynced so far, and then its directory (the rename), many at once;
     * a file removed meanwhile (its consumer or stream deleted) is passed over. One that fails stays
     * for the next sync. Returns the failures, each naming its file.
     */
    List<String> syncWritten() {
        List<Path> files = takeUnsynced();
        List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Job> jobs = new ArrayList<>(files.size());
        for (Path f : files) {
            jobs.add(new SyncJob(f, failed, null));
        }
        runTogether(jobs);
        return failed;
    }

    /**
     * The sync interval's sync ({@link #syncWritten}'s work), handed to the threads beside the
     * caller; returns at once. A failure is said once (WARN) until a sync succeeds again (INFO), and
     * the files that failed are tried again at the next interval. While one runs (a slow disk), the
     * next waits another interval, so that two never overlap.
     */
    void startSync() {
        if (!syncing.compareAndSet(false, true)) {
            books.lock();
            try {
                nextSync = WriterLoop.wallNanos() + syncIntervalNanos;
            } finally {
                books.unlock();
            }
            return;
        }
        List<Path> files = takeUnsynced();
        if (files.isEmpty()) {
            syncing.set(false);
            return;
        }
        SyncRound round = new SyncRound(files.size());
        List<Job> jobs = new ArrayList<>(files.size());
        for (Path f : files) {
            jobs.add(new SyncJob(f, round.failed, round));
        }
        submit(jobs);
    }

    /** Takes the files written unsynced so far: a write after this is kept for the next sync. */
    private List<Path> takeUnsynced() {
        books.lock();
        try {
            List<Path> files = new ArrayList<>(unsynced);
            unsynced.clear();
            nextSync = Long.MAX_VALUE;
            return files;
        } finally {
            books.unlock();
        }
    }

    /** One sync interval's sync run beside the housekeeper: its last job to end says how it went. */
    private final class SyncRound {
        private final List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger left;

        SyncRound(int jobs) {
            this.left = new AtomicInteger(jobs);
        }

        void jobEnded() {
            if (left.decrementAndGet() > 0) {
                return;
            }
            if (!failed.isEmpty() && !syncFailed) {
                syncFailed = true;
                LOG.warn("o.dat of {} consumer(s) not synced ({}); tried again at the next sync interval", failed.size(), failed.getFirst());
            } else if (failed.isEmpty() && syncFailed) {
                syncFailed = false;
                LOG.info("o.dat synced again");
            }
            // Last: the next round (which reads syncFailed) starts only after this.
            syncing.set(false);
        }
    }

    /** Syncs one written file and its directory; tells its round, if any, when it has ended. */
    private final class SyncJob implements Job {
        private final Path file;
        private final List<String> failed;
        private final SyncRound round;

        SyncJob(Path file, List<String> failed, SyncRound round) {
            this.file = file;
            this.failed = failed;
            this.round = round;
        }

        @Override
        public void run() {
            try {
                gate.run(() -> {
                    AtomicFiles.syncFile(file);
                    AtomicFiles.syncDirectory(file.getParent());
                    return null;
                });
                filesSynced.incrementAndGet();
            } catch (NoSuchFileException e) {
                // Its consumer or stream was deleted: nothing to keep.
            } catch (IOException e) {
                failed.add(file + ": " + e.getMessage());
                toSync(file);
            } finally {
                if (round != null) {
                    round.jobEnded();
                }
            }
        }
    }

    /** Files synced so far (by a synced write or a sync), for a test. */
    long filesSynced() {
        return filesSynced.get();
    }

    /** o.dat files written so far, for a test. */
    long written() {
        return written.get();
    }

    /** Files written and not synced yet, for a test. */
    int unsyncedCount() {
        books.lock();
        try {
            return unsynced.size();
        } finally {
            books.unlock();
        }
    }

    /** Test seam: see {@link #jobStarted}. */
    void jobStarted(java.util.function.ObjIntConsumer<Job> seam) {
        jobStarted = seam;
    }
}
