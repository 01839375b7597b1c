package io.jetstart.recovery;

import io.jetstart.core.store.StreamStore;

/**
 * Receives each stream as soon as its own recovery has finished, on that stream's recovery thread,
 * before its {@link RecoveryEvent.StreamFinished} event: how an embedding runtime serves a stream
 * without waiting for the others. The receiver may call {@link StreamStore#handOver} here and keep
 * the store; recovery never touches it again. Must not block for long (the stream's recovery task
 * is still running) and must not throw.
 */
@FunctionalInterface
public interface StreamHandOver {
    /**
     * Keeps nothing: a read-only recovery's. A named class, not a lambda: the interface has a default
     * method, so the runtime's hand-over initialises it, and a lambda here was spun on each fresh
     * JVM's serve path (NoBootstrapsOnServePathTest).
     */
    StreamHandOver NONE = new KeepsNothing();

    /**
     * @param store the recovered stream, or null when it failed or was cancelled ({@code report}
     *              says why)
     */
    void streamFinished(StreamReport report, StreamStore store);

    /**
     * Whether the streams go to a writer. Then a stream with interest retention some of whose
     * consumers could not be loaded keeps every message: its startup interest sweep is left out,
     * since the consumers that failed (their filters and ack floors are in the files that failed)
     * may still need what the loaded ones acknowledged, and a writer would make the removals
     * lasting (tombstones, compacted blocks). nats-server sweeps with the consumers it loaded; a
     * read-only recovery reports what it does.
     */
    default boolean toWriter() {
        return false;
    }

    /** {@link #NONE}'s class. */
    final class KeepsNothing implements StreamHandOver {
        private KeepsNothing() {
        }

        @Override
        public void streamFinished(StreamReport report, StreamStore store) {
            // A read-only recovery keeps no stream.
        }
    }
}
