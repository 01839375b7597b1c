package io.jetstart.core.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream's {@code msgs/sched.db} (2.12+, {@code allow_msg_schedules}): the scheduler's timers as
 * nats-server kept them at its last write of the file ({@code MsgScheduling.encode}), read as its
 * {@code decode} reads them.
 *
 * <pre>
 *   0      1                 9                 17
 *   +------+-----------------+-----------------+---------------------------------------------+
 *   | 0x01 | count (u64 LE)  | stamp (u64 LE)  | count x entry                               |
 *   +------+-----------------+-----------------+---------------------------------------------+
 *   entry: | subject length (u16 LE) | subject | next firing, Unix ns (varint) | seq (uvarint) |
 * </pre>
 *
 * <p>Design note: the time is the schedule's next firing, not the schedule message's: a repeating
 * schedule ({@code @every}, cron) moves it on at each firing (the fired message's
 * {@code Nats-Schedule-Next}), so only this file says when one is due. Without it (or for a sequence
 * at or past its stamp, the last sequence + 1 when written) the server scans the blocks and takes the
 * next firing from the schedule message's own time, skipped ahead to its start when passed
 * ({@code parseMsgSchedule}): a repeating schedule is then never due at the start.
 *
 * @param stamp   the first sequence the file does not cover
 * @param entries one per schedule subject
 */
public record ScheduleState(long stamp, List<Entry> entries) {
    /** {@code sched.db} is a stream's file name for it. */
    public static final String FILE = "sched.db";
    private static final int VERSION = 1;
    /** The smallest entry: a 2-byte length, an empty subject, a 1-byte varint and a 1-byte uvarint. */
    private static final int MIN_ENTRY = 4;

    public ScheduleState {
        entries = List.copyOf(entries);
    }

    /** One schedule: its subject, its next firing (Unix nanoseconds) and the sequence of its message. */
    public record Entry(String subject, long nextNanos, long seq) {
    }

    /**
     * @throws FormatException naming the offset, for a file the server's {@code decode} refuses too
     *                         (it then removes the file and scans the blocks)
     */
    public static ScheduleState decode(byte[] file) throws FormatException {
        ByteReader r = new ByteReader(file);
        int version = r.u8("sched.db version");
        if (version != VERSION) {
            throw new FormatException(0, "sched.db version " + version + ", expected " + VERSION);
        }
        long count = r.u64("sched.db entry count");
        long stamp = r.u64("sched.db stamp");
        // Checked before the list is sized: a hostile count cannot drive an allocation.
        if (Long.compareUnsigned(count, r.remaining() / MIN_ENTRY) > 0) {
            throw new FormatException(1, "sched.db count " + Long.toUnsignedString(count) + " exceeds what its "
                    + r.remaining() + " remaining bytes can hold");
        }
        List<Entry> entries = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            int len = r.length(r.u16("sched.db subject length"), "sched.db subject");
            String subject = new String(r.bytes(len, "sched.db subject"), StandardCharsets.UTF_8);
            long next = r.varint("sched.db next firing");
            long seq = r.uvarint("sched.db sequence");
            entries.add(new Entry(subject, next, seq));
        }
        return new ScheduleState(stamp, entries);
    }
}
