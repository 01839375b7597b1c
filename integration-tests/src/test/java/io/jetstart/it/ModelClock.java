package io.jetstart.it;

/**
 * The clock of {@link ConsumerModelIT}: it places the operations so that the redelivery order
 * cannot depend on how late either side's ack-wait timer fires.
 *
 * <p>Every wait a delivery can get (ack wait, backoff step, nak delay, a nak delay on the backoff
 * consumer) is a whole multiple of {@link #UNIT}. An operation that sets a deadline (a fetch, an
 * in-progress answer, a nak with a delay) starts at least {@link #SPACING} after the previous one
 * ended, and all of them fall within {@link #BUDGET} of the first one after a wait; then a wait runs
 * until {@link #MARGIN} past the last deadline. So on each side two deadlines with the same wait are
 * at least the spacing apart (the operations run in the same order on both), two with different
 * waits at least {@code UNIT - BUDGET - one operation} apart, nothing expires before the segment's
 * operations are done (the shortest wait is one unit), and everything set in a segment has expired
 * before the next one starts. A timer late by less than that separation still takes each deadline
 * in its own check on both sides, so both queue the same redeliveries in the same order; what is
 * left to timing is an operation that takes longer than {@code UNIT - SPACING - BUDGET} (then
 * {@link #overrun} names it) or a timer later than the margin.
 *
 * <p>A restart is the one timer the operations do not place. Each side starts its consumers at its
 * own moment inside the restart step (nats-server as it starts, the runtime as it opens, tens of ms
 * apart) and checks their restored pending messages at once: all have expired (the restart waits
 * past every deadline first, and a restored time, the message's publish time in whole seconds, is
 * never later than its delivery), so all are queued for redelivery. As long as a consumer holds only
 * expired or queued entries, it repeats that check every ack wait + 1 ms (every 3 s on the backoff
 * consumer, its last step), timed from its own start, until a check finds an entry whose wait still
 * runs (after its next delivery). A repeated check queues again what a purge took off the
 * redelivery queue (nats-server's {@code consumer.purge} keeps no queued redelivery below the
 * consumer's next sequence: none of them) and drops what a purge left below the stream's first
 * sequence; an operation that runs after one side's check and before the other's sees the two
 * differ. Seed 71431679378761, limits: message 1, restored pending on E and queued, was taken off
 * the queue by a rollup; nats-server's check 4.002 s after its start queued it again about 90 ms
 * before the runtime's, and the fetch in between got it from the server only (the CI rehearsal's
 * difference, A at op 29, fits the same). So after a restart every segment starts outside the windows of those
 * checks ({@link #waitPastDeadlines}: the restart step shifted by each repeat, plus a margin either
 * side, {@link RestartChecks}) and ends before the next one ({@link #segmentFull}). Not
 * thread-safe: the test's thread owns it.
 */
final class ModelClock {
    /** The shortest wait a delivery gets, and the step between two different waits. */
    static final long UNIT = 1_000_000_000L;
    /** The longest wait a delivery gets (the backoff consumer's second step). */
    static final long LONGEST = 3 * UNIT;
    /** nats-server's {@code ackWaitDelay} (the runtime's too): an ack-wait check repeats every ack wait + this. */
    static final long TIMER_SLACK = 1_000_000L;
    private static final long SPACING = 100_000_000L;
    private static final long BUDGET = 400_000_000L;
    private static final long MARGIN = 700_000_000L;
    /**
     * How long before a restart's next repeated check the segment ends: the spacing before an
     * operation, the operation and the comparisons after it.
     */
    private static final long OPERATION = 250_000_000L;
    /** The shortest quiet window between two repeated checks worth starting a segment in. */
    private static final long MIN_ROOM = 400_000_000L;

    /** When the first deadline of the segment was set (0: none since the last wait). */
    private long segmentStart;
    /** When the last operation that set a deadline ended (0: none yet). */
    private long lastSet;
    /** The longest a segment ran, for the log: how close a run came to the separation's limit. */
    private long longest;
    /** When each side may check again what its consumers restored at the last restart (null: no restart yet). */
    private RestartChecks checks;
    /** When the segment must end: the next repeated check, less its margin (Long.MAX_VALUE: none). */
    private long quietUntil = Long.MAX_VALUE;
    /** Waits made longer to keep clear of a restart's repeated checks, and by how much in all, for the log. */
    private int moved;
    private long movedNanos;

    /**
     * True when the segment has used its budget, or is about to run into a restart's repeated check
     * (the operation would still run when one side checks and the other has not): the next
     * operation must wait first.
     */
    boolean segmentFull() {
        long now = System.nanoTime();
        return segmentStart != 0 && now - segmentStart > BUDGET || now > quietUntil - OPERATION;
    }

    /**
     * Both sides restarted their consumers somewhere between {@code from} and {@code to} ({@link
     * System#nanoTime}); the consumers that restored pending messages check them again every one of
     * {@code repeatNanos} after that (each consumer its own; the set of them is what matters here)
     * until their next delivery. Then waits, if need be, until a segment may start.
     */
    void restarted(long from, long to, long... repeatNanos) throws InterruptedException {
        checks = new RestartChecks(from, to, repeatNanos);
        waitPastDeadlines();
    }

    /** Before an operation that sets deadlines: keeps the spacing after the previous one and opens the segment. */
    void beforeSetting() throws InterruptedException {
        long now = System.nanoTime();
        if (lastSet != 0 && now < lastSet + SPACING) {
            sleepNanos(lastSet + SPACING - now);
            now = System.nanoTime();
        }
        if (segmentStart == 0) {
            segmentStart = now;
        }
    }

    /** After an operation that set deadlines. */
    void afterSetting() {
        lastSet = System.nanoTime();
    }

    /**
     * After any operation: why the separation may not hold (the segment's operations ran so long that
     * a deadline set in it may fall close to one with another wait, or an expiry may race them), or
     * empty.
     */
    String overrun() {
        long now = System.nanoTime();
        long used = segmentStart == 0 ? 0 : now - segmentStart;
        longest = Math.max(longest, used);
        String late = now > quietUntil ? " [timing: the operation ended " + (now - quietUntil) / 1_000_000
                + " ms into a window where one side may have checked its restored consumers again and the other not]" : "";
        return used > UNIT - SPACING ? " [timing: the segment ran " + used / 1_000_000 + " ms, more than the "
                + (UNIT - SPACING) / 1_000_000 + " ms the separation allows]" + late : late;
    }

    /** The longest segment so far, for the log. */
    String summary() {
        return "longest segment " + longest / 1_000_000 + " ms (the separation holds up to " + (UNIT - SPACING) / 1_000_000
                + " ms); " + moved + " waits made " + movedNanos / 1_000_000 + " ms longer in all to keep clear of a restart's repeated checks";
    }

    /** Milliseconds since the segment's first deadline (0 when none). */
    long segmentMillis() {
        return segmentStart == 0 ? 0 : (System.nanoTime() - segmentStart) / 1_000_000;
    }

    /**
     * Sleeps until every deadline set so far is past by the margin on both sides, and outside a
     * restart's repeated checks with room for a segment before the next one; the next operation
     * opens a new segment.
     */
    void waitPastDeadlines() throws InterruptedException {
        long now = System.nanoTime();
        long past = lastSet != 0 ? Math.max(now, lastSet + LONGEST + MARGIN) : now;
        long until = checks == null ? past : checks.quietFrom(past, MIN_ROOM);
        if (until > past) {
            moved++;
            movedNanos += until - past;
        }
        if (now < until) {
            sleepNanos(until - now);
        }
        quietUntil = checks == null ? Long.MAX_VALUE : checks.nextStart(until);
        segmentStart = 0;
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    }
}
