package io.jetstart.core.store;

import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.format.MessageSchedule;
import io.jetstart.core.format.ScheduleState;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.lines.ServerLine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * <p>Repeating schedules ({@code @every}, cron) whose next firing passed while the server was
 * stopped are warned of too, when the server fires them at its start. Measured on 2.15.1
 * ({@code RepeatingSchedulesOnServerIT}: a schedule every 5 s, the server stopped before its first
 * firing and started 8 s later): it fires once, within a second of the start, not once per missed
 * firing (a new message on its target, {@code Nats-Scheduler: <schedule subject>},
 * {@code Nats-Schedule-Next: <next firing>}), and the schedule stays; from then on it fires on its
 * own grid ({@code parseMsgSchedule}: the missed time plus the interval, or the start plus the
 * interval when that passed too). That next firing is kept in {@code msgs/sched.db}
 * ({@link ScheduleState}); only a schedule the file holds is due at the start. Without the file (or
 * for a schedule at or past its stamp) the server scans the blocks and skips ahead to its start
 * (measured: no firing at the start), so nothing is warned of. Lines 2.14+ only: 2.12 has no
 * repeating schedule ({@code getMessageSchedule} reads {@code @at} alone).
 *
 * <p>Only the blocks that may hold a schedule are read ({@link BlockState#mayHoldSchedules}), as
 * the server reads them when it rebuilds its schedule state, and those that hold a sequence
 * {@code sched.db} names as due (the server loads it by its sequence); a stream without
 * {@code allow_msg_schedules}, or on a line before 2.12, reads nothing.
 */
final class DueSchedules {
    /** Named schedules per stream; the rest are counted, so a stream of many schedules is not a wall of warnings. */
    static final int MAX_NAMED = 10;
    /** A larger {@code sched.db} is not read: about 100,000 schedules of long subjects. */
    static final long MAX_SCHED_DB_BYTES = 16L << 20;

    private DueSchedules() {
    }

    static void warn(StreamStore s, ServerLine line) throws StoreException, InterruptedException {
        if (s.msgs == 0 || line.compareTo(ServerLine.V2_12) < 0 || !s.config.flag("allow_msg_schedules")) {
            return;
        }
        long now = s.ctx.nowNanos().getAsLong();
        // Repeating schedules are 2.14+: 2.12's getMessageSchedule reads @at alone (and refuses the rest at publish).
        Due due = new Due(now, line.compareTo(ServerLine.V2_14) >= 0 ? dueInSchedDb(s, now) : Map.of());
        for (BlockState b : List.copyOf(s.blocks)) {
            if (b.mayHoldSchedules() || due.holdsRepeating(b)) {
                s.forEachLiveOf(b, due);
            }
        }
        for (String named : due.named) {
            s.problems.add(Problem.warning(s.msgsDir, named));
        }
        if (due.count > due.named.size()) {
            s.problems.add(Problem.warning(s.msgsDir, (due.count - due.named.size()) + " more schedules came due while "
                    + "nats-server was stopped; it fires each once soon after its start, as above"));
        }
    }

    /**
     * The next firing of each schedule {@code sched.db} holds as passed, by sequence; empty without
     * the file. A file the server would refuse (it warns, removes it and scans the blocks) or cannot
     * read holds nothing due either: the scan skips ahead.
     */
    private static Map<Long, Long> dueInSchedDb(StreamStore s, long now) throws InterruptedException {
        Path file = s.msgsDir.resolve(ScheduleState.FILE);
        ScheduleState state;
        try {
            state = ScheduleState.decode(BlockFiles.readSmallFile(file, MAX_SCHED_DB_BYTES, s.ctx.gate()));
        } catch (java.io.InterruptedIOException | java.nio.channels.ClosedByInterruptException e) {
            throw io.jetstart.core.io.Interrupts.cancelled(file, e);
        } catch (IOException | FormatException e) {
            return Map.of();
        }
        Map<Long, Long> due = new HashMap<>();
        for (ScheduleState.Entry e : state.entries()) {
            if (e.nextNanos() <= now) {
                due.put(e.seq(), e.nextNanos());
            }
        }
        return due;
    }

    /** Finds the due {@code @at} schedules, and the repeating ones {@code sched.db} holds as due, among the live messages (a named class: package note). */
    private static final class Due implements StreamStore.LiveMessageVisitor {
        private final long now;
        private final Map<Long, Long> repeatingDue;
        final List<String> named = new ArrayList<>();
        long count;

        Due(long now, Map<Long, Long> repeatingDue) {
            this.now = now;
            this.repeatingDue = repeatingDue;
        }

        boolean holdsRepeating(BlockState b) {
            for (long seq : repeatingDue.keySet()) {
                if (seq >= b.firstSeq && seq <= b.lastSeq) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean visit(long seq, long ts, String subject, byte[] buf, int headersOff, int headersLen, int payloadOff,
                             int payloadLen, int rawLength) {
            if (headersLen == 0) {
                return true;
            }
            Long next = repeatingDue.get(seq);
            String pattern = next == null ? null : MessageSchedule.repeating(buf, headersOff, headersLen);
            if (pattern != null) {
                count++;
                if (named.size() < MAX_NAMED) {
                    named.add("schedule " + subject + " (sequence " + seq + ", " + pattern + ") came due while nats-server was "
                            + "stopped (its next firing in sched.db, " + GoTime.format(next) + ", passed); it fires once within a "
                            + "second of its start, not once per missed firing: a new message on "
                            + MessageSchedule.target(buf, headersOff, headersLen) + ", and the schedule stays, which this state does not hold");
                }
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
