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
 * consumer's file from its own flush goroutine, so its writes overlap; here {@link #runTogether}
 * runs the writes of one tick (and of the close) on as many threads as the gate has permits.
 */
final class ConsumerStateFlusher {
    /** One {@code o.dat} write of a tick or a close: runs once, on any thread, and handles its own failure. */
    interface Job {
        void run() throws InterruptedException;
    }

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

    ConsumerStateFlusher(DiskGate gate, int permits, SyncPolicy sync, java.time.Duration syncInterval) {
        this.gate = gate;
        this.permits = Math.max(1, permits);
        this.sync = sync;
        this.syncIntervalNanos = syncInterval.toNanos();
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
                int now = running.incrementAndGet();
                try {
                    Job job = jobs.get(i);
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
        List<Path> files;
        books.lock();
        try {
            // Taken out first: a write after this point is kept for the next sync.
            files = new ArrayList<>(unsynced);
            unsynced.clear();
            nextSync = Long.MAX_VALUE;
        } finally {
            books.unlock();
        }
        List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Job> jobs = new ArrayList<>(files.size());
        for (Path f : files) {
            jobs.add(new SyncJob(f, failed));
        }
        runTogether(jobs);
        return failed;
    }

    /** Syncs one written file and its directory. */
    private final class SyncJob implements Job {
        private final Path file;
        private final List<String> failed;

        SyncJob(Path file, List<String> failed) {
            this.file = file;
            this.failed = failed;
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
