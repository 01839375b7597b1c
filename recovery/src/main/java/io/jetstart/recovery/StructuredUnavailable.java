package io.jetstart.recovery;

/**
 * Why the structured runner could not be used: one sentence for the log line and for whoever
 * reports the fallback. A pure function of what the JVM is, so each case is testable on one JDK.
 */
final class StructuredUnavailable {
    /** The release the structured runner's class is compiled for (class file 69, with preview). */
    static final int STRUCTURED_RELEASE = 25;

    private StructuredUnavailable() {
    }

    /**
     * @param featureVersion  {@code Runtime.version().feature()}
     * @param previewEnabled  whether the JVM runs with {@code --enable-preview}
     * @param loadFailure     what loading or constructing the structured runner threw
     */
    static String reason(int featureVersion, boolean previewEnabled, Throwable loadFailure) {
        if (featureVersion < STRUCTURED_RELEASE) {
            // Checked first: an older JVM refuses the class file version whatever the flags, so
            // "without --enable-preview" would mislead someone who passed it.
            return "JDK " + featureVersion + " cannot load classes compiled for Java " + STRUCTURED_RELEASE
                    + ", with or without --enable-preview";
        }
        if (!previewEnabled) {
            return "JDK " + featureVersion + " without --enable-preview";
        }
        return "JDK " + featureVersion + " with --enable-preview, loading "
                + TaskRunners.STRUCTURED + " failed: " + loadFailure.getClass().getName() + ": "
                + loadFailure.getMessage();
    }

    /**
     * Whether a load failure says preview features are off. There is no public API for the flag
     * without java.management (too heavy for a startup path); a JDK 25+ JVM refuses a preview class
     * file only with an {@link UnsupportedClassVersionError} whose message names the option.
     */
    static boolean previewRefused(Throwable loadFailure) {
        return loadFailure instanceof UnsupportedClassVersionError
                && loadFailure.getMessage() != null
                && loadFailure.getMessage().contains("--enable-preview");
    }
}
