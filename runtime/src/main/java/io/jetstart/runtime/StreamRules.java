package io.jetstart.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.StreamConfig;

/**
 * The parts of a stream's config the writer checks on every publish, read once per config
 * (reading them from the JSON per message cost more than writing the message).
 */
record StreamRules(boolean sealed, boolean denyDelete, boolean denyPurge, boolean allowRollup, long maxMsgSize,
                   boolean discardNew, boolean discardNewPerSubject, long maxMsgs, long maxBytes, long maxMsgsPerSubject,
                   long maxAgeNanos) {

    static StreamRules of(StreamConfig c) {
        ObjectNode j = c.json();
        return new StreamRules(j.path("sealed").asBoolean(false), j.path("deny_delete").asBoolean(false),
                j.path("deny_purge").asBoolean(false), j.path("allow_rollup_hdrs").asBoolean(false),
                j.path("max_msg_size").asLong(-1), c.discard() == StreamConfig.Discard.NEW,
                j.path("discard_new_per_subject").asBoolean(false), c.maxMsgs(), c.maxBytes(), c.maxMsgsPerSubject(),
                c.maxAgeNanos());
    }

    /** Whether a publish can make a count or size limit remove something. */
    boolean hasLimits() {
        return maxMsgs > 0 || maxBytes > 0 || maxMsgsPerSubject > 0;
    }
}
