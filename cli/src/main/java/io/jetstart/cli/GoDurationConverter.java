package io.jetstart.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Parses durations the way operators write them for nats-server: "500ms", "30s", "1m30s", "2h". */
final class GoDurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    @Override
    public Duration convert(String value) {
        if (value == null || value.isBlank()) {
            throw new CommandLine.TypeConversionException("empty duration");
        }
        Matcher m = PART.matcher(value);
        int pos = 0;
        double nanos = 0;
        while (m.find() && m.start() == pos) {
            double n = Double.parseDouble(m.group(1));
            nanos += n * switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            pos = m.end();
        }
        if (pos != value.length() || pos == 0) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (examples: 500ms, 30s, 1m30s, 2h)");
        }
        return Duration.ofNanos((long) nanos);
    }
}
