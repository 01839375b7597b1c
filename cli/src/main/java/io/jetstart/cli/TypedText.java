package io.jetstart.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The text a user typed for an option, for refusals that quote a value as it was typed
 * (docs/cli.md, "Exit statuses"). A duration converted to {@link java.time.Duration} prints as
 * {@code PT0.01S}; an operator who typed {@code --max-age 10ms} should read {@code 10ms} back.
 */
final class TypedText {
    private TypedText() {
    }

    /** What was typed for {@code option} (the last value when it was given more than once), or null when it was not given. */
    static String of(CommandSpec spec, String option) {
        OptionSpec o = spec.commandLine().getParseResult().matchedOption(option);
        if (o == null || o.stringValues().isEmpty()) {
            return null;
        }
        return o.stringValues().get(o.stringValues().size() - 1);
    }

    /** Whether {@code option} was given on the command line (a default does not count). */
    static boolean given(CommandSpec spec, String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }
}
