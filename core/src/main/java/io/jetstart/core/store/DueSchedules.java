package io.jetstart.core.store;

import io.jetstart.core.format.GoTime;
import io.jetstart.core.format.MessageSchedule;
import io.jetstart.core.lines.ServerLine;
import java.util.ArrayList;
import java.util.List;

/**
 * One-time schedules ({@code Nats-Schedule: @at}, {@code allow_msg_schedules}) whose time passed
 * while the server was stopped, reported as a warning: the state here is the files', and the server
 * changes it soon after its start. Measured on 2.15.1 (a schedule 3 s ahead, the server stopped at
 * once and started 20 s later): just after the start the stream is as the files hold it; about a
 * second later the schedule has fired (its timer's floor is 250 ms): a new message on its target
 * (the schedule's body, {@code Nats-Scheduler: <schedule subject>}, {@code Nats-Schedule-Next: purge})
 * at the next sequence, and the schedule message removed. Messages stay the same in number; the
 * first or last sequence, bytes and subjects change. Not modelled: the new message's time is the
 * server's clock at its start, and recovery invents no message (as with the subject delete
 * markers of {@link StartUpExpiry}).
 *
 * <p>Only the blocks that may hold a schedule are read ({@link BlockState#mayHoldSchedules}), as
 * the server reads them when it rebuilds its schedule state; a stream without
 * {@code allow_msg_schedules}, or on a line before 2.12, reads nothing.
 */
final class DueSchedules {
    /** Named schedules per stream; the rest are counted, so a stream of many schedules is not a wall of warnings. */
    static final int MAX_NAMED = 10;

    private DueSchedules() {
    }

    static void warn(StreamStore s, ServerLine line) throws StoreException, InterruptedException {
        if (s.msgs == 0 || line.compareTo(ServerLine.V2_12) < 0 || !s.config.flag("allow_msg_schedules")) {
            return;
        }
        Due due = new Due(s.ctx.nowNanos().getAsLong());
        for (BlockState b : List.copyOf(s.blocks)) {
            if (b.mayHoldSchedules()) {
                s.forEachLiveOf(b, due);
            }
        }
        for (String named : due.named) {
            s.problems.add(Problem.warning(s.msgsDir, named));
        }
        if (due.count > due.named.size()) {
            s.problems.add(Problem.warning(s.msgsDir, (due.count - due.named.size()) + " more one-time schedules came due while "
                    + "nats-server was stopped; it fires each soon after its start, as above"));
        }
    }

    /** Finds the due {@code @at} schedules among the live messages (a named class: package note). */
    private static final class Due implements StreamStore.LiveMessageVisitor {
        private final long now;
        final List<String> named = new ArrayList<>();
        long count;

        Due(long now) {
            this.now = now;
        }

        @Override
        public boolean visit(long seq, long ts, String subject, byte[] buf, int headersOff, int headersLen, int payloadOff,
                             int payloadLen, int rawLength) {
            if (headersLen == 0) {
                return true;
            }
            long at = MessageSchedule.atNanos(buf, headersOff, headersLen);
            if (at == MessageSchedule.NONE || at > now) {
                return true;
            }
            count++;
            if (named.size() < MAX_NAMED) {
                named.add("schedule " + subject + " (sequence " + seq + ", @at " + GoTime.format(at) + ") came due while nats-server "
                        + "was stopped; it fires about a second after its start: a new message on "
                        + MessageSchedule.target(buf, headersOff, headersLen) + " and the schedule removed, which this state does not hold");
            }
            return true;
        }
    }
}
