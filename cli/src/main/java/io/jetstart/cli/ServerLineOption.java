package io.jetstart.cli;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.recovery.RecoveryOptions;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --as LINE} of inspect and recover: report another nats-server line's view of the store. */
final class ServerLineOption {
    @Option(names = "--as", paramLabel = "LINE", converter = LineConverter.class,
            description = "Report what nats-server LINE (2.9, 2.10, 2.11, 2.12, 2.14, 2.15; a patch such as 2.10.27 is "
                    + "accepted) would report after a restart on these files, instead of the line detected from them "
                    + "(docs/compatibility.md, \"Rules by server line\")")
    ServerLine line;

    RecoveryOptions applyTo(RecoveryOptions options) {
        return options.withServerLine(line);
    }

    /** picocli converter: a usage error (exit 64) naming the accepted lines. */
    static final class LineConverter implements ITypeConverter<ServerLine> {
        @Override
        public ServerLine convert(String value) {
            try {
                return ServerLine.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
