package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The fallback's reason, decided on one JDK for every kind of JVM; the last test runs on both paths. */
@Tag("both-paths")
class StructuredUnavailableTest {
    private static final UnsupportedClassVersionError TOO_NEW = new UnsupportedClassVersionError(
            "io/jetstart/recovery/structured/StructuredTaskRunner has been compiled by a more recent version of the"
                    + " Java Runtime (class file version 69.65535), this version of the Java Runtime only recognizes"
                    + " class file versions up to 65.0");
    private static final UnsupportedClassVersionError PREVIEW_OFF = new UnsupportedClassVersionError(
            "Preview features are not enabled for io/jetstart/recovery/structured/StructuredTaskRunner (class file"
                    + " version 69.65535). Try running with '--enable-preview'");

    @Test
    void aJdkOlderThan25BlamesTheClassVersionEvenWithPreviewEnabled() {
        assertThat(StructuredUnavailable.reason(21, true, TOO_NEW))
                .isEqualTo("JDK 21 cannot load classes compiled for Java 25, with or without --enable-preview");
        assertThat(StructuredUnavailable.reason(24, false, TOO_NEW))
                .isEqualTo("JDK 24 cannot load classes compiled for Java 25, with or without --enable-preview");
    }

    @Test
    void jdk25WithoutPreviewSaysThePreviewOptionIsMissing() {
        assertThat(StructuredUnavailable.reason(25, false, PREVIEW_OFF)).isEqualTo("JDK 25 without --enable-preview");
        assertThat(StructuredUnavailable.reason(26, false, PREVIEW_OFF)).isEqualTo("JDK 26 without --enable-preview");
    }

    @Test
    void anyOtherFailureNamesTheExceptionClassAndMessage() {
        assertThat(StructuredUnavailable.reason(25, true, new NoClassDefFoundError("java/util/concurrent/StructuredTaskScope")))
                .isEqualTo("JDK 25 with --enable-preview, loading " + TaskRunners.STRUCTURED
                        + " failed: java.lang.NoClassDefFoundError: java/util/concurrent/StructuredTaskScope");
        assertThat(StructuredUnavailable.reason(25, true, new ClassNotFoundException(TaskRunners.STRUCTURED)))
                .endsWith("failed: java.lang.ClassNotFoundException: " + TaskRunners.STRUCTURED);
    }

    @Test
    void onlyTheJvmsPreviewRefusalCountsAsPreviewOff() {
        assertThat(StructuredUnavailable.previewRefused(PREVIEW_OFF)).isTrue();
        assertThat(StructuredUnavailable.previewRefused(TOO_NEW)).isFalse();
        assertThat(StructuredUnavailable.previewRefused(new NoClassDefFoundError("x"))).isFalse();
        assertThat(StructuredUnavailable.previewRefused(new UnsupportedClassVersionError())).isFalse();
    }

    @Test
    void thisJvmsRealLoadFailureGivesTheReasonForItsPath() {
        // The build's JDK is 25: the default suite has preview on, the fallback run has it off,
        // so this checks the real JVM's refusal message against previewRefused.
        if (TestStores.expectedParallelRunner().equals("fallback")) {
            assertThat(TaskRunners.structuredUnavailableReason())
                    .hasValue("JDK " + Runtime.version().feature() + " without --enable-preview");
            assertThat(TaskRunners.parallel(true).kind()).isEqualTo("fallback");
        } else {
            assertThat(TaskRunners.structuredUnavailableReason()).isEmpty();
            assertThat(TaskRunners.parallel(true).kind()).isEqualTo("structured");
        }
    }
}
