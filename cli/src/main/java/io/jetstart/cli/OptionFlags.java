package io.jetstart.cli;

import io.jetstart.core.options.InvalidOptionException;
import java.util.Map;

/**
 * The flags a command sets library options from. The libraries name an option out of range as an
 * embedding application set it ({@code dios must be between 1 and 8192
 * (RecoveryOptions.withDios), got 0}); the command's user typed a flag, and reads
 * {@code --dios must be between 1 and 8192, got 0} (docs/cli.md).
 */
final class OptionFlags {
    private final Map<String, String> flagByOption;

    private OptionFlags(Map<String, String> flagByOption) {
        this.flagByOption = flagByOption;
    }

    /** {@code option, flag, option, flag, ...}: the record's option names and the flags that set them. */
    static OptionFlags of(String... optionThenFlag) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < optionThenFlag.length; i += 2) {
            m.put(optionThenFlag[i], optionThenFlag[i + 1]);
        }
        return new OptionFlags(Map.copyOf(m));
    }

    /** The refusal as the command's user should read it: by flag when a flag set the option, else as the library said it. */
    String describe(IllegalArgumentException e) {
        if (e instanceof InvalidOptionException o && flagByOption.containsKey(o.option())) {
            return o.forFlag(flagByOption.get(o.option()));
        }
        return e.getMessage();
    }
}
