package io.jetstart.core.store;

import java.util.SortedMap;

/**
 * The state nats-server reports in {@code STREAM.INFO} (with deleted details and all subjects),
 * derived exactly as spec section 4.9 says. Times are Unix nanoseconds; 0 means "no time".
 *
 * @param numDeleted the number of {@code deleted}
 * @param deleted    the deleted sequences in [first, last], ascending: a compact view, not a list, since
 *                   a valid stream may have a hundred million of them ({@link DeletedSequences})
 */
public record StreamState(long messages, long bytes, long firstSeq, long firstTs, long lastSeq, long lastTs,
                          long numDeleted, DeletedSequences deleted, int numSubjects, SortedMap<String, Long> subjects,
                          LostData lost, int consumerCount) {

    public StreamState withConsumerCount(int count) {
        return new StreamState(messages, bytes, firstSeq, firstTs, lastSeq, lastTs, numDeleted, deleted, numSubjects,
                subjects, lost, count);
    }
}
