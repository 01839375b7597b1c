package io.jetstart.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A store's listeners: of every committed batch ({@link CommitListener}, called on the writers'
 * threads) and of the streams the store knows ({@link StreamListener}), and which thread is calling
 * one of them now, so that a call that would wait for that very thread is refused ({@link #refuseIn}).
 * A listener that throws is skipped: the writer, the close and the other listeners go on.
 *
 * <p>The writers' fan-out is on every served stream's way: loops and named classes, no lambdas
 * (package-info).
 */
final class StoreListeners {
    private final Path storeDir;
    private final List<CommitListener> commitListeners = new CopyOnWriteArrayList<>();
    /**
     * Held to add a commit listener and to set {@link #closed}: a listener is either added before
     * close looks at the list (and hears {@link CommitListener#storeClosing}) or refused. In memory only.
     */
    private final ReentrantLock listening = new ReentrantLock();
    /** The store's close has begun: no commit listener is added any more. Under {@link #listening}. */
    private boolean closed;
    private final List<StreamListener> streamListeners = new CopyOnWriteArrayList<>();
    /**
     * Whether this thread is calling one of the store's listeners (stream or commit): resumeStream,
     * deleteStream and close wait for the threads that call them (the recovery's, a stream's
     * writer), so there they would wait for themselves for ever; they are refused instead.
     */
    private final ThreadLocal<Boolean> inListener = new ThreadLocal<>();
    private final CommitListener toWriters = new ToListeners();

    StoreListeners(Path storeDir) {
        this.storeDir = storeDir;
    }

    /** @throws IllegalStateException once {@link #close} has been called (see {@link JetStartStore#addCommitListener}) */
    void addCommitListener(CommitListener l) {
        listening.lock();
        try {
            if (closed) {
                throw new IllegalStateException("store " + storeDir + " is closed");
            }
            commitListeners.add(l);
        } finally {
            listening.unlock();
        }
    }

    void removeCommitListener(CommitListener l) {
        commitListeners.remove(l);
    }

    void addStreamListener(StreamListener l) {
        streamListeners.add(l);
    }

    /** The store's close has begun: every commit listener added so far hears {@link #storeClosing}, later ones are refused. */
    void close() {
        listening.lock();
        try {
            closed = true;
        } finally {
            listening.unlock();
        }
    }

    /** The commit listener each stream's writer calls: it calls every listener of the store. */
    CommitListener forWriters() {
        return toWriters;
    }

    /** Tells every commit listener that the store is closing (on the closing thread). */
    void storeClosing() {
        boolean outer = enter();
        try {
            for (CommitListener l : commitListeners) {
                try {
                    l.storeClosing();
                } catch (RuntimeException ignored) {
                    // Like a commit listener that throws: skipped, the close goes on.
                }
            }
        } finally {
            leave(outer);
        }
    }

    /** Tells every stream listener of a stream the store knows now. */
    void streamKnown(StreamHandle h) {
        boolean outer = enter();
        try {
            for (StreamListener l : streamListeners) {
                l.streamKnown(h);
            }
        } finally {
            leave(outer);
        }
    }

    /** Tells every stream listener of a stream deleted. */
    void streamRemoved(String account, String name) {
        boolean outer = enter();
        try {
            for (StreamListener l : streamListeners) {
                l.streamRemoved(account, name);
            }
        } finally {
            leave(outer);
        }
    }

    /**
     * Marks this thread as calling listeners ({@link #inListener}) until {@link #leave}; returns
     * whether it was not already (a listener's call inside another's keeps the mark). Loops rather
     * than a lambda per call: this is on a served stream's way, which a fresh JVM must take without
     * spinning a class (NoBootstrapsOnServePathTest).
     */
    boolean enter() {
        boolean outer = inListener.get() == null;
        inListener.set(Boolean.TRUE);
        return outer;
    }

    void leave(boolean outer) {
        if (outer) {
            inListener.remove();
        }
    }

    /** Refuses {@code what} on a listener's call, where it would wait for its own thread ({@link #inListener}). */
    void refuseIn(String what) {
        if (inListener.get() != null) {
            throw new IllegalStateException(what + " was called from a StreamListener or CommitListener: it waits for the thread "
                    + "that calls them (the store's recovery, a stream's writer), which would wait for itself; call it from a "
                    + "thread of the application's own");
        }
    }

    /**
     * The writers' listener. NOTE: a listener that throws despite its contract is skipped, not let
     * through: out of the writer's loop it ended the writer's thread, leaving that batch's acks and
     * every later op waiting for ever (a close joined the dead thread and returned, they stayed
     * incomplete).
     */
    private final class ToListeners implements CommitListener {
        @Override
        public void batchCommitted(CommittedBatch batch) {
            boolean outer = enter();
            try {
                for (CommitListener l : commitListeners) {
                    try {
                        l.batchCommitted(batch);
                    } catch (RuntimeException ignored) {
                        // See the note above: the writer and the other listeners go on.
                    }
                }
            } finally {
                leave(outer);
            }
        }

        @Override
        public void synced(SyncPoint point) {
            boolean outer = enter();
            try {
                for (CommitListener l : commitListeners) {
                    try {
                        l.synced(point);
                    } catch (RuntimeException ignored) {
                        // See the note above.
                    }
                }
            } finally {
                leave(outer);
            }
        }
    }
}
