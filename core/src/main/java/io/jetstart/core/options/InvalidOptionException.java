package io.jetstart.core.options;

/**
 * An option set out of its range. The message names the option and the method that set it, as an
 * embedding application wrote it: {@code dios must be between 1 and 8192 (RecoveryOptions.withDios),
 * got 0}. A front end that set the option from a flag of its own says {@link #forFlag}: the CLI's
 * {@code --dios must be between 1 and 8192, got 0}.
 *
 * <p>Design note: the texts once named the CLI's flags ({@code --dios}), which an application that
 * never saw the CLI could not map to the call it made. The parts are kept apart instead of parsed
 * back out of the message.
 */
public final class InvalidOptionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String option;
    private final String setter;
    private final String requirement;
    private final String found;

    /**
     * @param option      the option's name in the record ({@code dios})
     * @param setter      where a library user sets it ({@code RecoveryOptions.withDios})
     * @param requirement what it must be ({@code must be between 1 and 8192})
     * @param found       the value given, as its user would write it ({@code 0}, {@code 0s}, {@code 'a/b'})
     */
    public InvalidOptionException(String option, String setter, String requirement, String found) {
        super(option + " " + requirement + " (" + setter + "), got " + found);
        this.option = option;
        this.setter = setter;
        this.requirement = requirement;
        this.found = found;
    }

    /** The option's name in its record, e.g. {@code dios}. */
    public String option() {
        return option;
    }

    /** Where a library user sets it, e.g. {@code RecoveryOptions.withDios}. */
    public String setter() {
        return setter;
    }

    /** What it must be, e.g. {@code must be between 1 and 8192}. */
    public String requirement() {
        return requirement;
    }

    /** The value given, e.g. {@code 0}. */
    public String found() {
        return found;
    }

    /** The same problem for a user who set the option with {@code flag}: {@code --dios must be between 1 and 8192, got 0}. */
    public String forFlag(String flag) {
        return flag + " " + requirement + ", got " + found;
    }
}
