package io.jetstart.runtime;

import io.jetstart.core.meta.StreamConfig;

/**
 * The parts of a stream's config the writer checks on every publish, read once per config
 * (reading them from the JSON per message cost more than writing the message).
 */
record StreamRules(boolean sealed, boolean denyDelete, boolean denyPurge, boolean allowRollup, long maxMsgSize,
                   boolean discardNew, boolean discardNewPerSubject, long maxMsgs, long maxBytes, long maxMsgsPerSubject,
                   long maxAgeNanos, boolean allowMsgTtl, long markerTtlSeconds) {

    /** From the config's parsed values: no Jackson tree on a stream's hand-over. */
    static StreamRules of(StreamConfig c) {
        return new StreamRules(c.flag("sealed"), c.flag("deny_delete"), c.flag("deny_purge"), c.flag("allow_rollup_hdrs"),
                c.maxMsgSize(), c.discard() == StreamConfig.Discard.NEW, c.flag("discard_new_per_subject"), c.maxMsgs(),
                c.maxBytes(), c.maxMsgsPerSubject(), c.maxAgeNanos(), c.flag("allow_msg_ttl"),
                // The server keeps whole seconds of it: int64(cfg.SubjectDeleteMarkerTTL.Seconds()).
                c.subjectDeleteMarkerTtlNanos() > 0 ? c.subjectDeleteMarkerTtlNanos() / 1_000_000_000L : 0);
    }

    /** Whether an expiry leaves a subject delete marker ({@code subject_delete_marker_ttl}). */
    boolean markers() {
        return markerTtlSeconds > 0;
    }

    /** Whether a publish can make a count or size limit remove something. */
    boolean hasLimits() {
        return maxMsgs > 0 || maxBytes > 0 || maxMsgsPerSubject > 0;
    }
}
