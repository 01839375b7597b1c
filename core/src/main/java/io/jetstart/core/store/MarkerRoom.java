package io.jetstart.core.store;

import io.jetstart.core.format.Records;
import io.jetstart.core.meta.StreamConfig;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Whether a stream stores the subject delete marker nats-server 2.11+ proposes for a subject whose
 * last message expired, and if not, why: the marker goes through the stream's publish path
 * ({@code filestore.go: handleRemovalOrSdm} hands it to {@code pmsgcb}, processJetStreamMsg), so
 * {@code max_msg_size} and, with discard new, {@code max_msgs} and {@code max_bytes} refuse it as
 * they refuse any message. The expired message is still there while that is decided (the marker's
 * {@code Nats-Rollup: sub} removes it only once the marker is stored), so its own bytes count, and
 * a refused marker leaves it: the server keeps it, live, and proposes the marker again 2 s later
 * ({@code shouldProcessSdmLocked}). The checks are the runtime's publish checks in their order,
 * those a marker can meet: not the rollup's, since the server turns {@code allow_rollup_hdrs} on
 * and {@code deny_purge} off in a marker stream's config as it loads it ({@code stream.go:
 * checkStreamCfg}, not pedantic).
 *
 * <pre>
 * the marker's header, for subject_delete_marker_ttl of 1 to 9 s (72 bytes):
 *   NATS/1.0\r\n
 *   Nats-Marker-Reason: MaxAge\r\n
 *   Nats-TTL: 2s\r\n              Go's Duration.String of the marker TTL
 *   Nats-Rollup: sub\r\n
 *   \r\n
 * </pre>
 *
 * <p>Design note: recovery writes nothing, so only a report needs this (the writer's open leaves
 * such a message to its publish path, which decides with the real checks); it says what the
 * server does right after a start without a second copy of the publish path.
 */
record MarkerRoom(StreamConfig config, int headerLength) {

    static MarkerRoom of(StreamConfig c) {
        return new MarkerRoom(c, header(c.subjectDeleteMarkerTtlNanos() / 1_000_000_000L).length);
    }

    /** The marker's header bytes for a marker TTL of {@code ttlSeconds} (whole seconds, as the server keeps it). */
    static byte[] header(long ttlSeconds) {
        return ("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: " + goSeconds(ttlSeconds) + "\r\nNats-Rollup: sub\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Why the stream refuses {@code subject}'s marker while it holds {@code msgs} messages of
     * {@code bytes} (record lengths), the subject's last, expired message among them with a record of
     * {@code valueLength} bytes; empty when it stores it.
     */
    Optional<String> refusal(String subject, long msgs, long bytes, long valueLength) {
        long maxMsgSize = config.maxMsgSize();
        if (maxMsgSize > 0 && headerLength > maxMsgSize) {
            return Optional.of("its " + headerLength + "-byte header is over max_msg_size " + maxMsgSize);
        }
        if (config.discard() != StreamConfig.Discard.NEW) {
            return Optional.empty();
        }
        int rl = Records.messageLength(subject.getBytes(StandardCharsets.UTF_8).length, headerLength, 0);
        // The expired message is the subject's only one: with one message per subject the marker
        // replaces it, which passes max_msgs, and passes max_bytes unless it is the smaller.
        boolean atSubjectLimit = config.maxMsgsPerSubject() == 1;
        if (config.maxMsgs() > 0 && msgs >= config.maxMsgs() && !atSubjectLimit) {
            return Optional.of("max_msgs " + config.maxMsgs() + " with discard new leaves no room for it");
        }
        long maxBytes = config.maxBytes();
        if (maxBytes > 0 && bytes + rl > maxBytes && (!atSubjectLimit || valueLength < rl)) {
            return Optional.of("its " + rl + "-byte record beside the stream's " + bytes + " bytes is over max_bytes " + maxBytes
                    + " with discard new");
        }
        return Optional.empty();
    }

    /** The record the stored marker takes. */
    int recordLength(String subject) {
        return Records.messageLength(subject.getBytes(StandardCharsets.UTF_8).length, headerLength, 0);
    }

    /**
     * Go's Duration.String of whole seconds ({@code 2s}, {@code 1m0s}, {@code 1h0m0s}). The server
     * multiplies them back into int64 nanoseconds, which wraps past about 292 years; such a marker
     * TTL is printed here as if it did not (its length is then a few bytes off), being no real one.
     */
    private static String goSeconds(long seconds) {
        long h = seconds / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        if (h > 0) {
            return h + "h" + m + "m" + s + "s";
        }
        return m > 0 ? m + "m" + s + "s" : s + "s";
    }
}
