package io.jetstart.runtime;

import io.jetstart.core.meta.ConsumerConfig;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * A consumer's {@code pause_until} (nats-server 2.11+, {@code consumer.go}): until that wall time
 * the consumer delivers nothing, redeliveries included; pull requests wait, acks are taken.
 * Paused means strictly before the time ({@code time.Now().Before(pause_until)}), so a time in
 * the past, or Go's zero time, is kept in the config and pauses nothing, as the server keeps it.
 *
 * @param nanos the time in Unix nanoseconds, saturated to the range of a long (a pause to the year
 *              9999 is a pause past 2262 here: the same for any clock this runs on); 0 for none
 */
record PauseUntil(long nanos) {
    static final PauseUntil NONE = new PauseUntil(0);
    /** The key in the consumer config and its {@code meta.inf}. */
    static final String KEY = "pause_until";

    /** The pause a config holds ({@link #NONE} without {@code pause_until} or with Go's zero time). */
    static PauseUntil of(ConsumerConfig c) {
        String text = c.text(KEY);
        // Checked as an RFC 3339 time when the config was parsed (ConsumerConfig's TIME field).
        return text.isEmpty() ? NONE : of(OffsetDateTime.parse(text).toInstant());
    }

    /** {@code until} as a pause, the zero instant of Go ({@code 0001-01-01}) and null as none. */
    static PauseUntil of(Instant until) {
        if (until == null || until.getEpochSecond() == -62_135_596_800L && until.getNano() == 0) {
            return NONE;
        }
        long secs = until.getEpochSecond();
        if (secs >= Long.MAX_VALUE / 1_000_000_000L) {
            return new PauseUntil(Long.MAX_VALUE);
        }
        if (secs <= Long.MIN_VALUE / 1_000_000_000L) {
            return new PauseUntil(Long.MIN_VALUE);
        }
        long n = secs * 1_000_000_000L + until.getNano();
        // 0 is "none" here; a pause to exactly the epoch is in the past for every clock anyway.
        return new PauseUntil(n == 0 ? -1 : n);
    }

    boolean set() {
        return nanos != 0;
    }

    /** Whether it pauses deliveries at {@code now} (wall nanos). */
    boolean paused(long now) {
        return nanos != 0 && now < nanos;
    }

    /** What is left of the pause at {@code now} (CONSUMER.INFO's {@code pause_remaining}); zero when not paused. */
    Duration remaining(long now) {
        if (!paused(now)) {
            return Duration.ZERO;
        }
        // Past 2262 the server's time.Until saturates at the largest duration: so does this.
        return Duration.ofNanos(nanos == Long.MAX_VALUE ? Long.MAX_VALUE : nanos - now);
    }
}
