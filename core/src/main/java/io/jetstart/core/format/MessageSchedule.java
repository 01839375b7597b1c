package io.jetstart.core.format;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * A stored message's one-time schedule ({@code Nats-Schedule: @at <RFC 3339 time>}, 2.12+ with
 * {@code allow_msg_schedules}) as nats-server's scheduler reads it when the time comes
 * ({@code scheduler.go: getScheduledMessages}, {@code parseMsgSchedule}): a target
 * ({@code Nats-Schedule-Target}) is required, and a time zone ({@code Nats-Schedule-Time-Zone}) is
 * refused for {@code @at}; either failure drops the schedule without firing it. A repeating schedule
 * ({@code @every}, cron) keeps its next firing in {@code msgs/sched.db} ({@link ScheduleState}), so
 * only its pattern and target are read here ({@link #repeating}).
 */
public final class MessageSchedule {
    /** {@link #atNanos} of a header block with no {@code @at} schedule the server would fire. */
    public static final long NONE = Long.MIN_VALUE;

    private static final String AT = "@at ";

    private MessageSchedule() {
    }

    /**
     * @return the Unix nanoseconds of the {@code @at} schedule in {@code hdr[off, off+len)}, or
     *         {@link #NONE} when there is none, it has no target or has a time zone, or its time
     *         does not parse as Go's {@code time.RFC3339} (fractional seconds allowed)
     */
    public static long atNanos(byte[] hdr, int off, int len) {
        String pattern = NatsHeaders.value(hdr, off, len, NatsHeaders.SCHEDULE);
        if (pattern == null || !pattern.startsWith(AT) || target(hdr, off, len) == null
                || NatsHeaders.hasValue(hdr, off, len, NatsHeaders.SCHEDULE_TIME_ZONE)) {
            return NONE;
        }
        try {
            OffsetDateTime t = OffsetDateTime.parse(pattern.substring(AT.length()), DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            return Math.addExact(Math.multiplyExact(t.toEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (DateTimeParseException | ArithmeticException e) {
            return NONE;
        }
    }

    /**
     * Whether the header block carries a non-empty {@code Nats-Schedule}, whatever its value: what a
     * rebuild of a block counts into its {@code schedules} ({@code rebuildStateLocked}), as
     * {@link BlockScanner} does. 2.12+ rebuilds its scheduler (without {@code sched.db}) only from
     * blocks counted not 0.
     */
    public static boolean present(byte[] hdr, int off, int len) {
        return NatsHeaders.hasValue(hdr, off, len, NatsHeaders.SCHEDULE);
    }

    /**
     * @return the pattern of the repeating schedule ({@code @every <duration>} or a cron pattern) in
     *         {@code hdr[off, off+len)}, or null when there is none, it is an {@code @at} one, it has
     *         no target, or it is an {@code @every} one with a time zone (which the server's
     *         {@code parseMsgSchedule} refuses, dropping the schedule). The pattern itself is not
     *         checked: the server refuses a message whose pattern does not parse when it is published.
     */
    public static String repeating(byte[] hdr, int off, int len) {
        String pattern = NatsHeaders.value(hdr, off, len, NatsHeaders.SCHEDULE);
        if (pattern == null || pattern.isEmpty() || pattern.startsWith(AT) || target(hdr, off, len) == null) {
            return null;
        }
        if (pattern.startsWith("@every ") && NatsHeaders.hasValue(hdr, off, len, NatsHeaders.SCHEDULE_TIME_ZONE)) {
            return null;
        }
        return pattern;
    }

    /** The subject the schedule publishes to, or null when the header block names none. */
    public static String target(byte[] hdr, int off, int len) {
        return NatsHeaders.value(hdr, off, len, NatsHeaders.SCHEDULE_TARGET);
    }
}
