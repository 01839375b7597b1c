package io.jetstart.runtime;

import java.time.Duration;
import java.util.Optional;

/**
 * A pull consumer's request limits as nats-server applies them ({@code processNextMsgRequest} in
 * {@code consumer.go}): {@code max_batch}, {@code max_expires} and {@code max_bytes} bound one
 * request, {@code max_waiting} how many wait at once. Zero means no limit, but {@code max_waiting},
 * which the server's default makes 512 for a pull consumer.
 *
 * @param maxBatch         {@code max_batch}: the largest batch a request may ask for; 0 for any
 * @param maxExpiresNanos  {@code max_expires}: the longest a request may wait; 0 for any
 * @param maxBytes         {@code max_bytes}: the largest {@code max_bytes} a request may ask for; 0 for any
 * @param maxWaiting       {@code max_waiting}: requests waiting at once
 */
public record PullRequestLimits(long maxBatch, long maxExpiresNanos, long maxBytes, long maxWaiting) {

    /** {@code batch}, or {@code max_batch} when that is smaller: a batch the server takes. */
    public int batchWithin(int batch) {
        return maxBatch > 0 && batch > maxBatch ? (int) maxBatch : batch;
    }

    /** {@code expires}, or {@code max_expires} when that is shorter: an expiry the server takes. */
    public Duration expiresWithin(Duration expires) {
        return maxExpiresNanos > 0 && expires.toNanos() > maxExpiresNanos ? Duration.ofNanos(maxExpiresNanos) : expires;
    }

    /**
     * The server's refusal of a request of {@code batch} messages, {@code maxBytes} (0: none) and
     * {@code expiresNanos} (0: no wait) by these limits, in the server's order; empty when it is
     * taken. A request exactly at a limit is taken ({@code expires} is compared as "after").
     */
    Optional<PullRequestRefusedException> refusal(int batch, long maxBytes, long expiresNanos) {
        if (maxBatch > 0 && batch > maxBatch) {
            return Optional.of(PullRequestRefusedException.maxRequestBatch(maxBatch));
        }
        if (expiresNanos > 0 && maxExpiresNanos > 0 && expiresNanos > maxExpiresNanos) {
            return Optional.of(PullRequestRefusedException.maxRequestExpires(maxExpiresNanos));
        }
        if (maxBytes > 0 && this.maxBytes > 0 && maxBytes > this.maxBytes) {
            return Optional.of(PullRequestRefusedException.maxRequestMaxBytes(this.maxBytes));
        }
        return Optional.empty();
    }
}
