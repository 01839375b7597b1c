package io.jetstart.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A stream of an open store, whether or not its recovery has finished: {@link #ready()} completes
 * as soon as that stream is back (not when the whole store is), or fails with
 * {@link StreamUnavailableException} (recovery failed it) or a {@link JetStreamApiException}
 * "stream not found" once recovery has finished without it. A handle held across a
 * {@link JetStartStore#resumeStream} follows the stream: it says and gives what the store serves now.
 */
public final class StreamHandle {
    /**
     * Where a stream is: READ_ONLY for a config the runtime does not write or a writer a write error
     * stopped (a full disk, until {@link JetStartStore#resumeStream}), FAILED for a stream whose
     * recovery or hand-over failed (at open, or at a resume), RECOVERING also while a resume recovers it.
     */
    public enum State { RECOVERING, READY, READ_ONLY, FAILED }

    private final String account;
    private final String name;
    private final CompletableFuture<JetStartStream> ready;
    /** The store's future of the stream now, once a resume has replaced the one this handle was made with. */
    private final java.util.function.UnaryOperator<CompletableFuture<JetStartStream>> current;

    StreamHandle(String account, String name, CompletableFuture<JetStartStream> ready,
                 java.util.function.UnaryOperator<CompletableFuture<JetStartStream>> current) {
        this.account = account;
        this.name = name;
        this.ready = ready;
        this.current = current;
    }

    /** {@link #ready}, or the store's future of the stream now when a resume has replaced the stream it gave. */
    /**
     * The stream's own future, not a copy: for the store's own checks ({@link RestorableStreams}),
     * which only read it. A copy completes after the original, as one of its dependents, so a
     * caller woken by the original (an {@link #await} that returned) could still find a copy taken
     * earlier not done: the overlap check then kept its answer from while the other stream was
     * recovering, and took a publish it must refuse (OverlappingStreamsTest, once under load).
     */
    CompletableFuture<JetStartStream> future() {
        CompletableFuture<JetStartStream> f = ready;
        if (f.isDone() && !f.isCompletedExceptionally() && f.join().isReplaced()) {
            return current.apply(f);
        }
        return f;
    }

    public String account() {
        return account;
    }

    public String name() {
        return name;
    }

    public CompletableFuture<JetStartStream> ready() {
        return future().copy();
    }

    public State state() {
        CompletableFuture<JetStartStream> ready = future();
        if (!ready.isDone()) {
            return State.RECOVERING;
        }
        if (ready.isCompletedExceptionally()) {
            return State.FAILED;
        }
        return ready.join().readOnlyReason().isPresent() ? State.READ_ONLY : State.READY;
    }

    /** Waits until the stream is served. */
    public JetStartStream await(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            return future().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new StreamUnavailableException(account + " > " + name + ": " + e.getCause());
        }
    }
}
