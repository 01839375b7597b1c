package io.jetstart.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a stream recovered from the files may take publishes, given the other streams of its
 * account: not while another one's subjects overlap its own (a hand-edited store; the runtime's
 * create and update refuse such a stream with 10065). nats-server 2.10 restores the first of two
 * such streams by name and refuses the other; 2.14+ restores either one or both, by chance
 * (docs/format-notes.md, "Two streams whose subjects overlap"), so a message stored in either could
 * be one the server never loads.
 *
 * <p>Design note: decided at the stream's first publish, on its writer's thread, not at the
 * hand-over. Deciding at each hand-over from all the account's {@code meta.inf} files made one
 * stream's unreadable file hold every hand-over of its account, and served the first of 1,000
 * streams 25-40 ms later in a warm JVM. A stream whose subjects overlap nothing is cleared for good
 * (a create or update that would overlap it is refused); a refused one, or one beside streams
 * still recovering (their configs are not known yet: a publish is not held for them), is asked
 * again at each publish, which {@link StreamOverlaps} answers from what it worked out until a stream of the store
 * is created, updated or deleted, so an operator's update or delete of either stream lets the
 * other take publishes without a reopen. Used on the writer's thread only.
 */
final class OverlapGuard {
    private static final Logger LOG = LoggerFactory.getLogger(OverlapGuard.class);

    private final String account;
    private final String name;
    private final StreamOverlaps overlaps;
    /** The stream last refused for, so that the WARN line is written once per refusal, not per publish. */
    private String refusedFor;
    private boolean settled;

    OverlapGuard(String account, String name, StreamOverlaps overlaps) {
        this.account = account;
        this.name = name;
        this.overlaps = overlaps;
    }

    /** Whether no publish will be refused for this reason any more: the caller then drops the guard. */
    boolean settled() {
        return settled;
    }

    /** Why a publish into the stream is refused now, or null when it is taken. */
    String refusal() throws InterruptedException {
        StreamOverlaps.Answer answer = overlaps.overlapping(account, name);
        if (!(answer instanceof StreamOverlaps.Overlapping overlapping)) {
            if (refusedFor != null) {
                LOG.info("{} > {}: publishes taken again: its subjects no longer overlap another stream's", account, name);
                refusedFor = null;
            }
            settled = answer instanceof StreamOverlaps.Clear;
            return null;
        }
        String other = overlapping.other();
        String why = "subjects overlap with an existing stream: '" + other + "' of account '" + account
                + "' was recovered from the files beside this one, and nats-server restores only one of two such streams "
                + "(2.14+ either or both, by chance), so a message stored here could be one the server never loads; "
                + "update or delete one of them";
        if (!other.equals(refusedFor)) {
            LOG.warn("{} > {}: publishes refused: {}", account, name, why);
            refusedFor = other;
        }
        return why;
    }
}
