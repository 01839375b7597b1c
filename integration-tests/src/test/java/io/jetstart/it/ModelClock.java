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
 * {@link #overrun} names it) or a timer later than the margin. Not thread-safe: the test's thread owns it.
 */
final class ModelClock {
    /** The shortest wait a delivery gets, and the step between two different waits. */
    static final long UNIT = 1_000_000_000L;
    /** The longest wait a delivery gets (the backoff consumer's second step). */
    static final long LONGEST = 3 * UNIT;
    private static final long SPACING = 100_000_000L;
    private static final long BUDGET = 400_000_000L;
    private static final long MARGIN = 700_000_000L;

    /** When the first deadline of the segment was set (0: none since the last wait). */
    private long segmentStart;
    /** When the last operation that set a deadline ended (0: none yet). */
    private long lastSet;
    /** The longest a segment ran, for the log: how close a run came to the separation's limit. */
    private long longest;

    /** True when the segment has used its budget: the next operation must wait first. */
    boolean segmentFull() {
        return segmentStart != 0 && System.nanoTime() - segmentStart > BUDGET;
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
        long used = segmentStart == 0 ? 0 : System.nanoTime() - segmentStart;
        longest = Math.max(longest, used);
        return used > UNIT - SPACING ? " [timing: the segment ran " + used / 1_000_000 + " ms, more than the "
                + (UNIT - SPACING) / 1_000_000 + " ms the separation allows]" : "";
    }

    /** The longest segment so far, for the log. */
    String summary() {
        return "longest segment " + longest / 1_000_000 + " ms (the separation holds up to " + (UNIT - SPACING) / 1_000_000 + " ms)";
    }

    /** Milliseconds since the segment's first deadline (0 when none). */
    long segmentMillis() {
        return segmentStart == 0 ? 0 : (System.nanoTime() - segmentStart) / 1_000_000;
    }

    /** Sleeps until every deadline set so far is past by the margin on both sides; the next operation opens a new segment. */
    void waitPastDeadlines() throws InterruptedException {
        if (lastSet != 0) {
            long until = lastSet + LONGEST + MARGIN;
            long now = System.nanoTime();
            if (now < until) {
                sleepNanos(until - now);
            }
        }
        segmentStart = 0;
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    }
}
