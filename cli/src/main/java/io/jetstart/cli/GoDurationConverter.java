package io.jetstart.cli;

import io.jetstart.recovery.GoFormat;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Parses durations the way operators write them for nats-server: "500ms", "30s", "1m30s", "2h"
 * ({@link GoFormat#parseDuration}). A negative duration is refused here; whether zero makes sense
 * is the option's business.
 */
final class GoDurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        long nanos;
        try {
            nanos = GoFormat.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
        if (nanos < 0) {
            throw new CommandLine.TypeConversionException("'" + value + "' is negative; a duration here is 0 or more");
        }
        return Duration.ofNanos(nanos);
    }
}
