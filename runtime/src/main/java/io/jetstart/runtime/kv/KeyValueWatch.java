package io.jetstart.runtime.kv;

import io.jetstart.runtime.CommitListener;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.core.store.StoredMessage;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A running watch: a virtual thread that delivers the initial entries, then reads the bucket's
 * stream from where it stopped each time the stream's writer commits a batch. Entries come in
 * revision order, each once; entries a purge or a limit removed before the watch read them are not
 * delivered (as a server consumer would not see them). Close it to stop the thread.
 *
 * <p>Design note: the writer only bumps a counter and signals (it must stay quick); the watch
 * notes the counter before each read, so a commit that lands between its read and its wait is
 * never missed.
 */
public final class KeyValueWatch implements AutoCloseable {
    private final KeyValue kv;
    private final JetStartStore store;
    private final String filter;
    private final KeyValueWatcher watcher;
    private final EnumSet<WatchOption> options;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition committed = lock.newCondition();
    private final CommitListener listener;
    private long commits;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile long lastDelivered;
    private Thread thread;
    /** The stream's last sequence when the watch started: the initial entries are those up to it. */
    private long startLast;

    private KeyValueWatch(KeyValue kv, JetStartStore store, String filter, KeyValueWatcher watcher,
                          EnumSet<WatchOption> options) {
        this.kv = kv;
        this.store = store;
        this.filter = filter;
        this.watcher = watcher;
        this.options = options;
        String account = kv.account();
        String stream = kv.stream().name();
        this.listener = new CommitListener() {
            @Override
            public void batchCommitted(CommittedBatch batch) {
                if (batch.stream().equals(stream) && batch.account().equals(account)) {
                    wake();
                }
            }

            @Override
            public void storeClosing() {
                stop();
            }
        };
    }

    static KeyValueWatch start(KeyValue kv, JetStartStore store, String filter, KeyValueWatcher watcher,
                               EnumSet<WatchOption> options) {
        KeyValueWatch w = new KeyValueWatch(kv, store, filter, watcher, options);
        // Made before the listener is added: the store's close may call stop() (which joins it) from then on.
        w.thread = Thread.ofVirtual().name("jetstart-kv-watch-" + kv.bucket()).unstarted(w::run);
        // Listening before the start sequence is read: a commit after that read still wakes the watch.
        // Refused once the store's close has begun ("store ... is closed"): the close would never stop
        // this watch, whose thread would call the watcher after close() returned.
        store.addCommitListener(w.listener);
        try {
            w.startLast = kv.stream().info().lastSeq(); // read by the thread, which starts after this write
        } catch (RuntimeException e) {
            store.removeCommitListener(w.listener);
            throw e;
        }
        // Started under the lock unless the store's close has already stopped the watch: a close
        // that came first never sees a thread start after it returned.
        w.lock.lock();
        try {
            if (!w.closed) {
                w.thread.start();
            }
        } finally {
            w.lock.unlock();
        }
        return w;
    }

    /**
     * The store is closing (on its closing thread, before the writers stop): ends the watch and
     * waits for its thread, so none outlives the store's close. Wakes the thread rather than
     * interrupting it, so a watcher's call under way finishes as it would.
     */
    private void stop() {
        lock.lock();
        try {
            closed = true;
            commits++;
            committed.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            // Kept for the store's close, which stops at its next wait; a later close() resumes
            // and calls this again.
            Thread.currentThread().interrupt();
        }
    }

    private void wake() {
        lock.lock();
        try {
            commits++;
            committed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        try {
            long next = startLast + 1;
            if (!options.contains(WatchOption.UPDATES_ONLY)) {
                List<StoredMessage> initial = options.contains(WatchOption.INCLUDE_HISTORY)
                        ? kv.all(filter, startLast)
                        : kv.lastPerSubject(filter, startLast);
                deliver(initial);
            }
            if (closed) {
                return;
            }
            watcher.endOfData();
            while (!closed && !store.isClosed()) {
                long seen = commitsNow();
                JetStartStream stream = kv.stream();
                List<StoredMessage> batch;
                try {
                    batch = stream.nextBatch(next, filter, KeyValue.BATCH);
                } catch (IllegalStateException e) {
                    if (!stream.isReplaced()) {
                        throw e;
                    }
                    // Its stream is being resumed (JetStartStore.resumeStream): the new one's first
                    // commit wakes this watch, which reads from it then.
                    awaitCommitAfter(seen);
                    continue;
                }
                if (batch.isEmpty()) {
                    awaitCommitAfter(seen);
                    continue;
                }
                deliver(batch);
                next = batch.get(batch.size() - 1).seq() + 1;
            }
        } catch (InterruptedException e) {
            // close() interrupts a watch waiting for a commit: the normal way out.
        } catch (Throwable t) {
            failure = t;
        } finally {
            store.removeCommitListener(listener);
        }
    }

    private void deliver(List<StoredMessage> messages) {
        boolean ignoreDeletes = options.contains(WatchOption.IGNORE_DELETE);
        boolean metaOnly = options.contains(WatchOption.META_ONLY);
        for (int i = 0; i < messages.size() && !closed; i++) {
            StoredMessage m = messages.get(i);
            KeyValueEntry e = kv.entry(m, messages.size() - 1 - i, metaOnly);
            // Noted before the call, so a watcher that has seen an entry reads at least its revision here.
            lastDelivered = m.seq();
            if (!(ignoreDeletes && e.operation() != KeyValueOperation.PUT)) {
                watcher.watch(e);
            }
        }
    }

    private long commitsNow() {
        lock.lock();
        try {
            return commits;
        } finally {
            lock.unlock();
        }
    }

    private void awaitCommitAfter(long seen) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            if (commits == seen && !closed) {
                // NOTE: unbounded: the store's close stops the watch under this lock (storeClosing:
                // closed set, commits bumped, signalled), so a close between the loop's look at
                // isClosed and this wait is still seen. A bounded wait here let the thread outlive
                // close() by up to its length.
                committed.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Why the watch ended on its own (the watcher threw, or the stream could not be read). */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** The revision of the last entry handed to the watcher (or skipped as a marker with IGNORE_DELETE); 0 before any. */
    public long lastRevision() {
        return lastDelivered;
    }

    /** The watch's thread, for tests that check where it waits. */
    Thread thread() {
        return thread;
    }

    /** Whether the watch's thread is still running. */
    public boolean isActive() {
        return thread.isAlive();
    }

    /**
     * Stops the watch and waits for its thread (unless called from the watcher itself); the
     * watcher is not called after this returns. A watch also ends when its store is closed.
     */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        if (Thread.currentThread() == thread) {
            return;
        }
        thread.interrupt();
        thread.join();
        store.removeCommitListener(listener);
    }
}
