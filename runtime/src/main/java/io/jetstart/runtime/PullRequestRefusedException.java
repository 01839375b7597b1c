package io.jetstart.runtime;

/**
 * A pull request nats-server would answer with a status message instead of messages, and for
 * which nothing was delivered: no sequence moved, no redelivery counted. {@link #status()} and
 * {@link #description()} are the server's, as a client reads them from the status line
 * ({@code NATS/1.0 409 Exceeded MaxRequestBatch of 10}).
 *
 * <ul>
 *   <li>409 {@code Exceeded MaxRequestBatch of <max_batch>}, {@code Exceeded MaxRequestExpires of
 *       <max_expires as Go prints a duration>}, {@code Exceeded MaxRequestMaxBytes of <max_bytes>}:
 *       the request asks more than the consumer's request limits allow;</li>
 *   <li>409 {@code Exceeded MaxWaiting}: {@code max_waiting} requests are already waiting;</li>
 *   <li>409 {@code Message Size Exceeds MaxBytes}: the next message does not fit the request's
 *       {@code max_bytes} and nothing was delivered before it (a request that got messages first
 *       returns them: the server ends it with the same status after them).</li>
 * </ul>
 */
public final class PullRequestRefusedException extends RuntimeException {
    private final int status;
    private final String description;

    PullRequestRefusedException(int status, String description) {
        super(status + " " + description);
        this.status = status;
        this.description = description;
    }

    /** The status code of the server's answer: 409. */
    public int status() {
        return status;
    }

    /** The server's description after the code, e.g. "Exceeded MaxWaiting". */
    public String description() {
        return description;
    }

    static PullRequestRefusedException maxRequestBatch(long max) {
        return new PullRequestRefusedException(409, "Exceeded MaxRequestBatch of " + max);
    }

    /** Go's {@code %v} of a {@code time.Duration}: "1s", "1.5s", "250ms", "1m0s". */
    static PullRequestRefusedException maxRequestExpires(long maxNanos) {
        return new PullRequestRefusedException(409, "Exceeded MaxRequestExpires of " + io.jetstart.recovery.GoFormat.duration(maxNanos));
    }

    static PullRequestRefusedException maxRequestMaxBytes(long max) {
        return new PullRequestRefusedException(409, "Exceeded MaxRequestMaxBytes of " + max);
    }

    static PullRequestRefusedException maxWaiting() {
        return new PullRequestRefusedException(409, "Exceeded MaxWaiting");
    }

    static PullRequestRefusedException messageSizeExceedsMaxBytes() {
        return new PullRequestRefusedException(409, "Message Size Exceeds MaxBytes");
    }
}
