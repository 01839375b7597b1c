package io.jetstart.runtime;

/**
 * nats-server's purge request: everything, or only {@code subject} (wildcards allowed), keeping the
 * newest {@code keep} messages, or only messages below sequence {@code upToSeq}.
 *
 * @param subject null or empty: every subject
 * @param keep    0: keep none
 * @param upToSeq 0: no bound; else remove only sequences below it (the server's {@code seq}); beyond
 *                the next sequence, without a subject (or on {@code >}), the stream then moves to first
 *                {@code upToSeq}, last {@code upToSeq - 1}, as the server's {@code Compact} does
 * @throws JetStreamApiException 10003 "bad request" when both {@code keep} and {@code upToSeq} are set
 */
public record PurgeRequest(String subject, long keep, long upToSeq) {
    public PurgeRequest {
        if (keep < 0 || upToSeq < 0) {
            throw new IllegalArgumentException("keep and seq must not be negative");
        }
        if (keep > 0 && upToSeq > 0) {
            // As nats-server 2.15.1's purge request handler: both set is JSBadRequestErr.
            throw JetStreamApiException.badRequest();
        }
    }

    public static PurgeRequest all() {
        return new PurgeRequest(null, 0, 0);
    }
}
