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
 * "stream not found" once recovery has finished without it.
 */
public final class StreamHandle {
    /**
     * Where a stream is: READ_ONLY for a config the runtime does not write or a writer a write error
     * stopped (a full disk), FAILED for a stream whose recovery or hand-over failed.
     */
    public enum State { RECOVERING, READY, READ_ONLY, FAILED }

    private final String account;
    private final String name;
    private final CompletableFuture<JetStartStream> ready;

    StreamHandle(String account, String name, CompletableFuture<JetStartStream> ready) {
        this.account = account;
        this.name = name;
        this.ready = ready;
    }

    public String account() {
        return account;
    }

    public String name() {
        return name;
    }

    public CompletableFuture<JetStartStream> ready() {
        return ready.copy();
    }

    public State state() {
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
            return ready.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new StreamUnavailableException(account + " > " + name + ": " + e.getCause());
        }
    }
}
