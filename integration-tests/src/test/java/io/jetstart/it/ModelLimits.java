package io.jetstart.it;

/**
 * The limits {@link RuntimeModelIT} varies on its stream {@code M} (subjects {@code m.*}), as one
 * config JSON that both sides are given word for word: the server in its create or update request,
 * the runtime through {@code StreamConfig.parse}. A value of -1 (0 for {@code maxAgeMillis}) is no
 * limit.
 *
 * @param discardNewPerSubject the server refuses it without discard new and a per-subject limit
 *                             (10052), and the model draws that refusal too
 */
record ModelLimits(long maxMsgs, long maxBytes, boolean discardNew, long maxPerSubject, boolean discardNewPerSubject,
                   long maxMsgSize, long maxAgeMillis, boolean allowRollup) {

    static final String NAME = "M";

    /** The stream the model starts with. */
    static ModelLimits initial() {
        return new ModelLimits(60, -1, false, 15, false, -1, 0, true);
    }

    ModelLimits withMaxAge(long millis) {
        return new ModelLimits(maxMsgs, maxBytes, discardNew, maxPerSubject, discardNewPerSubject, maxMsgSize, millis, allowRollup);
    }

    /**
     * The config: no {@code duplicate_window}, so both sides work out the default, max_age when it
     * is shorter than two minutes; that is what moves the duplicate window with a max_age phase.
     */
    String json() {
        return "{\"name\":\"" + NAME + "\",\"subjects\":[\"m.*\"],\"storage\":\"file\",\"max_msgs\":" + maxMsgs
                + ",\"max_bytes\":" + maxBytes + ",\"max_msgs_per_subject\":" + maxPerSubject
                + ",\"discard\":\"" + (discardNew ? "new" : "old") + "\""
                + (discardNewPerSubject ? ",\"discard_new_per_subject\":true" : "")
                + ",\"max_msg_size\":" + maxMsgSize
                + (maxAgeMillis > 0 ? ",\"max_age\":" + maxAgeMillis * 1_000_000L : "")
                + ",\"allow_rollup_hdrs\":" + allowRollup + "}";
    }
}
